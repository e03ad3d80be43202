import { fileURLToPath } from 'node:url';
import { parseProvidersConfig, type ProviderConfig } from '@aae/engine';
import { z } from 'zod';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

const envSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65_535).default(3000),
  HOST: z.string().default('127.0.0.1'),
  DATABASE_URL: z.string().optional(),
  DATA_DIR: z.string().default(`${repoRoot}.data/pglite`),
  WEB_DIST: z.string().default(`${repoRoot}apps/web/dist`),
  LOCAL_MODEL_CHUNK_DELAY_MS: z.coerce.number().int().min(0).default(40),
  /** On a server database: how old a running execution's lease must be before it counts as orphaned. */
  EXECUTION_LEASE_STALE_MS: z.coerce.number().int().min(1_000).default(60_000),
  EXECUTION_HEARTBEAT_MS: z.coerce.number().int().min(100).default(5_000),
  /** JSON list of OpenAI-compatible endpoints: [{ name, baseURL, apiKey?, models: [], embeddingModels: [] }]. */
  MODEL_PROVIDERS: z.string().optional(),
  /** The embedding model new knowledge repositories use (default: the built-in one). */
  DEFAULT_EMBEDDING_MODEL: z.string().optional(),
  PROMPT_TIMEOUT_MS: z.coerce.number().int().min(1_000).default(120_000),
  MAX_OUTPUT_TOKENS: z.coerce.number().int().min(1).optional(),
  MAX_TOOL_STEPS: z.coerce.number().int().min(1).max(50).default(5),
  RESPONSE_CACHE_TTL_MS: z.coerce.number().int().min(0).default(3_600_000),
});

export type ServerConfig = z.infer<typeof envSchema> & { providers: ProviderConfig[] };

/** Reads configuration from the environment; a bad value stops the start with the variable's name. */
export function readConfig(env: NodeJS.ProcessEnv = process.env): ServerConfig {
  const result = envSchema.safeParse(env);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ');
    throw new Error(`Invalid configuration: ${problems}`);
  }
  const providers = result.data.MODEL_PROVIDERS?.trim() ? parseProvidersConfig(result.data.MODEL_PROVIDERS) : [];
  return { ...result.data, DATABASE_URL: result.data.DATABASE_URL || undefined, providers };
}
