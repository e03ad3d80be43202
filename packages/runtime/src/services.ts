import { randomUUID } from 'node:crypto';
import { cacheIdentities } from './identity-cache.ts';
import { createFanOut } from './live-delivery/fan-out.ts';
import { createUsageLimits, type UsageLimitSettings } from './usage-limits.ts';
import { createAuth, createIdentityResolver, createWatchTokens, type OidcProviderConfig, type SignInThrottle } from '@aae/auth';
import {
  createAnalytics,
  createAuditLog,
  createAssistantRepository,
  createPersonalTokenRepository,
  createEventStore,
  createKnowledgeStore,
  createDocumentImportRepository,
  createExecutionRepository,
  createExecutionQueue,
  createInProcessEventBus,
  createPostgresEventBus,
  createResponseCacheStore,
  createUserRepository,
  createRetentionStore,
  createWebhookStore,
  EventWriteBuffer,
  instanceSecret,
  type Database,
  type EventBus,
} from '@aae/db';
import {
  builtInTools,
  countTokens,
  createLocalEmbeddingModel,
  createLocalModel,
  createOpenAICompatibleModels,
  EmbeddingRegistry,
  LOCAL_EMBEDDING_MODEL_ID,
  ModelRegistry,
  normalise,
  ToolRegistry,
  type EmbeddingModel,
  type EngineLimits,
  type LanguageModel,
  type ProviderConfig,
  type RetryPolicy,
  type ToolDefinition,
} from '@aae/engine';
import { ExecutionRunner, type ExecutionRunnerDeps } from './execution-runner.ts';
import { createDocumentImports, type DocumentImportsDeps } from './document-imports.ts';
import { RetentionJob, type RetentionJobDeps } from './retention-job.ts';
import type { DestinationPolicy } from './webhooks/destination-policy.ts';
import { WebhookDeliveryJob, type WebhookDeliveryJobDeps } from './webhooks/webhook-delivery-job.ts';

/** Sign-in and tokens. */
export interface IdentityOptions {
  /** Signs session cookies and watch tokens; every process of a deployment shares it. */
  secret: string;
  /** Where people reach the server (sign-in redirects, `Secure` cookies over HTTPS). */
  baseURL: string;
  /** Other origins the web app may be opened from. */
  trustedOrigins?: string[] | undefined;
  /** Single sign-on through one OpenID Connect provider. */
  oidc?: OidcProviderConfig | undefined;
  /** Throttles failed password sign-ins; none when absent. */
  throttle?: SignInThrottle | undefined;
}

export interface AppServicesOptions {
  database: Database;
  identity: IdentityOptions;
  /** OpenAI-compatible endpoints; their models join the built-in `local` one. */
  providers?: readonly ProviderConfig[];
  /** How provider calls that fail transiently are retried. */
  providerRetry?: RetryPolicy;
  /** Models besides the built-in and configured ones (registered in code). */
  models?: LanguageModel[];
  /** Embedding models besides the built-in and configured ones. */
  embeddings?: EmbeddingModel[];
  /** Tools besides the built-in ones (registered in code). */
  tools?: ToolDefinition[];
  localModel?: { chunkDelayMs?: number };
  limits?: Partial<EngineLimits>;
  /** Set false to have every prompt call its model. */
  responseCache?: boolean;
  bus?: EventBus;
  /** Starts per minute, running executions and open streams allowed (see `DEFAULT_USAGE_LIMITS`). */
  usageLimits?: Partial<UsageLimitSettings>;
  /** The worker: how many executions at once, attempts, leases, sweeps (it starts claiming only when the process works). */
  runner?: Pick<ExecutionRunnerDeps, 'concurrency' | 'maxAttempts' | 'heartbeatMs' | 'staleAfterMs' | 'sweepMs' | 'pollMs'>;
  /** How often workers delete what retention policies no longer keep, and how many executions per transaction. */
  retention?: Pick<RetentionJobDeps, 'sweepMs' | 'firstSweepMs' | 'batchSize'>;
  /** Webhook delivery: where messages may go, timeouts, the retry schedule and when a failing endpoint is disabled. */
  webhooks?: Pick<WebhookDeliveryJobDeps, 'pollMs' | 'batchSize' | 'timeoutMs' | 'retryScheduleMs' | 'disableAfter' | 'logKeepMs'> & {
    destinations?: DestinationPolicy;
  };
  /** How document imports report that they are alive, and when one counts as lost. */
  imports?: Pick<DocumentImportsDeps, 'heartbeatMs' | 'lostAfterMs' | 'pollMs'>;
  logger?: Pick<Console, 'info' | 'warn' | 'error'>;
}

