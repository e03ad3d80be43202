import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import {
  createAssistantRepository,
  createEventRecorder,
  createEventStore,
  createRetentionStore,
  createUserRepository,
  DEFAULT_RETENTION_BATCH_SIZE,
  EventWriteBuffer,
  type Database,
  type RetentionSweepResult,
} from '@aae/db';
import { createTestDatabase, startPostgresCluster } from '@aae/db/testing';
import { progressDraft } from './progress-draft.ts';
import type { BenchmarkResult, ResultTable } from './report.ts';
import { formatNumber, max, percentile } from './stats.ts';
import { stopOnSignal } from './stop-on-signal.ts';

const HISTORY_EXECUTIONS = 100_000;
const EVENTS_PER_EXECUTION = 10;
/** One execution in this many finished long ago: the share a sweep deletes. */
const EXPIRED_EVERY = 10;
const KEEP_DAYS = 365;
/** The write path while it runs: this many running executions, each emitting one event per tick. */
const RUNNING_EXECUTIONS = 20;
const TICK_MS = 5;
const BASELINE_MS = 10_000;
const TARGET_STALL_MS = 100;

/** What the write path did during one phase. */
interface WritePhase {
  label: string;
  durationMs: number;
  events: number;
  batches: number;
  /** Gaps between consecutive committed batches, ms. */
  gapsMs: number[];
  /** Each batch's insert, ms. */
  insertsMs: number[];
  eventLoopMaxMs: number;
}

/**
 * Fills the database with `executions` finished executions of one assistant, `eventsPerExecution`
 * events each, in a few SQL statements: one in `expiredEvery` finished `KEEP_DAYS` + 30 days ago,
 * the rest within the last 30 days. Returns the assistant and user, for the writer's executions.
 */
async function generateHistory(database: Database, options: { executions: number; eventsPerExecution: number; expiredEvery: number }) {
  const { prisma } = database;
  const user = await createUserRepository(prisma).ensure({ name: 'bench', email: 'bench@example.test', role: 'member' });
  const assistant = await createAssistantRepository(prisma).create({
    name: 'Retention benchmark',
    inputVariables: [],
    prompts: [{ name: 'Only', position: 1, modelId: 'local', content: 'Say something.' }],
  });
  await prisma.$executeRaw`
    INSERT INTO executions (assistant_id, user_id, status, created_at, started_at, finished_at)
    SELECT ${assistant.id}, ${user.id}, 'completed', t - interval '1 minute', t - interval '1 minute', t
    FROM (
      SELECT i, CASE WHEN i % ${options.expiredEvery} = 0
                  THEN now() - make_interval(days => ${KEEP_DAYS + 30}) + i * interval '1 second'
                  ELSE now() - make_interval(days => 30) + i * interval '1 second' END AS t
      FROM generate_series(1, ${options.executions}) i
    ) g`;
  await prisma.$executeRaw`
    INSERT INTO assistant_architect_events (execution_id, sequence, event_type, event_data, created_at)
    SELECT e.id, s, 'progress',
           jsonb_build_object('currentStep', s, 'totalSteps', ${options.eventsPerExecution}::int, 'percentage', s * 10, 'message', 'Step ' || s,
                              'timestamp', to_char(e.created_at + s * interval '1 ms', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'eventId', e.id || ':' || s),
           e.created_at + s * interval '1 ms'
    FROM executions e CROSS JOIN generate_series(1, ${options.eventsPerExecution}) s
    WHERE e.assistant_id = ${assistant.id}`;
  await prisma.$executeRawUnsafe('ANALYZE executions');
  await prisma.$executeRawUnsafe('ANALYZE assistant_architect_events');
  return { assistantId: assistant.id, userId: user.id };
}

/** Running executions for the writer: never expired, whatever the policy. */
async function runningExecutions(database: Database, owner: { assistantId: number; userId: number }, count: number): Promise<number[]> {
  const rows = await database.prisma.$queryRaw<Array<{ id: number }>>`
    INSERT INTO executions (assistant_id, user_id, status, started_at)
    SELECT ${owner.assistantId}, ${owner.userId}, 'running', now() FROM generate_series(1, ${count})
    RETURNING id`;
  return rows.map((row) => row.id);
}

