import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { createDatabase, type Database, type DatabaseKind } from '../client.ts';
import { deployMigrations } from '../migrations/index.ts';

export interface TestDatabase extends Database {
  /** A URL for raw SQL clients (postgres only). */
  url: string | null;
}

/**
 * A fresh, migrated database for one test file: an in-memory PGlite, or a new database in the
 * test PostgreSQL cluster (dropped again on close).
 */
export async function createTestDatabase(kind: DatabaseKind, postgresUrl?: string): Promise<TestDatabase> {
  if (kind === 'pglite') {
    const database = createDatabase({ dataDir: 'memory://' });
    await deployMigrations(database.adapterFactory);
    return { ...database, url: null };
  }
  if (!postgresUrl) throw new Error('createTestDatabase("postgres") needs the cluster URL');
  const name = `aae_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: postgresUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(postgresUrl);
  url.pathname = `/${name}`;
  const database = createDatabase({ databaseUrl: url.toString() });
  await deployMigrations(database.adapterFactory);
  return {
    ...database,
    url: url.toString(),
    async close() {
      await database.close();
      const cleanup = new pg.Client({ connectionString: postgresUrl });
      await cleanup.connect();
      await cleanup.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await cleanup.end();
    },
  };
}

/** Which database the current test project runs against (see vitest.config.ts). */
export function testDatabaseKind(): DatabaseKind {
  const kind = process.env.TEST_DB ?? 'pglite';
  if (kind !== 'pglite' && kind !== 'postgres') throw new Error(`TEST_DB must be pglite or postgres, got "${kind}"`);
  return kind;
}