/** Everything a request needs, built once per process and shared by every context. */
export function createAppServices(options: AppServicesOptions) {
  const { prisma } = options.database;
  const logger = options.logger ?? console;
  // Its batch inserts go straight to the driver: the write path's hot statement.
  const events = createEventStore(prisma, { query: options.database.query });
  // Several processes may share a server database: they share live events through LISTEN/NOTIFY.
  const bus =
    options.bus ??
    (options.database.connectionString
      ? createPostgresEventBus({ connectionString: options.database.connectionString, store: events, logger })
      : createInProcessEventBus());
  const buffer = new EventWriteBuffer({
    write: (batch) => events.insertEvents(batch),
    onCommitted: (batch) => {
      bus.publish(batch);
      // The batch's webhook deliveries were committed with it.
      webhookJob.wake();
    },
    probe: () => prisma.$queryRaw`SELECT 1`,
    logger,
  });
  const users = createUserRepository(prisma);
  const audit = createAuditLog(prisma);
  const { destinations = {}, ...webhookDelivery } = options.webhooks ?? {};
  const webhookStore = createWebhookStore(prisma);
  // Started with the worker: sends the outbox the events trigger fills, in the processes that run executions.
  const webhookJob = new WebhookDeliveryJob({ store: webhookStore, audit, destinations, logger, ...webhookDelivery });
  const executions = createExecutionRepository(prisma);
  // One bus subscription per watched execution, whoever watches it and however.
  const live = createFanOut({ events, executions, bus });
  const auth = createAuth({
    prisma,
    audit,
    logger,
    ...options.identity,
    onSessionEnded: (sessionId, reason) => bus.revokeAccess(`session:${sessionId}`, reason),
  });
  const watchTokens = createWatchTokens(options.identity.secret);
  const personalTokens = createPersonalTokenRepository(prisma);
  const assistants = createAssistantRepository(prisma);
  const providerModels = createOpenAICompatibleModels(options.providers ?? [], options.providerRetry ? { retry: options.providerRetry } : {});
  const models = new ModelRegistry([createLocalModel(options.localModel), ...providerModels.languageModels, ...(options.models ?? [])]);
  const embeddings = new EmbeddingRegistry(
    [createLocalEmbeddingModel(), ...providerModels.embeddingModels, ...(options.embeddings ?? [])],
    LOCAL_EMBEDDING_MODEL_ID,
  );
  const knowledge = createKnowledgeStore(prisma, {
    // Normalised whatever a provider returns: the store ranks by dot product.
    embed: async (modelId, texts, signal) => (await embeddings.resolve(modelId).embed(texts, signal)).map(normalise),
    defaultEmbeddingModel: embeddings.defaultId,
    countTokens,
    vectorSearch: () => options.database.vectorSearch(),
  });
  const imports = createDocumentImports({ imports: createDocumentImportRepository(prisma), knowledge, logger, ...options.imports });
  const tools = new ToolRegistry([...builtInTools, ...(options.tools ?? [])]);
  const responseCache = options.responseCache === false ? undefined : createResponseCacheStore(prisma, logger);
  // Executions wait here until a worker (of this process or another) claims them.
  // This process as a worker: its id names its lock session (`aae-worker-<first 8>` in pg_stat_activity).
  const workerId = randomUUID();
  const queue = createExecutionQueue({ prisma, connectionString: options.database.connectionString, logger, workerName: workerId.slice(0, 8) });
  const runner = new ExecutionRunner({
    workerId,
    prisma,
    executions,
    assistants,
    events,
    queue,
    buffer,
    models,
    tools,
    knowledge,
    cache: responseCache,
    limits: options.limits,
    logger,
    publish: (batch) => bus.publish(batch),
    publishOutput: (delta) => bus.publishOutput(delta),
    ...options.runner,
  });
  const retention = createRetentionStore(prisma);
  // Started with the worker: sweeps in the processes that run executions.
  const retentionJob = new RetentionJob({ retention, audit, logger, ...options.retention });

  return {
    database: options.database,
    users,
    auth,
    audit,
    watchTokens,
    // A burst of requests or reconnecting streams with one credential is one lookup (revocations still count at once).
    resolveIdentity: cacheIdentities(createIdentityResolver({ auth, users, watchTokens, personalTokens }), bus),
    personalTokens,
    /**
     * The code the first admin's set-up needs, printed in the set-up link at start: whoever
     * reaches a fresh server first cannot make themselves its admin without it.
     */
    setupCode: () => instanceSecret(prisma, 'setup-code'),
    /** The single sign-on provider people may choose on the sign-in page. */
    sso: options.identity.oidc ? [{ id: options.identity.oidc.id, name: options.identity.oidc.name }] : [],
    assistants,
    executions,
    events,
    bus,
    live,
    buffer,
    models,
    embeddings,
    knowledge,
    imports,
    tools,
    responseCache,
    queue,
    analytics: createAnalytics(prisma),
    usageLimits: createUsageLimits({ prisma, audit, settings: options.usageLimits }),
    runner,
    retention,
    retentionJob,
    webhooks: { store: webhookStore, job: webhookJob, destinations },
    /**
     * Lets running executions finish (or with `handBack` returns them to the queue at once, to be
     * resumed), drains the write buffer, closes the database.
     */
    async close(options: { handBack?: boolean } = {}) {
      await Promise.all([runner.stopAll({ handBack: options.handBack ?? false }), imports.stopAll(), retentionJob.stop(), webhookJob.stop()]);
      await buffer.flush();
      await queue.close();
      live.close();
      await bus.close?.();
      await this.database.close();
    },
  };
}

export type AppServices = ReturnType<typeof createAppServices>;