/**
 * The product's write path: a recorder per running execution feeding one EventWriteBuffer that
 * inserts through the event store, one event per execution every `TICK_MS`, until `until` settles.
 */
async function writeWhile(database: Database, executionIds: number[], label: string, until: Promise<unknown>, firstSequence: number): Promise<WritePhase> {
  const store = createEventStore(database.prisma);
  const commits: number[] = [];
  const insertsMs: number[] = [];
  const buffer = new EventWriteBuffer({
    write: async (batch) => {
      const started = performance.now();
      const result = await store.insertEvents(batch);
      insertsMs.push(performance.now() - started);
      return result;
    },
    onCommitted: () => commits.push(performance.now()),
  });
  const recorders = executionIds.map((executionId) =>
    createEventRecorder({ executionId, lastSequence: firstSequence, enqueue: (event) => buffer.enqueue(event) }),
  );
  const loop = monitorEventLoopDelay({ resolution: 5 });
  loop.enable();
  let done = false;
  void until.finally(() => {
    done = true;
  });
  const started = performance.now();
  let events = 0;
  while (!done) {
    for (const recorder of recorders) recorder.emit(progressDraft(++events, 1_000_000));
    await new Promise((resolve) => setTimeout(resolve, TICK_MS));
  }
  await buffer.flush();
  loop.disable();
  const durationMs = performance.now() - started;
  const stats = buffer.getStats();
  if (stats.failed > 0 || stats.written !== events) throw new Error(`${label}: the write buffer stored ${stats.written} of ${events} events`);
  const gapsMs = commits.slice(1).map((at, index) => at - commits[index]!);
  return { label, durationMs, events, batches: commits.length, gapsMs, insertsMs, eventLoopMaxMs: loop.max / 1e6 };
}

function phaseRow(phase: WritePhase): string[] {
  return [
    phase.label,
    formatNumber(phase.durationMs / 1000, 1),
    formatNumber((phase.events / phase.durationMs) * 1000, 0),
    formatNumber(phase.batches, 0),
    formatNumber(percentile(phase.gapsMs, 50)),
    formatNumber(percentile(phase.gapsMs, 99)),
    formatNumber(max(phase.gapsMs)),
    formatNumber(percentile(phase.insertsMs, 99)),
    formatNumber(max(phase.insertsMs)),
    formatNumber(phase.eventLoopMaxMs),
  ];
}

function toTable(phases: WritePhase[]): ResultTable {
  return {
    caption: `The write path (${RUNNING_EXECUTIONS} running executions, one event each every ${TICK_MS} ms) alone and while a sweep deletes ${100 / EXPIRED_EVERY}% of the history, ms`,
    columns: [
      'phase',
      'seconds',
      'events/s',
      'batches',
      'gap between commits p50',
      'gap p99',
      'longest gap',
      'insert p99',
      'longest insert',
      'event loop max delay',
    ],
    rows: phases.map(phaseRow),
  };
}

async function measure(database: Database) {
  const generateStarted = performance.now();
  const owner = await generateHistory(database, { executions: HISTORY_EXECUTIONS, eventsPerExecution: EVENTS_PER_EXECUTION, expiredEvery: EXPIRED_EVERY });
  const generateMs = performance.now() - generateStarted;
  const eventsBefore = await database.prisma.assistantArchitectEvent.count();
  const writers = await runningExecutions(database, owner, RUNNING_EXECUTIONS);
  const retention = createRetentionStore(database.prisma);
  await retention.set({ assistantId: null, keepDays: KEEP_DAYS, updatedById: owner.userId });

  const baseline = await writeWhile(database, writers, 'writes alone', new Promise((resolve) => setTimeout(resolve, BASELINE_MS)), 0);
  const batchesMs: number[] = [];
  let sweepMs = 0;
  let sweep: RetentionSweepResult | null = null;
  const sweeping = (async () => {
    const started = performance.now();
    const total: RetentionSweepResult = { executions: 0, events: 0, batches: 0, byPolicy: [] };
    // One batch per call, to time each transaction; `sweep` without `maxBatches` runs the same loop.
    for (;;) {
      const batchStarted = performance.now();
      const batch = await retention.sweep({ batchSize: DEFAULT_RETENTION_BATCH_SIZE, maxBatches: 1 });
      if (batch.batches === 0) break;
      batchesMs.push(performance.now() - batchStarted);
      total.executions += batch.executions;
      total.events += batch.events;
      total.batches += batch.batches;
    }
    sweepMs = performance.now() - started;
    sweep = total;
  })();
  const during = await writeWhile(database, writers, 'writes during the sweep', sweeping, baseline.events);
  await sweeping;
  return { generateMs, eventsBefore, baseline, during, sweep: sweep as RetentionSweepResult | null, sweepMs, batchesMs };
}

