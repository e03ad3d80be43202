import { startApp } from './app.ts';
import { readConfig } from './config.ts';
import { SchemaMismatchError } from './health.ts';

function fail(message: string): never {
  console.error(message);
  process.exit(1);
}

let config: ReturnType<typeof readConfig>;
try {
  config = readConfig();
} catch (error) {
  fail(error instanceof Error ? error.message : String(error));
}
const app = await startApp({
  role: config.ROLE,
  databaseUrl: config.DATABASE_URL,
  dataDir: config.DATA_DIR,
  port: config.PORT,
  host: config.HOST,
  webDist: config.WEB_DIST,
  localModelChunkDelayMs: config.LOCAL_MODEL_CHUNK_DELAY_MS,
  requestsPerMinutePerAddress: config.REQUESTS_PER_MINUTE_PER_ADDRESS,
  metricsToken: config.METRICS_TOKEN,
  identity: {
    secret: config.AUTH_SECRET,
    publicUrl: config.PUBLIC_URL,
    oidc: config.oidc,
    trustProxy: config.TRUST_PROXY,
    signInLimits: {
      maxAttemptsPerAccountAndAddress: config.SIGN_IN_MAX_ATTEMPTS,
      maxAttemptsPerAddress: config.SIGN_IN_MAX_ATTEMPTS_PER_ADDRESS,
      maxAttemptsPerAccount: config.SIGN_IN_MAX_ATTEMPTS_PER_ACCOUNT,
      windowSeconds: config.SIGN_IN_LOCK_MINUTES * 60,
    },
    bootstrapAdmin:
      config.ADMIN_EMAIL && config.ADMIN_PASSWORD
        ? { email: config.ADMIN_EMAIL, password: config.ADMIN_PASSWORD, name: config.ADMIN_NAME, reset: config.ADMIN_RESET }
        : undefined,
  },
  services: {
    providers: config.providers,
    limits: {
      promptTimeoutMs: config.PROMPT_TIMEOUT_MS,
      maxOutputTokens: config.MAX_OUTPUT_TOKENS,
      maxToolSteps: config.MAX_TOOL_STEPS,
      cacheTtlMs: config.RESPONSE_CACHE_TTL_MS,
    },
    responseCache: config.RESPONSE_CACHE_TTL_MS > 0,
    usageLimits: {
      executionsPerMinute: config.EXECUTIONS_PER_MINUTE,
      runningPerPerson: config.RUNNING_EXECUTIONS_PER_PERSON,
      runningInAll: config.RUNNING_EXECUTIONS,
      streamsPerPerson: config.STREAMS_PER_PERSON,
      importsPerPerson: config.IMPORTS_PER_PERSON,
      importsInAll: config.RUNNING_IMPORTS,
      importRetryAfterSeconds: config.IMPORT_RETRY_AFTER_SECONDS,
    },
    runner: {
      concurrency: config.WORKER_CONCURRENCY,
      maxAttempts: config.EXECUTION_MAX_ATTEMPTS,
      staleAfterMs: config.EXECUTION_LEASE_STALE_MS,
      heartbeatMs: config.EXECUTION_HEARTBEAT_MS,
      sweepMs: config.EXECUTION_SWEEP_MS,
    },
    retention: { sweepMs: config.RETENTION_SWEEP_MS, batchSize: config.RETENTION_BATCH_SIZE },
    webhooks: {
      destinations: { allowPrivate: config.WEBHOOK_ALLOW_PRIVATE, allowedHosts: config.WEBHOOK_ALLOWED_HOSTS },
      timeoutMs: config.WEBHOOK_TIMEOUT_MS,
      disableAfter: { failures: config.WEBHOOK_DISABLE_AFTER_FAILURES, afterMs: config.WEBHOOK_DISABLE_AFTER_HOURS * 3_600_000 },
      logKeepMs: config.WEBHOOK_LOG_KEEP_DAYS * 24 * 3_600_000,
    },
  },
}).catch((error: unknown) => {
  if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
    fail(`Port ${config.PORT} on ${config.HOST} is already in use: stop what runs there or set PORT to another port.`);
  }
  if (error instanceof SchemaMismatchError) fail(`Not starting: ${error.message}`);
  throw error;
});
const roleNote = app.role === 'all' ? '' : `, role: ${app.role}`;
console.info(
  `Assistant Architect Events is running at ${app.url} (database: ${app.services.database.kind} at ${app.services.database.location}${roleNote}, worker id ${app.services.runner.workerId})`,
);
if (app.role !== 'worker' && (await app.services.users.needsSetup())) {
  const setup = `${app.publicUrl}/setup?code=${await app.services.setupCode()}`;
  console.info(`No admin yet: open ${setup} to create the first one (or set ADMIN_EMAIL and ADMIN_PASSWORD).`);
}

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  const { running } = app.services.runner.getStats();
  console.info(
    `${signal}: no longer claiming; ${running} running execution(s) may finish within ${config.SHUTDOWN_DRAIN_MS} ms, the rest go back to the queue to be resumed`,
  );
  // An unreachable database would hold the buffer forever; say loudly what is left, then go.
  const deadline = setTimeout(() => {
    const { pending } = app.services.buffer.getStats();
    console.error(`Shutdown timed out with ${pending} event(s) not written; their executions are resumed by another worker (or on the next start).`);
    process.exit(1);
  }, config.SHUTDOWN_DRAIN_MS + 30_000);
  const { finished, handedBack } = await app.stop({ drainMs: config.SHUTDOWN_DRAIN_MS });
  clearTimeout(deadline);
  console.info(`${signal}: stopped (${finished} execution(s) finished, ${handedBack} handed back to the queue)`);
  process.exit(0);
}
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));
