import { performance } from 'node:perf_hooks';
import {
  createEventRecorder,
  createEventStore,
  createInProcessEventBus,
  EventWriteBuffer,
  INSERT_EVENTS_SQL,
  insertEventsParams,
  type EventStore,
  type PendingEvent,
} from '@aae/db';
import { createTestDatabase, startPostgresCluster, type TestDatabase } from '@aae/db/testing';
import type { EventDraft, StoredEvent } from '@aae/events';
import pg from 'pg';
import { createBenchExecutions } from './bench-executions.ts';
import { eventsPerExecution, executionDrafts } from './execution-drafts.ts';
import type { BenchmarkResult, ResultTable } from './report.ts';
import { stopOnSignal } from './stop-on-signal.ts';
import { formatNumber, formatRatio, median } from './stats.ts';

/** Executions running at once, each emitting its whole chain. */
const EXECUTIONS = 100;
const PROMPTS = 18;
const EVENTS = EXECUTIONS * eventsPerExecution(PROMPTS);
const RAW_BATCH_SIZES = [500, 1_000, 2_000, 5_000] as const;
/** EventWriteBuffer's default maxBatchSize. */
const PRODUCT_BATCH_SIZE = 500;
const REPETITIONS = 7;

type RawKey = `unnest${(typeof RAW_BATCH_SIZES)[number]}`;
type MethodKey = RawKey | 'productSql' | 'productQueued' | 'product' | 'productPrisma';

const rawKey = (size: (typeof RAW_BATCH_SIZES)[number]): RawKey => `unnest${size}`;

type RunSql = (sql: string, params: readonly unknown[]) => Promise<unknown>;

interface Workload {
  executions: Array<{ id: number; claim: number; drafts: EventDraft[] }>;
  /** The same events as the recorders make them, interleaved as concurrent runs interleave them. */
  recorded: PendingEvent[];
}

interface Method {
  key: MethodKey;
  /** Writes the workload's events and returns the elapsed milliseconds. */
  run(): Promise<number>;
}

interface DatabaseFigures {
  database: string;
  eventsPerSecond: Partial<Record<MethodKey, number[]>>;
  /** Each repetition's rates, by path. */
  roundRates: Array<Partial<Record<MethodKey, number>>>;
  /** Each repetition's fastest raw run. */
  bestRaw: number[];
  /** Microseconds per event in each stage, timed alone, one entry per repetition. */
  stages: Record<StageKey, number[]>;
}

type StageKey = 'record' | 'params' | 'insertDirect' | 'insertPrisma';

function yieldToLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Stamps every execution's drafts through its own recorder, round-robin across executions. */
function record(workload: Pick<Workload, 'executions'>, onEvent: (event: PendingEvent) => void): void {
  const recorders = workload.executions.map(({ id, claim, drafts }) => ({
    drafts,
    recorder: createEventRecorder({ executionId: id, claim, enqueue: onEvent }),
  }));
  const longest = Math.max(...workload.executions.map((execution) => execution.drafts.length));
  for (let index = 0; index < longest; index++) {
    for (const { drafts, recorder } of recorders) {
      const draft = drafts[index];
      if (draft) recorder.emit(draft);
    }
  }
}

async function prepareWorkload(database: TestDatabase): Promise<Workload> {
  const ids = await createBenchExecutions(database, EXECUTIONS);
  const claims = await database.query<{ id: number; claims: number }>('SELECT id, claims FROM executions WHERE id = ANY($1::int[])', [ids]);
  const executions = claims.map(({ id, claims: claim }) => ({ id, claim, drafts: executionDrafts(id, PROMPTS) }));
  const recorded: PendingEvent[] = [];
  record({ executions }, (event) => recorded.push(event));
  return { executions, recorded };
}

/**
 * The product's write path as a running execution uses it: each execution emits through its own
 * recorder and awaits between events (as it awaits its model), the buffer batches and writes
 * through the store, and each committed batch is published on the bus. Checks that every event
 * was published once, in each execution's order.
 */
async function writeThroughProduct(workload: Workload, store: EventStore, probe: () => Promise<unknown>): Promise<number> {
  const { buffer, check } = publishingBuffer(store, probe);
  const start = performance.now();
  await Promise.all(
    workload.executions.map(async ({ id, claim, drafts }) => {
      const recorder = createEventRecorder({ executionId: id, claim, enqueue: (event) => buffer.enqueue(event) });
      for (const draft of drafts) {
        recorder.emit(draft);
        await yieldToLoop();
      }
      // As the worker does before it marks the execution finished.
      await buffer.settled();
    }),
  );
  await buffer.flush();
  const elapsed = performance.now() - start;
  check();
  return elapsed;
}

