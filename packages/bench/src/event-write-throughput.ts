import { performance } from 'node:perf_hooks';
import { createEventRecorder, createEventStore, EventWriteBuffer, type PendingEvent } from '@aae/db';
import { createTestDatabase, startPostgresCluster, type TestDatabase } from '@aae/db/testing';
import { formatEventId } from '@aae/events';
import pg from 'pg';
import { createBenchExecutions } from './bench-executions.ts';
import { promptCompleteDraft, promptCompletePayload } from './prompt-complete-draft.ts';
import type { BenchmarkResult, ResultTable } from './report.ts';
import { stopOnSignal } from './stop-on-signal.ts';
import { formatNumber, formatRatio, median } from './stats.ts';

const EXECUTIONS = 20;
const EVENTS = 20_000;
/** One awaited round trip per event is slow; a smaller run gives the same per-event rate. */
const NAIVE_EVENTS = 4_000;
const ROWS_PER_STATEMENT = 1_000;
const REPETITIONS = 5;
const WARM_UP_EVENTS = 1_000;
/** EventWriteBuffer's default maxBatchSize. */
const PRODUCT_BATCH_SIZE = 500;

type MethodKey = 'product' | 'naive' | 'multiRow';

interface Plan {
  executionIds: number[];
  /** Round-robin over executions, as concurrent runs would interleave. */
  steps: Array<{ execution: number; sequence: number }>;
}

interface Method {
  key: MethodKey;
  events: number;
  /** Writes the plan's events and returns the elapsed milliseconds. */
  run(plan: Plan): Promise<number>;
}

interface DatabaseFigures {
  database: string;
  eventsPerSecond: Partial<Record<MethodKey, number[]>>;
  events: Partial<Record<MethodKey, number>>;
  /** Microseconds per event in each half of the product path, one entry per repetition. */
  recordUs: number[];
  insertUs: number[];
}

function makePlan(executionIds: number[], events: number): Plan {
  const perExecution = Math.ceil(events / executionIds.length);
  const steps: Plan['steps'] = [];
  for (let sequence = 1; sequence <= perExecution; sequence++) {
    for (let execution = 0; execution < executionIds.length && steps.length < events; execution++) {
      steps.push({ execution, sequence });
    }
  }
  return { executionIds, steps };
}

/** The same row the recorder would produce, without its validation: what a home-grown writer stores. */
function rowFor(executionId: number, sequence: number) {
  const createdAt = new Date();
  return {
    executionId,
    sequence,
    createdAt,
    eventData: { ...promptCompletePayload(sequence), timestamp: createdAt.toISOString(), eventId: formatEventId(executionId, sequence) },
  };
}

async function writeThroughRecorder(database: TestDatabase, plan: Plan): Promise<number> {
  const store = createEventStore(database.prisma);
  const buffer = new EventWriteBuffer({ write: (batch) => store.insertEvents(batch), onCommitted: () => {} });
  const recorders = plan.executionIds.map((executionId) => createEventRecorder({ executionId, enqueue: (event) => buffer.enqueue(event) }));
  const start = performance.now();
  for (const step of plan.steps) recorders[step.execution]!.emit(promptCompleteDraft(step.sequence));
  await buffer.flush();
  const elapsed = performance.now() - start;
  const stats = buffer.getStats();
  if (stats.failed > 0 || stats.written !== plan.steps.length) {
    throw new Error(`write buffer stored ${stats.written} of ${plan.steps.length} events (${stats.failed} failed)`);
  }
  return elapsed;
}

/**
 * The product path's two halves timed apart, to show where its time goes: the recorder
 * (stamping and zod validation) and `insertEvents` (one INSERT over unnest arrays) in the
 * buffer's default batches of 500.
 */
async function timeProductHalves(database: TestDatabase, plan: Plan): Promise<{ recordMs: number; insertMs: number }> {
  const store = createEventStore(database.prisma);
  const pending: PendingEvent[] = [];
  const recorders = plan.executionIds.map((executionId) => createEventRecorder({ executionId, enqueue: (event) => pending.push(event) }));
  let start = performance.now();
  for (const step of plan.steps) recorders[step.execution]!.emit(promptCompleteDraft(step.sequence));
  const recordMs = performance.now() - start;
  start = performance.now();
  for (let offset = 0; offset < pending.length; offset += PRODUCT_BATCH_SIZE) {
    await store.insertEvents(pending.slice(offset, offset + PRODUCT_BATCH_SIZE));
  }
  return { recordMs, insertMs: performance.now() - start };
}

