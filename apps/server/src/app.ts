import { createAppServices, seedFieldGuide, type AppServices, type AppServicesOptions } from '@aae/api';
import { createDatabase, seedDemo, type Database } from '@aae/db';
import { deployMigrations } from '@aae/db/migrations';
import { startHttpServer, type RunningHttpServer } from './http-server.ts';

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
  /** Providers, tools, limits, cache and runner settings for the services. */
  services?: Omit<AppServicesOptions, 'database' | 'logger' | 'localModel'>;
  logger?: Pick<Console, 'info' | 'warn' | 'error'>;
}

export interface RunningApp {
  url: string;
  services: AppServices;
  http: RunningHttpServer;
  stop(options?: { cancelRunning?: boolean }): Promise<void>;
}

/**
 * Starts the whole product in this process: migrate, seed the demo data, close executions a
 * previous process left running, serve tRPC and the web app.
 */
export async function startApp(options: StartAppOptions = {}): Promise<RunningApp> {
  const logger = options.logger ?? console;
  const database = options.database ?? createDatabase({ databaseUrl: options.databaseUrl, dataDir: options.dataDir });
  const applied = await deployMigrations(database.adapterFactory);
  if (applied.length > 0) logger.info(`[db] applied ${applied.length} migration(s): ${applied.join(', ')}`);

  const services = createAppServices({
    database,
    logger,
    localModel: { chunkDelayMs: options.localModelChunkDelayMs ?? 40 },
    ...options.services,
  });
  const { firstStart } = await seedDemo(services);
  if (firstStart && options.seedFieldGuide !== false) await seedFieldGuide(services);
  // The embedded database belongs to this process alone: whatever is unfinished was left by a
  // previous run of it. On a server, other live processes may be running executions.
  const recovered = await services.runner.recoverOrphans(database.kind === 'pglite' ? 0 : undefined);
  if (recovered.length > 0) logger.warn(`[runner] closed ${recovered.length} interrupted execution(s): ${recovered.join(', ')}`);
  services.runner.startMaintenance();

  const http = await startHttpServer({
    services,
    port: options.port ?? 0,
    host: options.host ?? '127.0.0.1',
    webDist: options.webDist,
  });

  return {
    url: http.url,
    services,
    http,
    async stop(stopOptions = {}) {
      await http.close();
      await services.close(stopOptions);
    },
  };
}