/**
 * The write path without the executions: the workload's events, stamped beforehand by their
 * recorders (untimed, as for raw unnest), handed to the buffer at once, written through the store
 * and published. Against `writeThroughProduct` it shows what recording the events while the
 * batches are written costs.
 */
async function writeQueuedThroughProduct(workload: Workload, store: EventStore, probe: () => Promise<unknown>): Promise<number> {
  const { buffer, check } = publishingBuffer(store, probe);
  const start = performance.now();
  for (const event of workload.recorded) buffer.enqueue(event);
  await buffer.flush();
  const elapsed = performance.now() - start;
  check();
  return elapsed;
}

/** A buffer writing through `store` that publishes each committed batch, checking every event is published once, in order. */
function publishingBuffer(store: EventStore, probe: () => Promise<unknown>) {
  const bus = createInProcessEventBus();
  const lastPublished = new Map<number, number>();
  let published = 0;
  const buffer = new EventWriteBuffer({
    write: (batch) => store.insertEvents(batch),
    onCommitted: (batch: readonly StoredEvent[]) => {
      for (const event of batch) {
        if (event.sequence !== (lastPublished.get(event.executionId) ?? 0) + 1) {
          throw new Error(`execution ${event.executionId}: sequence ${event.sequence} published out of order`);
        }
        lastPublished.set(event.executionId, event.sequence);
      }
      published += batch.length;
      bus.publish(batch);
    },
    probe,
  });
  const check = () => {
    const stats = buffer.getStats();
    if (stats.failed > 0 || stats.written !== EVENTS || published !== EVENTS) {
      throw new Error(`write buffer stored ${stats.written} and published ${published} of ${EVENTS} events (${stats.failed} failed)`);
    }
  };
  return { buffer, check };
}

// Text arrays cast per row, as the store's statement does (PGlite sends an enum array's values as one string).
const RAW_UNNEST_SQL = `INSERT INTO assistant_architect_events (execution_id, sequence, event_type, event_data, created_at)
SELECT execution_id, sequence, event_type::assistant_event_type, event_data::jsonb, created_at::timestamptz
FROM unnest($1::int[], $2::int[], $3::text[], $4::text[], $5::text[]) AS row(execution_id, sequence, event_type, event_data, created_at)`;

/** The plainest bulk insert: no join, no lock, no conflict check, nothing returned. */
async function writeRawUnnest(runSql: RunSql, events: readonly PendingEvent[], size: number): Promise<number> {
  const start = performance.now();
  for (let offset = 0; offset < events.length; offset += size) {
    const chunk = events.slice(offset, offset + size);
    await runSql(RAW_UNNEST_SQL, [
      chunk.map((event) => event.executionId),
      chunk.map((event) => event.sequence),
      chunk.map((event) => event.eventType),
      chunk.map((event) => JSON.stringify(event.eventData)),
      chunk.map((event) => event.createdAt.toISOString()),
    ]);
  }
  return performance.now() - start;
}

/** The store's own statement and parameters, sent by the caller, in the buffer's batch size. */
async function writeProductSql(runSql: RunSql, events: readonly PendingEvent[]): Promise<number> {
  const start = performance.now();
  for (let offset = 0; offset < events.length; offset += PRODUCT_BATCH_SIZE) {
    await runSql(INSERT_EVENTS_SQL, insertEventsParams(events.slice(offset, offset + PRODUCT_BATCH_SIZE)));
  }
  return performance.now() - start;
}

/** Each stage of the product path alone, in µs per event, on the workload's events. */
async function timeStages(workload: Workload, direct: EventStore, throughPrisma: EventStore, truncate: () => Promise<unknown>) {
  const sink: PendingEvent[] = [];
  let start = performance.now();
  record(workload, (event) => sink.push(event));
  const recordMs = performance.now() - start;
  start = performance.now();
  for (let offset = 0; offset < sink.length; offset += PRODUCT_BATCH_SIZE) insertEventsParams(sink.slice(offset, offset + PRODUCT_BATCH_SIZE));
  const paramsMs = performance.now() - start;
  const insertAll = async (store: EventStore) => {
    await truncate();
    const began = performance.now();
    for (let offset = 0; offset < sink.length; offset += PRODUCT_BATCH_SIZE) await store.insertEvents(sink.slice(offset, offset + PRODUCT_BATCH_SIZE));
    return performance.now() - began;
  };
  const insertDirect = await insertAll(direct);
  const insertPrisma = await insertAll(throughPrisma);
  const perEvent = (ms: number) => (ms * 1_000) / sink.length;
  return { record: perEvent(recordMs), params: perEvent(paramsMs), insertDirect: perEvent(insertDirect), insertPrisma: perEvent(insertPrisma) };
}

