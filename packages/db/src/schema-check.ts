import type { RawQuery } from './client.ts';
import type { PrismaClient } from './generated/prisma/client.ts';

/** A table the product needs, with the columns its Prisma model maps to. */
export interface ExpectedTable {
  model: string;
  table: string;
  columns: string[];
}

interface RuntimeDataModel {
  models: Record<string, { dbName: string | null; fields: ReadonlyArray<{ name: string; kind: string; dbName?: string | null }> }>;
}

/**
 * The tables and columns the Prisma models map to, read from the generated client's data model,
 * so `schema.prisma` stays the one list (a unit test compares the two).
 */
export function expectedSchema(prisma: PrismaClient): ExpectedTable[] {
  // Prisma keeps the data model on the client instance only; the field is typed but internal.
  const dataModel = (prisma as unknown as { _runtimeDataModel?: RuntimeDataModel })._runtimeDataModel;
  if (!dataModel?.models) throw new Error('The Prisma client carries no data model: the schema check cannot know which tables to expect');
  return Object.entries(dataModel.models).map(([model, { dbName, fields }]) => ({
    model,
    table: dbName ?? model,
    columns: fields.filter((field) => field.kind === 'scalar' || field.kind === 'enum').map((field) => field.dbName ?? field.name),
  }));
}

/** Triggers the migrations create that Prisma's data model does not know of: without them, events are stored and quietly go no further. */
export const EXPECTED_TRIGGERS = [
  { table: 'assistant_architect_events', name: 'assistant_architect_events_rollup', keeps: 'the analytics rollups' },
  { table: 'assistant_architect_events', name: 'assistant_architect_events_webhooks', keeps: 'the webhook outbox' },
] as const;

/**
 * What the database lacks of `expected`, one sentence per table (empty when nothing): a table
 * dropped behind the migrations' back, or a column missing from one; or of the triggers the
 * migrations create (the seed's rollback drops them with the table, its CREATE does not bring them back).
 */
export async function checkSchema(query: RawQuery, expected: readonly ExpectedTable[]): Promise<string[]> {
  // Every column of every table in the schema: a few hundred rows, cheaper than one query per table.
  const rows = await query<{ table_name: string; column_name: string }>(
    `SELECT c.relname AS table_name, a.attname AS column_name
     FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
     WHERE c.relkind IN ('r', 'p') AND c.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = current_schema())`,
    [],
  );
  const present = new Map<string, Set<string>>();
  for (const row of rows) {
    const columns = present.get(row.table_name) ?? new Set<string>();
    columns.add(row.column_name);
    present.set(row.table_name, columns);
  }
  const triggers = await query<{ table_name: string; trigger_name: string; enabled: boolean }>(
    `SELECT c.relname AS table_name, t.tgname AS trigger_name, t.tgenabled <> 'D' AS enabled
     FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
     WHERE NOT t.tgisinternal AND c.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = current_schema())`,
    [],
  );
  const problems: string[] = [];
  for (const trigger of EXPECTED_TRIGGERS) {
    // A missing table is reported as such below.
    if (!present.has(trigger.table)) continue;
    const found = triggers.find((row) => row.table_name === trigger.table && row.trigger_name === trigger.name);
    if (!found) problems.push(`trigger ${trigger.name} on ${trigger.table} is missing (it keeps ${trigger.keeps})`);
    else if (!found.enabled) problems.push(`trigger ${trigger.name} on ${trigger.table} is disabled (it keeps ${trigger.keeps})`);
  }
  for (const { model, table, columns } of expected) {
    const found = present.get(table);
    if (!found) {
      problems.push(`table ${table} (model ${model}) is missing`);
      continue;
    }
    const missing = columns.filter((column) => !found.has(column));
    if (missing.length > 0) problems.push(`table ${table} lacks column(s) ${missing.join(', ')}`);
  }
  return problems;
}

export interface MigrationHistory {
  /** In the migrations folder but not recorded as applied in `_prisma_migrations`. */
  pending: string[];
  /** Started and never finished nor rolled back (a failed deploy). */
  failed: string[];
}

/** Compares the migrations folder's names with `_prisma_migrations`, as `prisma migrate deploy` records them. */
export async function checkMigrationHistory(query: RawQuery, migrationNames: readonly string[]): Promise<MigrationHistory> {
  const [table] = await query<{ present: boolean }>(`SELECT to_regclass('_prisma_migrations') IS NOT NULL AS present`, []);
  if (!table?.present) return { pending: [...migrationNames], failed: [] };
  const rows = await query<{ migration_name: string; finished: boolean; rolled_back: boolean }>(
    `SELECT migration_name, finished_at IS NOT NULL AS finished, rolled_back_at IS NOT NULL AS rolled_back FROM _prisma_migrations`,
    [],
  );
  // A migration that failed, was marked rolled back and then applied has two rows: the applied one counts.
  const applied = new Set(rows.filter((row) => row.finished && !row.rolled_back).map((row) => row.migration_name));
  const failed = [...new Set(rows.filter((row) => !row.finished && !row.rolled_back && !applied.has(row.migration_name)).map((row) => row.migration_name))];
  return { pending: migrationNames.filter((name) => !applied.has(name) && !failed.includes(name)), failed };
}
