import { createSseResponses, type SseResponsesOptions } from './live-delivery/sse-responses.ts';
import { createSignInThrottle, hashPassword, type OidcProviderConfig, type SignInThrottleOptions } from '@aae/auth';
import { createDatabase, instanceSecret, type Database } from '@aae/db';
import { deployMigrations } from '@aae/db/migrations';
import { createAppServices, seedDemo, seedFieldGuide, type AppServices, type AppServicesOptions } from '@aae/runtime';
import {
  createRequestHandler,
  createWorkerRequestHandler,
  DEFAULT_REQUESTS_PER_MINUTE_PER_ADDRESS,
  startHttpServer,
  type RunningHttpServer,
} from './http-server.ts';
import { compileTrustProxy } from './request-identity.ts';
import { createHealth, describeSchemaProblems, SchemaMismatchError, schemaProblems } from './health.ts';
import { createAppMetrics } from './metrics.ts';
import type { OperationsRoutes } from './operations-routes.ts';

export interface IdentitySettings {
  /** Signs sessions and watch tokens; by default a secret made once and kept in the database. */
  secret?: string | undefined;
  /** Where people reach the server, when not at its own address (behind a proxy, over HTTPS). */
  publicUrl?: string | undefined;
  oidc?: OidcProviderConfig | undefined;
  /** `TRUST_PROXY`: whose `X-Forwarded-For` to believe. */
  trustProxy?: string | undefined;
  signInLimits?: Partial<Omit<SignInThrottleOptions, 'store'>>;
  /**
   * Creates this admin on a start with none (scripted installs), instead of the set-up page; with
   * `reset`, also makes an existing account with this address an active admin with this password.
   */
  bootstrapAdmin?: { email: string; password: string; name?: string | undefined; reset?: boolean } | undefined;
}

/** What a process does: `all` serves and runs, `api` only serves, `worker` only runs (and answers health checks). */
export type ProcessRole = 'all' | 'api' | 'worker';

export interface StartAppOptions {
  /** What this process does (default `all`). */
  role?: ProcessRole;
  /** An already open database (tests); otherwise one is opened from `databaseUrl` / `dataDir`. */
  database?: Database;
  databaseUrl?: string | undefined;
  dataDir?: string | undefined;
  port?: number;
  host?: string;
  webDist?: string | undefined;
  localModelChunkDelayMs?: number;
  /** On a first start, also seed the knowledge demo (default true). */
  seedFieldGuide?: boolean;
  identity?: IdentitySettings;
  /** Requests one client address may make per minute, whatever they are (0: no limit; default 1200). */
  requestsPerMinutePerAddress?: number;
  /** How SSE streams are written (see `SseResponsesOptions`). */
  liveStreams?: SseResponsesOptions;
  /** `METRICS_TOKEN`: `/metrics` needs it as a bearer token; without it only loopback peers read them. */
  metricsToken?: string | undefined;
  /** Providers, tools, limits, cache and runner settings for the services. */
  services?: Omit<AppServicesOptions, 'database' | 'logger' | 'localModel' | 'identity'>;
  logger?: Pick<Console, 'info' | 'warn' | 'error'>;
}

export interface RunningApp {
  role: ProcessRole;
  url: string;
  /** Where people reach it: `publicUrl`, else `url`. */
  publicUrl: string;
  services: AppServices;
  http: RunningHttpServer;
  /**
   * Stops serving, then lets running executions finish — for at most `drainMs` when given —
   * and hands the rest back to the queue (at once with `handBack`), then closes the database.
   */
  stop(options?: { handBack?: boolean; drainMs?: number }): Promise<{ finished: number; handedBack: number }>;
}

const THROTTLE_PURGE_MS = 10 * 60_000;

/** `ADMIN_EMAIL` / `ADMIN_PASSWORD`: the first admin of a scripted install, or with `ADMIN_RESET` a way back in. */
async function bootstrapAdmin(services: AppServices, admin: IdentitySettings['bootstrapAdmin'], logger: Pick<Console, 'info' | 'warn'>) {
  if (!admin) return;
  const input = { name: admin.name ?? admin.email.split('@')[0]!, email: admin.email, passwordHash: await hashPassword(admin.password) };
  if (admin.reset) {
    const { user, endedSessions } = await services.users.restoreAdmin(input);
    for (const sessionId of endedSessions) services.bus.revokeAccess(`session:${sessionId}`, 'password-reset');
    await services.audit.record({ action: 'password-reset', actorId: user.id, subjectId: user.id, subject: user.email, details: { from: 'ADMIN_RESET' } });
    logger.info(`[setup] ${user.email} is an active admin with the password from ADMIN_PASSWORD (ADMIN_RESET)`);
    // Each start resets it again, ending that admin's sessions: meant for one start only.
    logger.warn('[setup] ADMIN_RESET is set: remove it (and ADMIN_PASSWORD) now, or every start resets this admin again');
    return;
  }
  if (!(await services.users.needsSetup())) return;
  const user = await services.users.createFirstAdmin(input);
  if (!user) return;
  await services.audit.record({ action: 'setup', actorId: user.id, subjectId: user.id, subject: user.email, details: { from: 'ADMIN_EMAIL' } });
  logger.info(`[setup] created the admin ${user.email} from ADMIN_EMAIL`);
}