/** The raw-SQL path: `pg` on the server; on PGlite, its own `query`. */
async function openRawSql(database: TestDatabase): Promise<{ runSql: RunSql; close(): Promise<void> }> {
  if (database.url) {
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    return { runSql: (sql, params) => client.query(sql, params as unknown[]), close: () => client.end() };
  }
  return { runSql: (sql, params) => database.query(sql, params), close: async () => {} };
}

async function measureDatabase(label: string, database: TestDatabase): Promise<DatabaseFigures> {
  const workload = await prepareWorkload(database);
  const raw = await openRawSql(database);
  const direct = createEventStore(database.prisma, { query: database.query });
  const throughPrisma = createEventStore(database.prisma);
  const probe = () => database.query('SELECT 1', []);
  try {
    const methods: Method[] = [
      ...RAW_BATCH_SIZES.map((size) => ({ key: rawKey(size), run: () => writeRawUnnest(raw.runSql, workload.recorded, size) })),
      { key: 'productSql', run: () => writeProductSql(raw.runSql, workload.recorded) },
      { key: 'productQueued', run: () => writeQueuedThroughProduct(workload, direct, probe) },
      { key: 'product', run: () => writeThroughProduct(workload, direct, probe) },
      { key: 'productPrisma', run: () => writeThroughProduct(workload, throughPrisma, probe) },
    ];
    const figures: DatabaseFigures = {
      database: label,
      eventsPerSecond: {},
      roundRates: [],
      bestRaw: [],
      stages: { record: [], params: [], insertDirect: [], insertPrisma: [] },
    };
    const truncate = () => database.query('TRUNCATE assistant_architect_events', []);

    for (const method of methods) {
      await truncate();
      await method.run();
    }
    for (let repetition = 0; repetition < REPETITIONS; repetition++) {
      const rates: Partial<Record<MethodKey, number>> = {};
      // Rotate the order so no method always runs first (or last) in a round.
      for (let index = 0; index < methods.length; index++) {
        const method = methods[(index + repetition) % methods.length]!;
        await truncate();
        const rate = (EVENTS / (await method.run())) * 1_000;
        rates[method.key] = rate;
        figures.eventsPerSecond[method.key] = [...(figures.eventsPerSecond[method.key] ?? []), rate];
      }
      const best = Math.max(...RAW_BATCH_SIZES.map((size) => rates[rawKey(size)]!));
      figures.roundRates.push(rates);
      console.error(
        `[event-write-throughput] ${label}, round ${repetition + 1}: ${Object.entries(rates)
          .map(([key, rate]) => `${key} ${Math.round(rate)}`)
          .join(', ')}`,
      );
      figures.bestRaw.push(best);
      await truncate();
      const stages = await timeStages(workload, direct, throughPrisma, truncate);
      for (const key of Object.keys(stages) as StageKey[]) figures.stages[key].push(stages[key]);
    }
    await truncate();
    return figures;
  } finally {
    await raw.close();
  }
}

const METHOD_LABELS: Record<MethodKey, string> = {
  unnest500: 'raw `INSERT … SELECT * FROM unnest`, 500 rows/statement',
  unnest1000: 'raw `INSERT … SELECT * FROM unnest`, 1,000 rows/statement',
  unnest2000: 'raw `INSERT … SELECT * FROM unnest`, 2,000 rows/statement',
  unnest5000: 'raw `INSERT … SELECT * FROM unnest`, 5,000 rows/statement',
  productSql: `the store's statement and parameters sent by the caller, ${PRODUCT_BATCH_SIZE} rows/statement`,
  productQueued: 'the write path alone: events recorded beforehand → EventWriteBuffer → insertEvents (driver) → bus',
  product: 'product: executions → recorder → EventWriteBuffer → insertEvents (driver) → bus',
  productPrisma: 'the same with insertEvents through Prisma `$queryRaw`',
};

/** The raw batch size with the highest median rate: the baseline each round's product run is compared with. */
function bestRawSize(figures: DatabaseFigures): RawKey {
  return RAW_BATCH_SIZES.map(rawKey).reduce((best, key) =>
    median(figures.eventsPerSecond[key] ?? []) > median(figures.eventsPerSecond[best] ?? []) ? key : best,
  );
}

/** The median over rounds of a path's rate against the best raw batch size's run in the same round. */
function againstBestSize(figures: DatabaseFigures, key: MethodKey): number {
  const best = bestRawSize(figures);
  return median(figures.roundRates.map((rates) => rates[key]! / rates[best]!));
}

