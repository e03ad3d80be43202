import { createAaeClient, type AaeClient } from '@aae/client';
import type { Database } from '@aae/db';
import { createProjectTestDatabase } from '@aae/db/testing';
import { startApp, type RunningApp, type StartAppOptions } from '../app.ts';

export interface TestApp extends RunningApp {
  database: Database;
  /** A typed tRPC client over real HTTP, acting as `user`. */
  client(user: string): AaeClient;
}

export interface TestAppOptions {
  chunkDelayMs?: number;
  webDist?: string;
  /** Another process's view of an existing database; by default a fresh one of the project's kind. */
  database?: Database;
  services?: StartAppOptions['services'];
}

/** The whole server on a free loopback port. */
export async function startTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const database = options.database ?? (await createProjectTestDatabase());
  const app = await startApp({
    database,
    port: 0,
    webDist: options.webDist,
    localModelChunkDelayMs: options.chunkDelayMs ?? 0,
    services: options.services,
    logger: { info: () => {}, warn: console.warn, error: console.error },
  });
  return { ...app, database, client: (user) => createAaeClient({ baseUrl: app.url, user }) };
}