/**
 * A table dropped behind the migrations' back (recorded as applied, so not recreated): a process
 * that runs executions refuses to start, since it would claim them and lose every event; an API
 * process starts, says so loudly and answers `/readyz` with 503 until it is repaired.
 */
async function checkSchemaAtStart(database: Database, role: ProcessRole, logger: Pick<Console, 'error'>) {
  const problems = await schemaProblems({ database });
  if (problems.length === 0) return;
  if (role !== 'api') throw new SchemaMismatchError(problems);
  logger.error(`[db] ${describeSchemaProblems(problems)} This API process starts, but is not ready (/readyz answers 503).`);
}

/**
 * Starts the whole product in this process: migrate, listen, seed the demo data (no account),
 * close executions a previous process left running, serve tRPC, sign-in and the web app.
 */
export async function startApp(options: StartAppOptions = {}): Promise<RunningApp> {
  const logger = options.logger ?? console;
  const database = options.database ?? createDatabase({ databaseUrl: options.databaseUrl, dataDir: options.dataDir });
  const applied = await deployMigrations(database.adapterFactory);
  if (applied.length > 0) logger.info(`[db] applied ${applied.length} migration(s): ${applied.join(', ')}`);
  await checkSchemaAtStart(database, options.role ?? 'all', logger);

  const http = await startHttpServer({ port: options.port ?? 0, host: options.host ?? '127.0.0.1' });
  try {
    return await serveApp(options, database, http, logger);
  } catch (error) {
    await http.close();
    throw error;
  }
}

async function serveApp(
  options: StartAppOptions,
  database: Database,
  http: RunningHttpServer,
  logger: Pick<Console, 'info' | 'warn' | 'error'>,
): Promise<RunningApp> {
  const identity = options.identity ?? {};
  const publicUrl = identity.publicUrl?.replace(/\/$/, '') ?? http.url;
  // Without a public URL, the loopback names of this address all reach it: each may open the app.
  const { port, hostname } = new URL(http.url);
  const loopbackNames = ['127.0.0.1', 'localhost', '[::1]'];
  const loopback = loopbackNames.includes(hostname);
  const trustedOrigins = identity.publicUrl || !loopback ? [] : ['127.0.0.1', 'localhost', '[::1]'].map((name) => `http://${name}:${port}`);
  if (!identity.publicUrl && !loopback) {
    logger.warn(`[auth] set PUBLIC_URL to the address people open (listening on ${http.url}): sign-in only accepts requests from it`);
  }
  const throttle = createSignInThrottle({
    store: { prisma: database.prisma },
    maxAttemptsPerAccountAndAddress: 5,
    maxAttemptsPerAddress: 50,
    maxAttemptsPerAccount: 50,
    windowSeconds: 15 * 60,
    ...identity.signInLimits,
  });
  const services = createAppServices({
    database,
    logger,
    localModel: { chunkDelayMs: options.localModelChunkDelayMs ?? 40 },
    identity: {
      secret: identity.secret ?? (await instanceSecret(database.prisma, 'auth')),
      baseURL: publicUrl,
      trustedOrigins,
      oidc: identity.oidc,
      throttle,
    },
    ...options.services,
  });
  const { firstStart } = await seedDemo(services);
  if (firstStart && options.seedFieldGuide !== false) await seedFieldGuide(services);
  // Live events and revocations from other processes reach this one before any stream opens, and
  // this one's (ADMIN_RESET) reach them.
  await services.bus.ready;
  await bootstrapAdmin(services, identity.bootstrapAdmin, logger);
  // A worker claims queued executions, and resumes those whose worker died (on the embedded
  // database, whatever this process's previous run left).
  const role = options.role ?? 'all';
  // (The worker logs what it queues again to resume.)
  if (role !== 'api') {
    await services.runner.startWorking();
    services.retentionJob.start();
    services.webhooks.job.start();
  }
  const purge = setInterval(() => {
    throttle.purgeExpired().catch((error: unknown) => logger.warn(`[auth] could not purge sign-in counts: ${String(error)}`));
  }, THROTTLE_PURGE_MS).unref();

  // Every SSE stream of this process is written by the fan-out core through these.
  const responses = role === 'worker' ? null : createSseResponses(options.liveStreams);
  const openStreams = responses ? () => responses.size : undefined;
  const metrics = createAppMetrics({ services, server: http.server, openStreams });
  const operations: OperationsRoutes = {
    services,
    role,
    health: createHealth({ services }),
    metrics,
    metricsToken: options.metricsToken,
    publicUrl: identity.publicUrl && !loopbackNames.includes(new URL(identity.publicUrl).hostname) ? publicUrl : undefined,
    openStreams,
  };
  http.serve(
    !responses
      ? createWorkerRequestHandler(operations)
      : createRequestHandler({
          services,
          operations,
          responses,
          baseURL: publicUrl,
          trustProxy: compileTrustProxy(identity.trustProxy),
          webDist: options.webDist,
          trustedOrigins,
          requestsPerMinutePerAddress: options.requestsPerMinutePerAddress ?? DEFAULT_REQUESTS_PER_MINUTE_PER_ADDRESS,
          logger,
        }),
  );

  return {
    role,
    url: http.url,
    publicUrl,
    services,
    http,
    async stop(stopOptions = {}) {
      clearInterval(purge);
      await http.close();
      metrics.close();
      const drained = await services.runner.drain(stopOptions.handBack ? 0 : stopOptions.drainMs);
      await services.close({ handBack: true });
      return drained;
    },
  };
}