const PRODUCT_PATHS: readonly MethodKey[] = ['productQueued', 'product', 'productPrisma'];

/** The median over rounds of a path's rate against the fastest raw run of the same round. */
function againstFastestRun(figures: DatabaseFigures, key: MethodKey): number {
  return median(figures.roundRates.map((rates, round) => rates[key]! / figures.bestRaw[round]!));
}

function toTable(all: DatabaseFigures[]): ResultTable {
  const rows: string[][] = [];
  for (const figures of all) {
    for (const key of Object.keys(METHOD_LABELS) as MethodKey[]) {
      const rate = median(figures.eventsPerSecond[key] ?? []);
      const strict = PRODUCT_PATHS.includes(key) ? againstFastestRun(figures, key) : null;
      rows.push([
        figures.database,
        METHOD_LABELS[key],
        formatNumber(rate, 0),
        formatRatio(againstBestSize(figures, key)),
        strict === null ? '' : formatRatio(strict),
      ]);
    }
  }
  return {
    caption: `Events written per second (median of ${REPETITIONS} rounds; ${formatNumber(EVENTS, 0)} events of ${EXECUTIONS} executions, every event type). "vs best raw unnest": the median of each round's ratio to the run, in that round, of the raw batch size whose median is highest. "vs fastest raw run": the product rows against the fastest of the four raw runs of each round, a stricter figure (the highest of four noisy runs sits above any one size's typical rate)`,
    columns: ['database', 'path', 'events/s', 'vs best raw unnest', 'vs fastest raw run'],
    rows,
  };
}

function toStageTable(all: DatabaseFigures[]): ResultTable {
  const rows = all.map((figures) => {
    const bestRawUs = 1e6 / median(figures.eventsPerSecond[bestRawSize(figures)] ?? []);
    const productUs = 1e6 / median(figures.eventsPerSecond.product ?? []);
    return [
      figures.database,
      formatNumber(median(figures.stages.record)),
      formatNumber(median(figures.stages.params)),
      formatNumber(median(figures.stages.insertDirect)),
      formatNumber(median(figures.stages.insertPrisma)),
      formatNumber(1e6 / median(figures.eventsPerSecond.productSql ?? [])),
      formatNumber(1e6 / median(figures.eventsPerSecond.unnest500 ?? [])),
      formatNumber(bestRawUs),
      formatNumber(productUs),
    ];
  });
  return {
    caption: `Where the time goes, µs per event (median of ${REPETITIONS}; each stage timed alone, ${PRODUCT_BATCH_SIZE} events per batch)`,
    columns: [
      'database',
      'recorder: stamp + zod',
      'parameters (JSON, times)',
      'insertEvents, driver',
      'insertEvents, Prisma',
      "store's SQL by caller",
      'raw unnest, 500',
      'raw unnest, best',
      'product end to end',
    ],
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

  return {
    name: 'event-write-throughput',
    title: 'events/s through the product write path vs the best raw INSERT … unnest',
    tables: [toTable(all), toStageTable(all)],
    notes: [
      ...all.map(
        (figures) =>
          `${figures.database}: the product write path reaches ${formatRatio(againstBestSize(figures, 'product'))} of the best raw INSERT … unnest (${bestRawSize(figures).slice('unnest'.length)} rows per statement, same round; through Prisma: ${formatRatio(againstBestSize(figures, 'productPrisma'))}), and ${formatRatio(againstFastestRun(figures, 'product'))} of each round's fastest raw run; the write path alone, with the events recorded beforehand, ${formatRatio(againstBestSize(figures, 'productQueued'))}.`,
      ),
      'Raw unnest writes rows already stamped by the recorders (untimed); it times only its parameters (JSON.stringify, ISO times) and the statement. The product path times everything from the first emit to the last publish, zod validation included; the write path alone times from handing the stamped events to the buffer to the last publish (their payloads already serialized by the recorders, as raw unnest’s are not: against the store’s statement sent by the caller, which is built from the same events, the comparison is like for like).',
      "The store's statement adds to raw unnest: each execution of the batch locked once (FOR KEY SHARE) and its claim checked, RETURNING and microsecond times; a batch that meets rows already present is written again with ON CONFLICT DO NOTHING.",
      'On PGlite, every raw path runs through PGlite’s own `query`; PGlite runs in this process, so its figures are for information.',
    ],
    figures: { executions: EXECUTIONS, events: EVENTS, repetitions: REPETITIONS, rawBatchSizes: RAW_BATCH_SIZES, databases: all },
  };
}
