import { describeIssues } from '@aae/events';
import path from 'node:path';
import { repoRoot } from '@aae/db/migrations';
import { PASSWORD_MIN_LENGTH, type OidcProviderConfig } from '@aae/auth';
import { parseProvidersConfig, type ProviderConfig } from '@aae/engine';
import { compileTrustProxy } from './request-identity.ts';
import { z } from 'zod';

const optionalText = z
  .string()
  .optional()
  .transform((value) => (value?.trim() ? value.trim() : undefined));
const booleanText = z
  .enum(['true', 'false', ''], { error: 'must be true or false' })
  .default('false')
  .transform((value) => value === 'true');
const httpUrl = optionalText.refine((value) => value === undefined || /^https?:\/\/[^/]+/.test(value), 'must be an http:// or https:// URL');

const envSchema = z
  .object({
    PORT: z.coerce.number().int().min(0).max(65_535).default(3000),
    HOST: z.string().default('127.0.0.1'),
    DATABASE_URL: optionalText,
    DATA_DIR: z.string().default(path.join(repoRoot, '.data', 'pglite')),
    WEB_DIST: z.string().default(path.join(repoRoot, 'apps', 'web', 'dist')),
    LOCAL_MODEL_CHUNK_DELAY_MS: z.coerce.number().int().min(0).default(40),
    /** What this process does: `all` (serve and run), `api` (serve only), `worker` (run only, and answer /healthz). */
    ROLE: z.enum(['all', 'api', 'worker'], { error: 'must be all, api or worker' }).default('all'),
    /** Executions this process runs at once; more wait in the queue for any worker. */
    WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(1_000).default(16),
    /** Runs of one execution (resumes after a crash included) before it is closed with an error instead. */
    EXECUTION_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(100).default(3),
    /** On a server database: a running execution whose lease is this old counts as interrupted even if its worker's lock is held (a hung process). */
    EXECUTION_LEASE_STALE_MS: z.coerce.number().int().min(1_000).default(60_000),
    EXECUTION_HEARTBEAT_MS: z.coerce.number().int().min(100).default(2_000),
    /** On a server database: how often workers look for executions whose worker died (its lock released). */
    EXECUTION_SWEEP_MS: z.coerce.number().int().min(100).default(2_000),
    /** How often workers delete executions their retention policy no longer keeps (the first sweep runs soon after start). */
    RETENTION_SWEEP_MS: z.coerce.number().int().min(1_000).max(86_400_000).default(600_000),
    /** Executions a retention sweep deletes per transaction: smaller holds locks for less time. */
    RETENTION_BATCH_SIZE: z.coerce.number().int().min(1).max(10_000).default(500),
    /** Webhooks may be sent to loopback and private addresses (default false: only public ones). */
    WEBHOOK_ALLOW_PRIVATE: booleanText,
    /** Host names webhooks may be sent to whatever they resolve to, separated by commas. */
    WEBHOOK_ALLOWED_HOSTS: z
      .string()
      .default('')
      .transform((value) => value.split(/[\s,]+/).filter(Boolean))
      .refine((hosts) => hosts.every((host) => /^[a-z0-9.:[\]-]+$/i.test(host)), 'must be host names or addresses separated by commas'),
    /** How long one webhook attempt may take. */
    WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(1_000).max(120_000).default(15_000),
    /** An endpoint is disabled after this many failed attempts in a row… */
    WEBHOOK_DISABLE_AFTER_FAILURES: z.coerce.number().int().min(1).default(10),
    /** …spanning at least this many hours since the first of them. */
    WEBHOOK_DISABLE_AFTER_HOURS: z.coerce.number().min(0).default(120),
    /** Delivered and failed webhook deliveries stay in the log this many days. */
    WEBHOOK_LOG_KEEP_DAYS: z.coerce.number().int().min(1).max(36_500).default(30),
    /** On SIGTERM: how long running executions may go on before they are handed back to the queue. */
    SHUTDOWN_DRAIN_MS: z.coerce.number().int().min(0).default(10_000),
    /** JSON list of OpenAI-compatible endpoints: [{ name, baseURL, apiKey?, models: [], embeddingModels: [] }]. */
    MODEL_PROVIDERS: z.string().optional(),
    /** The embedding model new knowledge repositories use (default: the built-in one). */
    DEFAULT_EMBEDDING_MODEL: z.string().optional(),
    PROMPT_TIMEOUT_MS: z.coerce.number().int().min(1_000).default(120_000),
    MAX_OUTPUT_TOKENS: z.coerce.number().int().min(1).optional(),
    MAX_TOOL_STEPS: z.coerce.number().int().min(1).max(50).default(5),
    RESPONSE_CACHE_TTL_MS: z.coerce.number().int().min(0).default(3_600_000),
    /** Where people reach the server (behind a proxy, over HTTPS); cookies are `Secure` when it is https. */
    PUBLIC_URL: httpUrl,
    /** Signs sessions and watch tokens; every process must share it. Default: one kept in the database. */
    AUTH_SECRET: optionalText.refine((value) => value === undefined || value.length >= 32, 'must be at least 32 characters'),
    TRUST_PROXY: optionalText.refine((value) => {
      if (value === undefined) return true;
      try {
        compileTrustProxy(value);
        return true;
      } catch {
        return false;
      }
    }, 'must be loopback, addresses or CIDRs separated by commas, or a number of hops'),
    OIDC_ISSUER: httpUrl,
    OIDC_CLIENT_ID: optionalText,
    OIDC_CLIENT_SECRET: optionalText,
    OIDC_NAME: z.string().default('Single sign-on'),
    OIDC_PROVIDER_ID: z
      .string()
      .regex(/^[a-z0-9-]{1,40}$/, 'must be lower-case letters, digits and dashes')
      .default('sso'),
    OIDC_SCOPES: z.string().default('openid email profile'),
    /** Whether someone the provider signs in but nobody created here becomes a member (default false). */
    OIDC_SIGN_UP: booleanText,
    ADMIN_EMAIL: optionalText,
    ADMIN_PASSWORD: optionalText.refine(
      (value) => value === undefined || value.length >= PASSWORD_MIN_LENGTH,
      `must be at least ${PASSWORD_MIN_LENGTH} characters`,
    ),
    ADMIN_NAME: optionalText,
    /** With ADMIN_EMAIL and ADMIN_PASSWORD: make that person an active admin with that password, even if admins exist. */
    ADMIN_RESET: booleanText,
    /** Password sign-in attempts per window: on one account from one address, from one address, on one account. */
    SIGN_IN_MAX_ATTEMPTS: z.coerce.number().int().min(1).default(5),
    SIGN_IN_MAX_ATTEMPTS_PER_ADDRESS: z.coerce.number().int().min(1).default(50),
    SIGN_IN_MAX_ATTEMPTS_PER_ACCOUNT: z.coerce.number().int().min(1).default(50),
    SIGN_IN_LOCK_MINUTES: z.coerce.number().int().min(1).default(15),
    // Usage limits; 0 turns one off.
    EXECUTIONS_PER_MINUTE: z.coerce.number().int().min(0).default(30),
    RUNNING_EXECUTIONS_PER_PERSON: z.coerce.number().int().min(0).default(10),
    RUNNING_EXECUTIONS: z.coerce.number().int().min(0).default(100),
    STREAMS_PER_PERSON: z.coerce.number().int().min(0).default(100),
    IMPORTS_PER_PERSON: z.coerce.number().int().min(0).default(3),
    RUNNING_IMPORTS: z.coerce.number().int().min(0).default(10),
    /** How long a person past IMPORTS_PER_PERSON is asked to wait before trying again. */
    IMPORT_RETRY_AFTER_SECONDS: z.coerce.number().int().min(1).max(3_600).default(30),
    REQUESTS_PER_MINUTE_PER_ADDRESS: z.coerce.number().int().min(0).default(1_200),
    /** When set, `/metrics` needs it as `Authorization: Bearer …`; when not, only loopback peers read the metrics. */
    METRICS_TOKEN: optionalText.refine((value) => value === undefined || value.length >= 16, 'must be at least 16 characters'),
  })
  .superRefine((env, ctx) => {
    const oidc = [env.OIDC_ISSUER, env.OIDC_CLIENT_ID, env.OIDC_CLIENT_SECRET];
    if (oidc.some(Boolean) && !oidc.every(Boolean)) {
      ctx.addIssue({ code: 'custom', path: ['OIDC_ISSUER'], message: 'single sign-on needs OIDC_ISSUER, OIDC_CLIENT_ID and OIDC_CLIENT_SECRET together' });
    }
    if (Boolean(env.ADMIN_EMAIL) !== Boolean(env.ADMIN_PASSWORD)) {
      ctx.addIssue({ code: 'custom', path: ['ADMIN_EMAIL'], message: 'ADMIN_EMAIL and ADMIN_PASSWORD go together' });
    }
    if (env.ADMIN_RESET && !env.ADMIN_EMAIL) {
      ctx.addIssue({ code: 'custom', path: ['ADMIN_RESET'], message: 'needs ADMIN_EMAIL and ADMIN_PASSWORD (the admin to restore)' });
    }
    if (env.ROLE !== 'all' && !env.DATABASE_URL) {
      ctx.addIssue({
        code: 'custom',
        path: ['ROLE'],
        message: `${env.ROLE} needs DATABASE_URL: the embedded database belongs to one process, which must both serve and run (ROLE=all)`,
      });
    }
    if (env.ADMIN_EMAIL && !z.email().safeParse(env.ADMIN_EMAIL).success) {
      ctx.addIssue({ code: 'custom', path: ['ADMIN_EMAIL'], message: 'is not an email address' });
    }
  });

export type ServerConfig = z.infer<typeof envSchema> & { providers: ProviderConfig[]; oidc: OidcProviderConfig | undefined };

/** Reads configuration from the environment; a bad value stops the start with the variable's name. */
export function readConfig(env: NodeJS.ProcessEnv = process.env): ServerConfig {
  const result = envSchema.safeParse(env);
  if (!result.success) {
    const problems = describeIssues(result.error, 'environment');
    throw new Error(`Invalid configuration: ${problems}`);
  }
  const config = result.data;
  const providers = config.MODEL_PROVIDERS?.trim() ? parseProvidersConfig(config.MODEL_PROVIDERS) : [];
  const oidc =
    config.OIDC_ISSUER && config.OIDC_CLIENT_ID && config.OIDC_CLIENT_SECRET
      ? {
          id: config.OIDC_PROVIDER_ID,
          name: config.OIDC_NAME,
          issuer: config.OIDC_ISSUER,
          clientId: config.OIDC_CLIENT_ID,
          clientSecret: config.OIDC_CLIENT_SECRET,
          scopes: config.OIDC_SCOPES.split(/[\s,]+/).filter(Boolean),
          signUp: config.OIDC_SIGN_UP,
        }
      : undefined;
  return { ...config, providers, oidc };
}
