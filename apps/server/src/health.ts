import { checkMigrationHistory, checkSchema, expectedSchema, type EventWriteBufferStats } from '@aae/db';
import { readMigrations } from '@aae/db/migrations';
import type { AppServices } from '@aae/runtime';
import { withTimeout } from './with-timeout.ts';

/** How to repair a table dropped behind the migrations' back: `db:deploy` alone skips migrations recorded as applied. */
export const SCHEMA_REPAIR_ADVICE =
  'The migrations that create it are recorded as applied in _prisma_migrations, so `pnpm db:deploy` will not recreate it: restore the database from a backup, or delete (or mark rolled back) the rows of those migrations in _prisma_migrations and run `pnpm db:deploy` again.';

/** The database lacks tables or columns the product needs: starting would lose every event. */
export class SchemaMismatchError extends Error {
  override name = 'SchemaMismatchError';
  constructor(readonly problems: readonly string[]) {
    super(describeSchemaProblems(problems));
  }
}

/** One message naming each table at fault and what to do. */
export function describeSchemaProblems(problems: readonly string[]): string {
  return `The database does not match the schema this server needs: ${problems.join('; ')}. ${SCHEMA_REPAIR_ADVICE}`;
}

/** The database's tables and columns against what the Prisma models map to; empty when they match. */
export function schemaProblems(services: Pick<AppServices, 'database'>): Promise<string[]> {
  return checkSchema(services.database.query, expectedSchema(services.database.prisma));
}

/** Why event writes fail, in words a person can act on; null while they succeed. */
export function describeWriteProblem(stats: EventWriteBufferStats): string | null {
  if (stats.writes === 'ok') return null;
  if (stats.writes === 'unreachable') {
    return `event writes wait for the database since ${stats.writesFailingSince} (it does not answer: ${stats.lastWriteError}); ${stats.pending} event(s) wait in memory`;
  }
  return `event writes fail since ${stats.writesFailingSince}: ${stats.lastWriteError}; events are NOT being stored (${stats.failed} given up on so far). Check the server log and the events table`;
}

export interface ReadinessReport {
  ready: boolean;
  /** Each check's outcome: `ok`, or what is wrong. */
  checks: { database: string; migrations: string; schema: string; writes: string };
  /** The failed checks' messages. */
  problems: string[];
}

export interface HealthOptions {
  services: AppServices;
  /** The migrations that must be recorded as applied (default `<repo>/prisma/migrations`). */
  migrationsDir?: string | undefined;
  /** Database checks are shared by every request within this long (default 2 s): a scraper cannot load the database. */
  cacheMs?: number;
  /** How long the database may take to answer the checks (default 2 s). */
  timeoutMs?: number;
}

export interface Health {
  /** Readiness: the database answers, every migration is applied, the schema is complete, writes succeed. */
  ready(): Promise<ReadinessReport>;
}

/** Readiness checks of one app; database checks are cached for `cacheMs`. */
export function createHealth(options: HealthOptions): Health {
  const { services } = options;
  const cacheMs = options.cacheMs ?? 2_000;
  const timeoutMs = options.timeoutMs ?? 2_000;
  // The folder is the build's own: read once.
  const migrationNames = readMigrations(options.migrationsDir).then((list) => list.migrationDirectories.map((directory) => directory.path));
  let cached: { at: number; checks: Promise<Omit<ReadinessReport['checks'], 'writes'>> } | null = null;

  const databaseChecks = async (): Promise<Omit<ReadinessReport['checks'], 'writes'>> => {
    try {
      // A write that stores nothing (its statement triggers see no rows) tells whether writes work again.
      await withTimeout(
        services.buffer.recheckWrites(() =>
          services.database.query('INSERT INTO assistant_architect_events SELECT * FROM assistant_architect_events WHERE false', []),
        ),
        timeoutMs,
      );
      const [history, missing] = await withTimeout(
        Promise.all([checkMigrationHistory(services.database.query, await migrationNames), schemaProblems(services)]),
        timeoutMs,
      );
      return { database: 'ok', migrations: describeMigrationProblems(history), schema: missing.length === 0 ? 'ok' : describeSchemaProblems(missing) };
    } catch (error) {
      const reason = `the database does not answer: ${error instanceof Error ? error.message : String(error)}`;
      return { database: reason, migrations: 'not checked (the database does not answer)', schema: 'not checked (the database does not answer)' };
    }
  };

  return {
    async ready() {
      if (!cached || Date.now() - cached.at >= cacheMs) cached = { at: Date.now(), checks: databaseChecks() };
      const databaseChecked = await cached.checks;
      const checks = { ...databaseChecked, writes: describeWriteProblem(services.buffer.getStats()) ?? 'ok' };
      const problems = Object.values(checks).filter((value) => value !== 'ok' && !value.startsWith('not checked'));
      return { ready: problems.length === 0, checks, problems };
    },
  };
}

function describeMigrationProblems(history: { pending: string[]; failed: string[] }): string {
  const parts: string[] = [];
  if (history.failed.length > 0) {
    parts.push(
      `migration(s) ${history.failed.join(', ')} failed part-way (unfinished in _prisma_migrations): fix the cause its logs column names, mark it rolled back and run \`pnpm db:deploy\``,
    );
  }
  if (history.pending.length > 0) {
    parts.push(`migration(s) not applied: ${history.pending.join(', ')}; run \`pnpm db:deploy\` (a server start applies them too)`);
  }
  return parts.length === 0 ? 'ok' : parts.join('; ');
}