/** Retention deleting a tenth of a million-event table while the product's write path runs. */
export async function runRetention(): Promise<BenchmarkResult> {
  const cluster = await startPostgresCluster();
  const release = stopOnSignal(cluster);
  let figures: Awaited<ReturnType<typeof measure>>;
  try {
    const database = await createTestDatabase('postgres', cluster.url);
    try {
      figures = await measure(database);
    } finally {
      await database.close();
    }
  } finally {
    release();
    cluster.stop();
  }
  const { baseline, during, sweep, sweepMs, batchesMs, eventsBefore, generateMs } = figures;
  if (!sweep) throw new Error('the sweep did not finish');
  const longestStall = Math.max(max(during.gapsMs), max(during.insertsMs));
  const sweepTable: ResultTable = {
    caption: `The sweep (PostgreSQL 15 server, ${formatNumber(DEFAULT_RETENTION_BATCH_SIZE, 0)} executions per transaction)`,
    columns: [
      'events before',
      'executions deleted',
      'events deleted',
      'share of events',
      'transactions',
      'seconds',
      'events deleted/s',
      'transaction p50 ms',
      'longest transaction ms',
    ],
    rows: [
      [
        formatNumber(eventsBefore, 0),
        formatNumber(sweep.executions, 0),
        formatNumber(sweep.events, 0),
        `${formatNumber((sweep.events / eventsBefore) * 100, 1)}%`,
        formatNumber(sweep.batches, 0),
        formatNumber(sweepMs / 1000, 1),
        formatNumber((sweep.events / sweepMs) * 1000, 0),
        formatNumber(percentile(batchesMs, 50)),
        formatNumber(max(batchesMs)),
      ],
    ],
  };
  return {
    name: 'retention',
    title: `retention deletes ${100 / EXPIRED_EVERY}% of a ${formatNumber(eventsBefore, 0)}-event table while events are written`,
    tables: [sweepTable, toTable([baseline, during])],
    notes: [
      `Longest write stall during the sweep (gap between committed batches, or one insert): ${formatNumber(longestStall)} ms, against ${formatNumber(Math.max(max(baseline.gapsMs), max(baseline.insertsMs)))} ms without it; target under ${TARGET_STALL_MS} ms: ${longestStall < TARGET_STALL_MS ? 'met' : 'NOT met'}.`,
      `History made with generate_series in ${formatNumber(generateMs / 1000, 1)} s: ${formatNumber(HISTORY_EXECUTIONS, 0)} completed executions of ${EVENTS_PER_EXECUTION} progress events, one in ${EXPIRED_EVERY} finished past the ${KEEP_DAYS}-day installation-wide policy.`,
      "The sweep and the writer share one Node process and the database (as in a worker); the writer's executions are running, so never swept. Gaps include the buffer's own flush delay: compare the two rows.",
    ],
    figures: {
      eventsBefore,
      sweep: { ...sweep, durationMs: sweepMs, transactionsMs: batchesMs },
      longestStallMs: longestStall,
      targetStallMs: TARGET_STALL_MS,
      phases: [baseline, during].map(({ gapsMs, insertsMs, ...phase }) => ({
        ...phase,
        gapP99Ms: percentile(gapsMs, 99),
        longestGapMs: max(gapsMs),
        insertP99Ms: percentile(insertsMs, 99),
        longestInsertMs: max(insertsMs),
      })),
    },
  };
}
