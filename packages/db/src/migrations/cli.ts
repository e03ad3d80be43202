/**
 * `pnpm db:migrate [name]` — write a migration for the schema changes, then apply it.
 * `pnpm db:deploy`         — apply pending migrations.
 * `pnpm db:status`         — list applied and pending migrations.
 *
 * The target is DATABASE_URL (postgres://) or else the embedded PGlite database in DATA_DIR
 * (default `<repo>/.data/pglite`).
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PrismaPg } from '@prisma/adapter-pg';
import type { SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import { checkDatabaseUrl } from '../database-url.ts';
import { createMigration, deployMigrations, migrationStatus, pgliteAdapterFactory, readMigrations, repoRoot } from './index.ts';

interface Target {
  factory: SqlMigrationAwareDriverAdapterFactory;
  /** For messages: a URL without its password, or a folder. */
  location: string;
  close(): Promise<void>;
}

const usage = 'Usage: cli.ts migrate [name] | deploy | status';

async function main(args: string[]): Promise<number> {
  const [command, ...rest] = args;
  switch (command) {
    case 'migrate':
      return migrate(rest.join(' '));
    case 'deploy':
      return withTarget(async (target) => {
        reportApplied(await deployMigrations(target.factory), target);
        return 0;
      });
    case 'status':
      return withTarget(status);
    default:
      console.error(usage);
      return 2;
  }
}

async function migrate(name: string): Promise<number> {
  const existing = (await readMigrations()).migrationDirectories.length;
  const created = await createMigration(name || (existing === 0 ? 'init' : 'migration'));
  console.log(created ? `Created ${relative(path.join(created, 'migration.sql'))}` : 'No schema changes');
  return withTarget(async (target) => {
    reportApplied(await deployMigrations(target.factory), target);
    return 0;
  });
}

async function status(target: Target): Promise<number> {
  const { applied, pending, failed, edited, missingLocally } = await migrationStatus(target.factory);
  console.log(`Database: ${target.location}`);
  console.log(`Applied (${applied.length}): ${list(applied)}`);
  console.log(`Pending (${pending.length}): ${list(pending)}`);
  if (edited.length) console.log(`Warning: changed since they were applied: ${list(edited)}`);
  if (failed.length) console.log(`Failed (${failed.length}): ${list(failed)} — fix the database, then mark it rolled back`);
  if (missingLocally.length) console.log(`Applied but not in prisma/migrations: ${list(missingLocally)}`);
  if (!pending.length && !failed.length && !missingLocally.length) console.log('Database schema is up to date');
  // Only a broken history is a failure: pending migrations are the normal state after a pull.
  return failed.length || missingLocally.length ? 1 : 0;
}

function reportApplied(names: string[], target: Target): void {
  if (names.length === 0) {
    console.log(`No pending migrations (${target.location})`);
  } else {
    const noun = names.length === 1 ? 'migration' : 'migrations';
    console.log(`Applied ${names.length} ${noun} to ${target.location}: ${names.join(', ')}`);
  }
}

async function withTarget(fn: (target: Target) => Promise<number>): Promise<number> {
  const target = await openTarget(process.env);
  try {
    return await fn(target);
  } finally {
    await target.close();
  }
}

async function openTarget(env: NodeJS.ProcessEnv): Promise<Target> {
  const databaseUrl = env.DATABASE_URL?.trim();
  if (databaseUrl) {
    const { location } = checkDatabaseUrl(databaseUrl);
    // Nothing to close here: the migration runner disposes the adapter, which ends its pool.
    return { factory: new PrismaPg({ connectionString: databaseUrl }), location, close: async () => {} };
  }
  // pnpm runs package scripts in the package folder; a relative DATA_DIR means where pnpm was run.
  const dataDir = env.DATA_DIR ? path.resolve(env.INIT_CWD ?? process.cwd(), env.DATA_DIR) : path.join(repoRoot, '.data', 'pglite');
  await mkdir(dataDir, { recursive: true });
  const db = await PGlite.create(dataDir);
  return { factory: pgliteAdapterFactory(db), location: `PGlite ${relative(dataDir)}`, close: () => db.close() };
}

function relative(file: string): string {
  const rel = path.relative(repoRoot, file);
  return rel.startsWith('..') ? file : rel;
}

function list(names: string[]): string {
  return names.length ? names.join(', ') : '-';
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(`Error: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  },
);
