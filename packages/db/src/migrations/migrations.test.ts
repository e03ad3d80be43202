import { createHash } from 'node:crypto';
import { cp, mkdtemp, readFile, readdir, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import { afterEach, describe, expect, it } from 'vitest';
import { PrismaClient } from '../generated/prisma/client.ts';
import { expectRollupsMatchRaw } from '../testing/rollups-match-raw.ts';
import { createMigration, defaultMigrationsDir, defaultSchemaPath, deployMigrations, migrationStatus, pgliteAdapterFactory, readMigrations } from './index.ts';

// Each PGlite start costs a couple of seconds; a diff replays every migration into one.
const slow = { timeout: 180_000 };

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function memoryDb(): Promise<PGlite> {
  const db = await PGlite.create();
  cleanups.push(() => db.close());
  return db;
}

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'aae-migrations-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** A scratch copy of the real migrations, so nothing a test writes can reach the repo. */
async function copyOfMigrations(): Promise<string> {
  const dir = path.join(await tempDir(), 'migrations');
  await cp(defaultMigrationsDir, dir, { recursive: true });
  return dir;
}

async function migrationNames(dir = defaultMigrationsDir): Promise<string[]> {
  return (await readMigrations(dir)).migrationDirectories.map((migration) => migration.path);
}

async function sha256(file: string): Promise<string> {
  return createHash('sha256')
    .update(await readFile(file))
    .digest('hex');
}

/**
 * A database migrated up to (not including) the migration whose name ends with `suffix`, to
 * fill with the data of that time; `deployRest` then applies that migration and those after it.
 */
async function databaseBefore(suffix: string) {
  const dir = await copyOfMigrations();
  const names = await migrationNames(dir);
  const first = names.find((name) => name.endsWith(suffix));
  if (first === undefined) throw new Error(`No migration named *${suffix}`);
  const later = names.slice(names.indexOf(first));
  const parked = path.join(await tempDir(), 'parked');
  await mkdir(parked);
  for (const name of later) await cp(path.join(dir, name), path.join(parked, name), { recursive: true });
  for (const name of later) await rm(path.join(dir, name), { recursive: true });

  const db = await memoryDb();
  const factory = pgliteAdapterFactory(db);
  await deployMigrations(factory, { migrationsDir: dir });
  async function deployRest(): Promise<string[]> {
    for (const name of later) await cp(path.join(parked, name), path.join(dir, name), { recursive: true });
    return deployMigrations(factory, { migrationsDir: dir });
  }
  return { db, deployRest, later };
}

describe('readMigrations', () => {
  it('lists the migration folders in order, with the lockfile', async () => {
    const list = await readMigrations();
    const names = list.migrationDirectories.map((migration) => migration.path);
    expect(names.length).toBeGreaterThan(0);
    expect(names).toEqual([...names].sort());
    expect(names[0]).toMatch(/^\d{14}_init$/);
    expect(list.lockfile.content).toContain('provider = "postgresql"');
    expect(list.migrationDirectories[0]?.migrationFile.content.tag).toBe('ok');
  });

  it('treats a missing directory as no migrations', async () => {
    const list = await readMigrations(path.join(await tempDir(), 'nope'));
    expect(list.migrationDirectories).toEqual([]);
    expect(list.lockfile.content).toBeNull();
  });
});

describe('deployMigrations on PGlite', () => {
  it('creates the schema and records each migration as prisma migrate does', slow, async () => {
    const db = await memoryDb();
    const names = await migrationNames();

    expect(await deployMigrations(pgliteAdapterFactory(db))).toEqual(names);

    const tables = await db.query<{ table_name: string }>(`SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'`);
    expect(tables.rows.map((row) => row.table_name)).toEqual(
      expect.arrayContaining(['users', 'assistants', 'executions', 'assistant_architect_events', '_prisma_migrations']),
    );
    const labels = await db.query<{ label: string }>(`SELECT unnest(enum_range(NULL::assistant_event_type))::text AS label`);
    expect(labels.rows.map((row) => row.label)).toContain('knowledge-retrieval-start');

    const history = await db.query<{ migration_name: string; checksum: string; finished_at: Date | null }>(
      `SELECT migration_name, checksum, finished_at FROM _prisma_migrations ORDER BY started_at`,
    );
    expect(history.rows.map((row) => row.migration_name)).toEqual(names);
    for (const row of history.rows) {
      expect(row.finished_at).not.toBeNull();
      expect(row.checksum).toBe(await sha256(path.join(defaultMigrationsDir, row.migration_name, 'migration.sql')));
    }
  });

  it('is idempotent and reports status', slow, async () => {
    const db = await memoryDb();
    const factory = pgliteAdapterFactory(db);
    const names = await migrationNames();

    expect(await migrationStatus(factory)).toEqual({ applied: [], pending: names, failed: [], edited: [], missingLocally: [] });
    expect(await deployMigrations(factory)).toEqual(names);
    expect(await deployMigrations(factory)).toEqual([]);
    expect(await migrationStatus(factory)).toEqual({ applied: names, pending: [], failed: [], edited: [], missingLocally: [] });

    const count = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM _prisma_migrations`);
    expect(count.rows[0]?.n).toBe(names.length);
  });

  it('fails loudly on a broken migration, even through a plain PrismaPGlite factory', slow, async () => {
    const db = await memoryDb();
    const migrationsDir = await copyOfMigrations();
    const broken = path.join(migrationsDir, '29990101000000_broken');
    await mkdir(broken);
    await writeFile(path.join(broken, 'migration.sql'), 'CREATE TABLE "half_done" (id int);\nSELECT * FROM "no_such_table";\n');

    // The adapter's own executeScript does not await the script: this would "succeed" silently.
    const factory = new PrismaPGlite(db);
    await expect(deployMigrations(factory, { migrationsDir })).rejects.toThrow(/no_such_table/);

    const status = await migrationStatus(factory, { migrationsDir });
    expect(status.failed).toEqual(['29990101000000_broken']);
    const halfDone = await db.query(`SELECT 1 FROM information_schema.tables WHERE table_name = 'half_done'`);
    expect(halfDone.rows).toEqual([]);
  });
});

describe('createMigration', () => {
  it('returns null when the schema matches the migrations', slow, async () => {
    const migrationsDir = await copyOfMigrations();
    expect(await createMigration('noop', { migrationsDir, schemaPath: defaultSchemaPath })).toBeNull();
    expect(await readdir(migrationsDir)).toEqual(await readdir(defaultMigrationsDir));
  });

  it('writes a migration for a schema change, which then deploys', slow, async () => {
    const dir = await tempDir();
    const migrationsDir = await copyOfMigrations();
    const schemaPath = path.join(dir, 'schema.prisma');
    const schema = await readFile(defaultSchemaPath, 'utf8');
    await writeFile(schemaPath, `${schema}\nmodel Widget {\n  id   Int    @id @default(autoincrement())\n  name String\n\n  @@map("widgets")\n}\n`);
    const before = await migrationNames(migrationsDir);

    // A clock behind the latest migration must still yield a name that sorts last.
    const created = await createMigration('Add widgets!', { migrationsDir, schemaPath, now: new Date('2001-01-01T00:00:00Z') });

    expect(created).not.toBeNull();
    const name = path.basename(created!);
    expect(name).toMatch(/^\d{14}_add_widgets$/);
    expect(await migrationNames(migrationsDir)).toEqual([...before, name]);
    const sql = await readFile(path.join(created!, 'migration.sql'), 'utf8');
    expect(sql).toContain('CREATE TABLE "widgets"');
    expect(sql).not.toContain('assistant_architect_events');

    const db = await memoryDb();
    expect(await deployMigrations(pgliteAdapterFactory(db), { migrationsDir })).toEqual([...before, name]);
    await db.query(`INSERT INTO widgets (name) VALUES ('sprocket')`);
    expect(await createMigration('again', { migrationsDir, schemaPath })).toBeNull();
  });

  it('rejects a name with no usable characters', async () => {
    await expect(createMigration(' !? ', { migrationsDir: await copyOfMigrations() })).rejects.toThrow(/Invalid migration name/);
  });
});

describe('the identity migration on a database from before sign-in existed', () => {
  it('keeps the dev identities’ data, makes them disabled members and admins with no way to sign in, and shares what was open to all', slow, async () => {
    const { db, deployRest, later } = await databaseBefore('_identity_and_access');
    await db.exec(`
      INSERT INTO users (name, role) VALUES ('admin', 'admin'), ('demo', 'user');
      INSERT INTO assistants (name) VALUES ('Research Brief Writer');
      INSERT INTO knowledge_repositories (name, owner_id, embedding_model) VALUES ('Field notes', 1, 'local-hash-384');
      INSERT INTO executions (assistant_id, user_id, status) VALUES (1, 2, 'completed');
    `);
    expect(await deployRest()).toEqual(later);

    const users = await db.query<{ id: number; name: string; email: string; role: string }>('SELECT id, name, email, role::text FROM users ORDER BY id');
    expect(users.rows).toEqual([
      { id: 1, name: 'admin', email: 'legacy-1@users.invalid', role: 'admin' },
      { id: 2, name: 'demo', email: 'legacy-2@users.invalid', role: 'member' },
    ]);
    expect((await db.query('SELECT * FROM accounts')).rows).toEqual([]);
    expect((await db.query('SELECT count(*)::int AS disabled FROM users WHERE disabled_at IS NOT NULL')).rows).toEqual([{ disabled: 2 }]);
    expect((await db.query('SELECT owner_id, visibility::text FROM assistants')).rows).toEqual([{ owner_id: null, visibility: 'shared' }]);
    expect((await db.query('SELECT owner_id, visibility::text FROM knowledge_repositories')).rows).toEqual([{ owner_id: 1, visibility: 'shared' }]);
    expect((await db.query('SELECT user_id FROM executions')).rows).toEqual([{ user_id: 2 }]);
    expect((await db.query(`SELECT column_default FROM information_schema.columns WHERE table_name = 'users' AND column_name = 'role'`)).rows).toEqual([
      { column_default: "'member'::user_role" },
    ]);
  });
});

describe('the microsecond event times migration on events stored in milliseconds', () => {
  it('orders each execution’s events by created_at as by sequence, moving only the ties, by microseconds', slow, async () => {
    const { db, deployRest, later } = await databaseBefore('_event_times_in_microseconds');
    await db.exec(`
      INSERT INTO users (name, email) VALUES ('demo', 'demo@example.test');
      INSERT INTO assistants (name) VALUES ('Order');
      INSERT INTO executions (assistant_id, user_id) VALUES (1, 1), (1, 1), (1, 1);
    `);
    // [execution, sequence, milliseconds after 10:00:00]: a batch's events share a millisecond, and
    // the third execution's last event came from a clock behind.
    const rows = [
      [1, 2, 5],
      [1, 1, 5],
      [1, 3, 5],
      [1, 4, 6],
      [1, 5, 6],
      [2, 1, 5],
      [2, 2, 7],
      [3, 1, 8],
      [3, 2, 5],
    ];
    await db.exec(`
      INSERT INTO assistant_architect_events (execution_id, sequence, event_type, event_data, created_at)
      VALUES ${rows.map(([execution, sequence, ms]) => `(${execution}, ${sequence}, 'progress', '{}', '2026-01-01 10:00:00+00'::timestamptz + ${ms} * interval '1 millisecond')`).join(', ')}`);

    expect(await deployRest()).toEqual(later);

    const stored = await db.query<{ execution_id: number; sequence: number; created_at: string }>(
      `SELECT execution_id, sequence, to_char(created_at AT TIME ZONE 'UTC', 'HH24:MI:SS.US') AS created_at
       FROM assistant_architect_events ORDER BY execution_id, created_at`,
    );
    expect(stored.rows.map((row) => [row.execution_id, row.sequence, row.created_at])).toEqual([
      [1, 1, '10:00:00.005000'],
      [1, 2, '10:00:00.005001'],
      [1, 3, '10:00:00.005002'],
      [1, 4, '10:00:00.006000'],
      [1, 5, '10:00:00.006001'],
      [2, 1, '10:00:00.005000'],
      [2, 2, '10:00:00.007000'],
      [3, 1, '10:00:00.008000'],
      [3, 2, '10:00:00.008001'],
    ]);
    const type = await db.query<{ type: string }>(
      `SELECT format_type(atttypid, atttypmod) AS type FROM pg_attribute WHERE attrelid = 'assistant_architect_events'::regclass AND attname = 'created_at'`,
    );
    expect(type.rows).toEqual([{ type: 'timestamp(6) with time zone' }]);
  });
});

describe('the analytics rollups migration on a database with events', () => {
  it('fills the rollups from the events already stored, and the trigger keeps them after', slow, async () => {
    const { db, deployRest, later } = await databaseBefore('_analytics_rollups');
    const event = (execution: number, sequence: number, type: string, data: object, at: string) =>
      `(${execution}, ${sequence}, '${type}', '${JSON.stringify(data)}', '${at}')`;
    const prompt = (promptId: number, promptName: string) => ({ promptId, promptName, position: 1, totalPrompts: 1, modelId: 'local' });
    await db.exec(`
      INSERT INTO users (name, email, role) VALUES ('a', 'a@example.test', 'member'), ('b', 'b@example.test', 'member');
      INSERT INTO assistants (name) VALUES ('One'), ('Two');
      INSERT INTO knowledge_repositories (name, embedding_model) VALUES ('Notes', 'local-hash-384');
      INSERT INTO executions (assistant_id, user_id, status) VALUES (1, 1, 'completed'), (2, 2, 'failed'), (1, 2, 'running');
      INSERT INTO assistant_architect_events (execution_id, sequence, event_type, event_data, created_at) VALUES
        ${event(1, 1, 'execution-start', { executionId: 1, totalPrompts: 1, toolName: 'One' }, '2026-11-01T10:00:00Z')},
        ${event(1, 2, 'prompt-start', prompt(1, 'First'), '2026-11-01T10:00:01Z')},
        ${event(1, 3, 'knowledge-retrieval-start', { promptId: 1, repositories: [1, 7], searchType: 'hybrid' }, '2026-11-01T10:00:02Z')},
        ${event(1, 4, 'prompt-start', prompt(1, 'First'), '2026-11-01T10:00:03Z')},
        ${event(1, 5, 'prompt-complete', { promptId: 1, outputTokens: 9, duration: 800, cached: false }, '2026-11-01T10:00:04Z')},
        ${event(1, 6, 'execution-complete', { executionId: 1, totalTokens: 9, duration: 4000, success: true }, '2026-11-01T10:00:05Z')},
        ${event(2, 1, 'execution-start', { executionId: 2, totalPrompts: 1, toolName: 'Two' }, '2026-11-02T10:00:00Z')},
        ${event(2, 2, 'execution-error', { executionId: 2, error: 'boom', recoverable: false }, '2026-11-02T10:00:01Z')},
        ${event(3, 1, 'execution-start', { executionId: 3, totalPrompts: 1, toolName: 'One' }, '2026-11-03T10:00:00Z')};
    `);
    expect(await deployRest()).toEqual(later);

    const prisma = new PrismaClient({ adapter: new PrismaPGlite(db) });
    cleanups.push(() => prisma.$disconnect());
    const answers = await expectRollupsMatchRaw(prisma);
    expect(answers.errorRateByAssistant).toEqual([
      { assistantName: 'One', errorRate: 0, executions: 2, errors: 0 },
      { assistantName: 'Two', errorRate: 1, executions: 1, errors: 1 },
    ]);
    expect(answers.averagePromptDuration).toMatchObject({ avgDurationMs: 800, runs: 1 });
    expect(answers.mostUsedRepositories).toEqual([
      { repositoryId: 1, name: 'Notes', usageCount: 1 },
      { repositoryId: 7, name: null, usageCount: 1 },
    ]);

    // Execution 3 ends after the migration: the trigger adds it to what the backfill wrote.
    await db.exec(`INSERT INTO assistant_architect_events (execution_id, sequence, event_type, event_data, created_at) VALUES
      ${event(3, 2, 'execution-complete', { executionId: 3, totalTokens: 0, duration: 1500, success: true }, '2026-11-03T10:00:02Z')}`);
    const after = await expectRollupsMatchRaw(prisma);
    expect(after.executionTimeByAssistant).toEqual([{ assistantName: 'One', avgDurationMs: 3500, executions: 2 }]);
  });
});

describe('the assistant versions migration on a database with assistants and executions', () => {
  it(
    'makes every assistant version 1 holding its prompts, points every execution at it, and fills the version of a row written without one',
    slow,
    async () => {
      const { db, deployRest, later } = await databaseBefore('_assistant_versions');
      await db.exec(`
      INSERT INTO users (name, email, role) VALUES ('a', 'a@example.test', 'member');
      INSERT INTO assistants (name, description, owner_id, input_variables) VALUES ('One', 'First', 1, '[{"name":"topic","label":"Topic"}]'), ('Two', '', NULL, '[]');
      INSERT INTO assistant_prompts (assistant_id, name, position, model_id, content) VALUES (1, 'Outline', 1, 'local', 'x'), (1, 'Draft', 2, 'local', 'y'), (2, 'Only', 1, 'local', 'z');
      INSERT INTO executions (assistant_id, user_id, status) VALUES (1, 1, 'completed'), (2, 1, 'pending');
    `);
      expect(await deployRest()).toEqual(later);

      expect(
        (await db.query('SELECT assistant_id, number, name, description, input_variables, created_by_id FROM assistant_versions ORDER BY id')).rows,
      ).toEqual([
        { assistant_id: 1, number: 1, name: 'One', description: 'First', input_variables: [{ name: 'topic', label: 'Topic' }], created_by_id: 1 },
        { assistant_id: 2, number: 1, name: 'Two', description: '', input_variables: [], created_by_id: null },
      ]);
      expect((await db.query('SELECT id, current_version FROM assistants ORDER BY id')).rows).toEqual([
        { id: 1, current_version: 1 },
        { id: 2, current_version: 1 },
      ]);
      expect(
        (
          await db.query(
            'SELECT p.name, v.assistant_id, v.number, p.lineage_id FROM assistant_prompts p JOIN assistant_versions v ON v.id = p.version_id ORDER BY p.id',
          )
        ).rows,
      ).toEqual([
        { name: 'Outline', assistant_id: 1, number: 1, lineage_id: null },
        { name: 'Draft', assistant_id: 1, number: 1, lineage_id: null },
        { name: 'Only', assistant_id: 2, number: 1, lineage_id: null },
      ]);
      expect((await db.query('SELECT assistant_version FROM executions ORDER BY id')).rows).toEqual([{ assistant_version: 1 }, { assistant_version: 1 }]);

      // A row written without its version runs the assistant's current one.
      await db.exec(`
      INSERT INTO assistant_versions (assistant_id, number, name) VALUES (1, 2, 'One again');
      UPDATE assistants SET current_version = 2 WHERE id = 1;
      INSERT INTO executions (assistant_id, user_id) VALUES (1, 1);
    `);
      expect((await db.query('SELECT assistant_version FROM executions ORDER BY id DESC LIMIT 1')).rows).toEqual([{ assistant_version: 2 }]);
      await expect(db.exec(`INSERT INTO executions (assistant_id, user_id, assistant_version) VALUES (1, 1, 7)`)).rejects.toThrow(/foreign key/);
    },
  );
});