async function writeOneByOne(database: TestDatabase, plan: Plan): Promise<number> {
  const start = performance.now();
  for (const step of plan.steps) {
    const row = rowFor(plan.executionIds[step.execution]!, step.sequence);
    await database.prisma.assistantArchitectEvent.create({
      data: { ...row, eventType: 'prompt_complete' },
      select: { id: true },
    });
  }
  return performance.now() - start;
}

type RunSql = (sql: string, params: unknown[]) => Promise<unknown>;

function multiRowInsert(rows: number): string {
  const tuples = Array.from({ length: rows }, (_, row) => {
    const base = row * 5;
    return `($${base + 1}, $${base + 2}, $${base + 3}, $${base + 4}, $${base + 5})`;
  });
  return `INSERT INTO assistant_architect_events (execution_id, sequence, event_type, event_data, created_at) VALUES ${tuples.join(', ')}`;
}

async function writeMultiRow(runSql: RunSql, plan: Plan): Promise<number> {
  const fullStatement = multiRowInsert(ROWS_PER_STATEMENT);
  const start = performance.now();
  for (let offset = 0; offset < plan.steps.length; offset += ROWS_PER_STATEMENT) {
    const chunk = plan.steps.slice(offset, offset + ROWS_PER_STATEMENT);
    const params: unknown[] = [];
    for (const step of chunk) {
      const row = rowFor(plan.executionIds[step.execution]!, step.sequence);
      params.push(row.executionId, row.sequence, 'prompt-complete', JSON.stringify(row.eventData), row.createdAt.toISOString());
    }
    await runSql(chunk.length === ROWS_PER_STATEMENT ? fullStatement : multiRowInsert(chunk.length), params);
  }
  return performance.now() - start;
}

/** The raw-SQL path: `pg` on the server; on PGlite, its `query` behind Prisma's driver adapter. */
async function openRawSql(database: TestDatabase): Promise<{ runSql: RunSql; close(): Promise<void> }> {
  if (database.url) {
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    return { runSql: (sql, params) => client.query(sql, params), close: () => client.end() };
  }
  // `createTestDatabase` keeps its PGlite private; the adapter's executeRaw is `pglite.query(sql, params)`.
  const adapter = await database.adapterFactory.connect();
  return {
    runSql: (sql, params) =>
      adapter.executeRaw({ sql, args: params, argTypes: params.map(() => ({ scalarType: 'unknown' as const, arity: 'scalar' as const })) }),
    close: () => adapter.dispose(),
  };
}

async function measureDatabase(label: string, database: TestDatabase): Promise<DatabaseFigures> {
  const executionIds = await createBenchExecutions(database, EXECUTIONS);
  const raw = await openRawSql(database);
  try {
    const methods: Method[] = [
      { key: 'product', events: EVENTS, run: (plan) => writeThroughRecorder(database, plan) },
      { key: 'naive', events: NAIVE_EVENTS, run: (plan) => writeOneByOne(database, plan) },
      { key: 'multiRow', events: EVENTS, run: (plan) => writeMultiRow(raw.runSql, plan) },
    ];
    const figures: DatabaseFigures = { database: label, eventsPerSecond: {}, events: {}, recordUs: [], insertUs: [] };
    const truncate = () => database.prisma.$executeRawUnsafe('TRUNCATE assistant_architect_events');

    for (const method of methods) {
      await truncate();
      await method.run(makePlan(executionIds, WARM_UP_EVENTS));
    }
    for (let repetition = 0; repetition < REPETITIONS; repetition++) {
      // Rotate the order so no method always runs first (or last) in a round.
      for (let index = 0; index < methods.length; index++) {
        const method = methods[(index + repetition) % methods.length]!;
        await truncate();
        const elapsed = await method.run(makePlan(executionIds, method.events));
        const samples = figures.eventsPerSecond[method.key] ?? [];
        samples.push((method.events / elapsed) * 1_000);
        figures.eventsPerSecond[method.key] = samples;
        figures.events[method.key] = method.events;
      }
    }
    for (let repetition = 0; repetition < REPETITIONS; repetition++) {
      await truncate();
      const halves = await timeProductHalves(database, makePlan(executionIds, EVENTS));
      figures.recordUs.push((halves.recordMs * 1_000) / EVENTS);
      figures.insertUs.push((halves.insertMs * 1_000) / EVENTS);
    }
    await truncate();
    return figures;
  } finally {
    await raw.close();
  }
}

