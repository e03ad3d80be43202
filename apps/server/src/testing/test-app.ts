import { createAaeClient, type AaeClient } from '@aae/client';
import { createTestDatabase, testDatabaseKind, type TestDatabase } from '@aae/db/testing';
import { inject } from 'vitest';
import { startApp, type RunningApp } from '../app.ts';

export interface TestApp extends RunningApp {
  database: TestDatabase;
  /** A typed tRPC client over real HTTP, acting as `user`. */
  client(user: string): AaeClient;
}

/** The whole server on a fresh database of the project's kind, on a free loopback port. */
export async function startTestApp(options: { chunkDelayMs?: number; webDist?: string } = {}): Promise<TestApp> {
  const kind = testDatabaseKind();
  const database = await createTestDatabase(kind, kind === 'postgres' ? inject('postgresUrl') : undefined);
  const app = await startApp({
    database,
    port: 0,
    webDist: options.webDist,
    localModelChunkDelayMs: options.chunkDelayMs ?? 0,
    logger: { info: () => {}, warn: console.warn, error: console.error },
  });
  return { ...app, database, client: (user) => createAaeClient({ baseUrl: app.url, user }) };
}
