import { createAppServices, seedFieldGuide, type AppServices, type AppServicesOptions } from '@aae/api';
import { createSignInThrottle, hashPassword, type OidcProviderConfig, type SignInThrottleOptions } from '@aae/auth';
import { createDatabase, instanceSecret, seedDemo, type Database } from '@aae/db';
import { deployMigrations } from '@aae/db/migrations';
import { createRequestHandler, startHttpServer, type RunningHttpServer } from './http-server.ts';
import { compileTrustProxy } from './request-identity.ts';

export interface IdentitySettings {
  /** Signs sessions and watch tokens; by default a secret made once and kept in the database. */
  secret?: string | undefined;
  /** Where people reach the server, when not at its own address (behind a proxy, over HTTPS). */
  publicUrl?: string | undefined;
  oidc?: OidcProviderConfig | undefined;
  /** `TRUST_PROXY`: whose `X-Forwarded-For` to believe. */
  trustProxy?: string | undefined;
  signInLimits?: Partial<Pick<SignInThrottleOptions, 'maxFailuresPerAccount' | 'maxFailuresPerAddress' | 'windowSeconds'>>;
  /** Creates this admin on a start with none (scripted installs), instead of the set-up page. */
  bootstrapAdmin?: { email: string; password: string; name?: string | undefined } | undefined;
}

export interface StartAppOptions {
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
  /** Providers, tools, limits, cache and runner settings for the services. */
  services?: Omit<AppServicesOptions, 'database' | 'logger' | 'localModel' | 'identity'>;
  logger?: Pick<Console, 'info' | 'warn' | 'error'>;
}

export interface RunningApp {
  url: string;
  /** Where people reach it: `publicUrl`, else `url`. */
  publicUrl: string;
  services: AppServices;
  http: RunningHttpServer;
  stop(options?: { cancelRunning?: boolean }): Promise<void>;
}

const THROTTLE_PURGE_MS = 10 * 60_000;

/**
 * Starts the whole product in this process: migrate, listen, seed the demo data (no account),
 * close executions a previous process left running, serve tRPC, sign-in and the web app.
 */
export async function startApp(options: StartAppOptions = {}): Promise<RunningApp> {
  const logger = options.logger ?? console;
  const database = options.database ?? createDatabase({ databaseUrl: options.databaseUrl, dataDir: options.dataDir });
  const applied = await deployMigrations(database.adapterFactory);
  if (applied.length > 0) logger.info(`[db] applied ${applied.length} migration(s): ${applied.join(', ')}`);

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
  const throttle = createSignInThrottle({
    store: { prisma: database.prisma },
    maxFailuresPerAccount: identity.signInLimits?.maxFailuresPerAccount ?? 5,
    maxFailuresPerAddress: identity.signInLimits?.maxFailuresPerAddress ?? 50,
    windowSeconds: identity.signInLimits?.windowSeconds ?? 15 * 60,
  });
  const services = createAppServices({
    database,
    logger,
    localModel: { chunkDelayMs: options.localModelChunkDelayMs ?? 40 },
    identity: {
      secret: identity.secret ?? (await instanceSecret(database.prisma, 'auth')),
      baseURL: publicUrl,
      oidc: identity.oidc,
      throttle,
    },
    ...options.services,
  });
  const { firstStart } = await seedDemo(services);
  if (firstStart && options.seedFieldGuide !== false) await seedFieldGuide(services);
  if (identity.bootstrapAdmin && (await services.users.needsSetup())) {
    const { email, password, name } = identity.bootstrapAdmin;
    const admin = await services.users.createFirstAdmin({ name: name ?? email.split('@')[0]!, email, passwordHash: await hashPassword(password) });
    if (admin) {
      await services.audit.record({ action: 'setup', actorId: admin.id, subjectId: admin.id, subject: admin.email, details: { from: 'ADMIN_EMAIL' } });
      logger.info(`[setup] created the admin ${admin.email} from ADMIN_EMAIL`);
    }
  }
  // The embedded database belongs to this process alone: whatever is unfinished was left by a
  // previous run of it. On a server, other live processes may be running executions.
  const recovered = await services.runner.recoverOrphans(database.kind === 'pglite' ? 0 : undefined);
  if (recovered.length > 0) logger.warn(`[runner] closed ${recovered.length} interrupted execution(s): ${recovered.join(', ')}`);
  services.runner.startMaintenance();
  const purge = setInterval(() => {
    throttle.purgeExpired().catch((error: unknown) => logger.warn(`[auth] could not purge sign-in counts: ${String(error)}`));
  }, THROTTLE_PURGE_MS).unref();

  http.serve(createRequestHandler({ services, baseURL: publicUrl, trustProxy: compileTrustProxy(identity.trustProxy), webDist: options.webDist }));

  return {
    url: http.url,
    publicUrl,
    services,
    http,
    async stop(stopOptions = {}) {
      clearInterval(purge);
      await http.close();
      await services.close(stopOptions);
    },
  };
}