const METHOD_LABELS: Record<MethodKey, string> = {
  product: 'product: recorder → EventWriteBuffer → insertEvents',
  naive: 'baseline (a): one awaited Prisma `create` per event',
  multiRow: `baseline (b): raw multi-row INSERT, ${formatNumber(ROWS_PER_STATEMENT, 0)} rows/statement`,
};

function toBreakdownTable(all: DatabaseFigures[]): ResultTable {
  const rows = all.map((figures) => {
    const multiRowUs = 1e6 / median(figures.eventsPerSecond.multiRow ?? []);
    const insertUs = median(figures.insertUs);
    // Shares within each repetition, whose halves ran back to back under the same conditions.
    const insertShare = median(figures.insertUs.map((insert, index) => insert / (insert + figures.recordUs[index]!)));
    return [
      figures.database,
      formatNumber(median(figures.recordUs)),
      formatNumber(insertUs),
      `${formatNumber(insertShare * 100, 0)}%`,
      formatNumber(multiRowUs),
      formatRatio(insertUs / multiRowUs),
    ];
  });
  return {
    caption: `Where the product path's time goes, µs per event (median of ${REPETITIONS}; the two halves timed one after the other)`,
    columns: [
      'database',
      'recorder: stamp + zod',
      `insertEvents (one INSERT … unnest, ${PRODUCT_BATCH_SIZE}/batch)`,
      'insertEvents share',
      'raw multi-row INSERT',
      'insertEvents vs raw',
    ],
    rows,
  };
}

function toTable(all: DatabaseFigures[]): ResultTable {
  const rows: string[][] = [];
  for (const figures of all) {
    const rate = (key: MethodKey) => median(figures.eventsPerSecond[key] ?? []);
    for (const key of ['product', 'naive', 'multiRow'] as const) {
      rows.push([
        figures.database,
        METHOD_LABELS[key],
        formatNumber(figures.events[key] ?? Number.NaN, 0),
        formatNumber(rate(key), 0),
        formatRatio(rate(key) / rate('naive')),
        formatRatio(rate(key) / rate('multiRow')),
      ]);
    }
  }
  return {
    caption: `Events written per second (median of ${REPETITIONS} runs; ${EXECUTIONS} executions, prompt-complete payloads)`,
    columns: ['database', 'path', 'events per run', 'events/s', 'vs (a) naive', 'vs (b) multi-row'],
    rows,
  };
}

export async function runEventWriteThroughput(): Promise<BenchmarkResult> {
  const all: DatabaseFigures[] = [];
  const cluster = await startPostgresCluster();
  const release = stopOnSignal(cluster);
  try {
    const postgres = await createTestDatabase('postgres', cluster.url);
    try {
      all.push(await measureDatabase('PostgreSQL 15 (server)', postgres));
    } finally {
      await postgres.close();
    }
  } finally {
    release();
    cluster.stop();
  }
  const pglite = await createTestDatabase('pglite');
  try {
    all.push(await measureDatabase('PGlite (in-memory)', pglite));
  } finally {
    await pglite.close();
  }

  const rate = (figures: DatabaseFigures, key: MethodKey) => median(figures.eventsPerSecond[key] ?? []);
  return {
    name: 'event-write-throughput',
    title: 'events/s through the product write path vs a naive writer and raw multi-row INSERTs',
    tables: [toTable(all), toBreakdownTable(all)],
    notes: [
      ...all.map(
        (figures) =>
          `${figures.database}: the product path writes ${formatRatio(rate(figures, 'product') / rate(figures, 'naive'))} as many events/s as one INSERT per event, and ${formatRatio(rate(figures, 'product') / rate(figures, 'multiRow'))} as many as raw ${formatNumber(ROWS_PER_STATEMENT, 0)}-row INSERTs.`,
      ),
      `Baseline (a) writes ${formatNumber(NAIVE_EVENTS, 0)} events per run instead of ${formatNumber(EVENTS, 0)}: one round trip per event makes its rate steady long before that, and the full count would take minutes.`,
      'Baseline (b) uses `pg` on the server; on PGlite it uses `pglite.query` through the Prisma driver adapter (`adapterFactory.connect().executeRaw`), the only way `createTestDatabase` exposes the PGlite instance.',
      'The product path validates every event with zod; the baselines write the same rows without validation.',
    ],
    figures: { executions: EXECUTIONS, repetitions: REPETITIONS, rowsPerStatement: ROWS_PER_STATEMENT, databases: all },
  };
}
