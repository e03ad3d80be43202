import { createHash, randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { testPostgresUrl } from '../testing/project-database.ts';
import { testDatabaseKind } from '../testing/test-database.ts';
import { defaultMigrationsDir, deployMigrations, migrationStatus, readMigrations } from './index.ts';

const slow = { timeout: 180_000 };
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function migrationNames(): Promise<string[]> {
  return (await readMigrations()).migrationDirectories.map((migration) => migration.path);
}

async function sha256(file: string): Promise<string> {
  return createHash('sha256')
    .update(await readFile(file))
    .digest('hex');
}

describe.skipIf(testDatabaseKind() !== 'postgres')('deployMigrations on a PostgreSQL server', () => {
  it('applies, records and is idempotent', slow, async () => {
    const testDatabaseUrl = testPostgresUrl();
    // A database of its own, so the test never touches data in the one the URL names.
    const admin = new pg.Client({ connectionString: testDatabaseUrl });
    await admin.connect();
    const database = `aae_migrations_test_${randomUUID().replaceAll('-', '')}`;
    await admin.query(`CREATE DATABASE "${database}"`);
    cleanups.push(async () => {
      await admin.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
      await admin.end();
    });
    const url = new URL(testDatabaseUrl!);
    url.pathname = `/${database}`;
    const factory = new PrismaPg({ connectionString: url.toString() });
    const names = await migrationNames();

    expect(await deployMigrations(factory)).toEqual(names);
    expect(await deployMigrations(factory)).toEqual([]);
    expect(await migrationStatus(factory)).toEqual({ applied: names, pending: [], failed: [], edited: [], missingLocally: [] });

    const client = new pg.Client({ connectionString: url.toString() });
    await client.connect();
    try {
      const history = await client.query<{ migration_name: string; checksum: string }>(
        `SELECT migration_name, checksum FROM _prisma_migrations WHERE finished_at IS NOT NULL ORDER BY started_at`,
      );
      expect(history.rows.map((row) => row.migration_name)).toEqual(names);
      expect(history.rows[0]?.checksum).toBe(await sha256(path.join(defaultMigrationsDir, names[0]!, 'migration.sql')));
      const events = await client.query(`SELECT to_regclass('public.assistant_architect_events') AS t`);
      expect(events.rows[0]?.t).toBe('assistant_architect_events');
    } finally {
      await client.end();
    }
  });
});
