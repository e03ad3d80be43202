import { inject } from 'vitest';
import { createTestDatabase, testDatabaseKind, type TestDatabase } from './test-database.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Set by postgres-global-setup.ts for the `postgres` test project. */
    postgresUrl: string;
  }
}

/** The server URL of the test cluster (the `postgres` project only). */
export function testPostgresUrl(): string {
  return inject('postgresUrl');
}

/** A fresh database of the kind the current test project runs against. */
export function createProjectTestDatabase(): Promise<TestDatabase> {
  const kind = testDatabaseKind();
  return createTestDatabase(kind, kind === 'postgres' ? testPostgresUrl() : undefined);
}
