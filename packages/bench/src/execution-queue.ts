/**
 * The durable execution queue on PostgreSQL, with real worker processes: throughput and
 * queued → running latency of 1,000 short executions with 1, 2 and 4 workers, against the claim
 * statement alone in a loop; and the time from SIGKILL of a worker to its execution running again
 * on the other.
 */
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { claimSql, createAssistantRepository, createUserRepository, EXECUTION_LOCK_CLASS, QUEUE_CHANNEL, type PrismaClient } from '@aae/db';
import { createTestDatabase, startPostgresCluster, type TestDatabase } from '@aae/db/testing';
import pg from 'pg';
import { startChildServer, type ChildServer } from './child-server.ts';
import { wallClockMs } from './clock.ts';
import type { ExecutionQueueWorkerMethods } from './execution-queue-worker.ts';
import { describeMachine, resultToMarkdown, type BenchmarkResult, type ResultTable } from './report.ts';
import { formatNumber, formatRatio, max, median, percentile } from './stats.ts';
import { envList, envNumber } from './env-settings.ts';
import { stopOnSignal } from './stop-on-signal.ts';

/** Executions queued at once per measured run. */
const EXECUTIONS = envNumber('QUEUE_BENCH_EXECUTIONS', 1_000);
/** Worker processes per run. */
const WORKER_COUNTS = envList('QUEUE_BENCH_WORKERS', [1, 2, 4]);
/** `WORKER_CONCURRENCY` of each worker process. */
const CONCURRENCY = envNumber('QUEUE_BENCH_CONCURRENCY', 8);
/** SIGKILLs in the crash part. */
const CRASHES = envNumber('QUEUE_BENCH_CRASHES', 5);
/** `EXECUTION_SWEEP_MS`: the product's default. */
const SWEEP_MS = envNumber('QUEUE_BENCH_SWEEP_MS', 2_000);
/** The queued executions belong to this many people, so the claim's turn-taking has work to do. */
const PEOPLE = 10;
const WARM_UP_EXECUTIONS = 50;
/** Then executions queued one at a time at a steady rate well under capacity: the pick-up latency without a backlog. */
const PACED_EXECUTIONS = envNumber('QUEUE_BENCH_PACED', 100);
const PACED_PER_SECOND = 10;
const RAW_REPETITIONS = 3;
/** The crash part's executions: several prompts, the local model writing a chunk every 20 ms. */
const LONG_PROMPTS = 5;
const LONG_CHUNK_DELAY_MS = 20;
const EXECUTIONS_PER_CRASH = 4;
const POLL_MS = 5;
const PHASE_LIMIT_MS = envNumber('QUEUE_BENCH_PHASE_TIMEOUT_S', 300) * 1_000;

type Worker = ChildServer<ExecutionQueueWorkerMethods> & { workerId: string; pid: number };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` every few ms until it returns a value (not undefined), or fails after the phase limit. */
async function pollUntil<T>(what: string, check: () => Promise<T | undefined>, limitMs = PHASE_LIMIT_MS): Promise<T> {
  const deadline = Date.now() + limitMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${limitMs / 1000} s`);
    await sleep(POLL_MS);
  }
}

async function startWorker(databaseUrl: string, chunkDelayMs: number): Promise<Worker> {
  const child = await startChildServer<ExecutionQueueWorkerMethods>(new URL('./execution-queue-worker.ts', import.meta.url), [
    databaseUrl,
    String(CONCURRENCY),
    String(chunkDelayMs),
    String(SWEEP_MS),
  ]);
  try {
    return Object.assign(child, { workerId: await child.call('workerId'), pid: await child.call('pid') });
  } catch (error) {
    await child.stop();
    throw error;
  }
}

/** Worker processes, started one after another (each start seeds the demo data once). */
async function startWorkers(databaseUrl: string, count: number, chunkDelayMs: number): Promise<Worker[]> {
  const workers: Worker[] = [];
  try {
    for (let index = 0; index < count; index++) workers.push(await startWorker(databaseUrl, chunkDelayMs));
    return workers;
  } catch (error) {
    await Promise.allSettled(workers.map((worker) => worker.stop()));
    throw error;
  }
}

interface Seeded {
  userIds: number[];
  assistantId: number;
}

/** People who own the executions, and an assistant of `prompts` prompts on the `local` model. */
async function seed(prisma: PrismaClient, prompts: number): Promise<Seeded> {
  const users = createUserRepository(prisma);
  const userIds: number[] = [];
  for (let index = 0; index < PEOPLE; index++) {
    userIds.push((await users.ensure({ name: `bench ${index}`, email: `bench-${index}@example.test`, role: 'member' })).id);
  }
  const assistant = await createAssistantRepository(prisma).create({
    name: `Queue benchmark, ${prompts} prompt(s)`,
    inputVariables: [],
    prompts: Array.from({ length: prompts }, (_, index) => ({
      name: `Step ${index + 1}`,
      position: index + 1,
      modelId: 'local',
      content: `Summarise the queue benchmark, step ${index + 1}: throughput, latency and recovery.`,
    })),
  });
  return { userIds, assistantId: assistant.id };
}

/**
 * Queues `count` executions as `executions.execute` does — rows inserted with status `pending`,
 * then a NOTIFY on the queue channel — but in one INSERT, so all are queued at one instant (a
 * burst), spread round-robin over the people. Returns their ids.
 */
async function enqueue(client: pg.Client, seeded: Seeded, count: number): Promise<number[]> {
  const { rows } = await client.query<{ id: number }>(
    `INSERT INTO executions (assistant_id, user_id, input)
     SELECT $1, ($2::int[])[1 + (n % cardinality($2::int[]))], '{}'::jsonb FROM generate_series(0, $3 - 1) AS n
     RETURNING id`,
    [seeded.assistantId, seeded.userIds, count],
  );
  await client.query('SELECT pg_notify($1, $2)', [QUEUE_CHANNEL, '']);
  return rows.map((row) => row.id).sort((a, b) => a - b);
}

async function openClient(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  return client;
}

/** Waits until every one of `ids` has finished; fails if any failed. */
async function awaitFinished(client: pg.Client, ids: number[], what: string): Promise<void> {
  const finished = await pollUntil(what, async () => {
    const { rows } = await client.query<{ done: number; failed: number }>(
      `SELECT count(*) FILTER (WHERE status IN ('completed', 'failed'))::int AS done, count(*) FILTER (WHERE status = 'failed')::int AS failed
       FROM executions WHERE id = ANY($1::int[])`,
      [ids],
    );
    const row = rows[0]!;
    return row.done === ids.length ? row : undefined;
  });
  if (finished.failed > 0) {
    const { rows } = await client.query<{ id: number; error: string | null }>(
      `SELECT id, error FROM executions WHERE id = ANY($1::int[]) AND status = 'failed' LIMIT 3`,
      [ids],
    );
    throw new Error(`${what}: ${finished.failed} execution(s) failed, e.g. ${JSON.stringify(rows)}`);
  }
}

// ---------------------------------------------------------------- baseline: the claim alone

interface RawClaimFigures {
  /** Claim + mark done + unlock, one execution at a time, per second (one per repetition). */
  claimsPerSecond: number[];
  /** The claim statement's round trip, all repetitions' claims together. */
  claimMs: { p50: number; p99: number; max: number };
}

/**
 * The product's claim statement (`claimSql(true)`, with its session lock) over `pg` on one
 * connection, one execution at a time, each then marked completed and its lock released: the
 * queue with no execution work at all.
 */
async function measureRawClaims(clusterUrl: string): Promise<RawClaimFigures> {
  const claimsPerSecond: number[] = [];
  const claimMs: number[] = [];
  for (let repetition = 0; repetition < RAW_REPETITIONS + 1; repetition++) {
    const database = await createTestDatabase('postgres', clusterUrl);
    const client = await openClient(database.url!);
    try {
      const seeded = await seed(database.prisma, 1);
      // The first round is a warm-up on a smaller queue.
      const warmUp = repetition === 0;
      const ids = await enqueue(client, seeded, warmUp ? WARM_UP_EXECUTIONS : EXECUTIONS);
      const sql = claimSql(true);
      const started = performance.now();
      for (let claimed = 0; ; claimed++) {
        const before = performance.now();
        const { rows } = await client.query<{ id: number; locked: boolean }>(sql, ['raw-claim-loop', 1]);
        const took = performance.now() - before;
        const row = rows[0];
        if (!row) {
          if (claimed !== ids.length) throw new Error(`the raw claim loop claimed ${claimed} of ${ids.length}`);
          break;
        }
        if (!row.locked) throw new Error(`the raw claim loop did not get the session lock of ${row.id}`);
        if (!warmUp) claimMs.push(took);
        await client.query(`UPDATE executions SET status = 'completed', finished_at = now() WHERE id = $1`, [row.id]);
        await client.query('SELECT pg_advisory_unlock($1, $2)', [EXECUTION_LOCK_CLASS, row.id]);
      }
      if (!warmUp) claimsPerSecond.push(ids.length / ((performance.now() - started) / 1_000));
    } finally {
      await client.end();
      await database.close();
    }
  }
  return { claimsPerSecond, claimMs: { p50: percentile(claimMs, 50), p99: percentile(claimMs, 99), max: max(claimMs) } };
}

// ---------------------------------------------------------------- the product: N worker processes

interface WorkerRunFigures {
  workers: number;
  /** First queued (DB clock) → last finished. */
  drainMs: number;
  executionsPerSecond: number;
  /** `created_at` → `started_at`, both the database's clock. */
  waitMs: { p50: number; p99: number; max: number };
  /** The workers' own `recentWaitsMs` (queued → claimed, from the claim's RETURNING). */
  workerWaitMs: { p50: number; p99: number };
  /** The same, for executions queued one at a time at `PACED_PER_SECOND`. */
  pacedWaitMs: { p50: number; p99: number; max: number };
  /** `started_at` → `finished_at`: one execution's run. */
  runMs: { p50: number; p99: number };
  /** Executions each worker ran (by `executions.worker_id`), in start order. */
  perWorker: number[];
  /** The worker processes' CPU time per execution (not the PostgreSQL server's). */
  workerCpuMsPerExecution: number;
}

/** Queues executions one at a time at a steady rate; returns their queued → running latencies. */
async function measurePaced(client: pg.Client, seeded: Seeded): Promise<{ p50: number; p99: number; max: number }> {
  const ids: number[] = [];
  const started = performance.now();
  for (let index = 0; index < PACED_EXECUTIONS; index++) {
    // The schedule, not a condition: each is queued at its time whatever the others did.
    const due = started + (index * 1_000) / PACED_PER_SECOND - performance.now();
    if (due > 0) await sleep(due);
    ids.push(...(await enqueue(client, seeded, 1)));
  }
  await awaitFinished(client, ids, `${PACED_EXECUTIONS} paced executions`);
  const { rows } = await client.query<{ wait_ms: number }>(
    'SELECT EXTRACT(EPOCH FROM started_at - created_at) * 1000 AS wait_ms FROM executions WHERE id = ANY($1::int[])',
    [ids],
  );
  const waits = rows.map((row) => Number(row.wait_ms));
  return { p50: percentile(waits, 50), p99: percentile(waits, 99), max: max(waits) };
}

async function measureWorkers(clusterUrl: string, count: number): Promise<WorkerRunFigures> {
  const database: TestDatabase = await createTestDatabase('postgres', clusterUrl);
  const client = await openClient(database.url!);
  try {
    const seeded = await seed(database.prisma, 1);
    const workers = await startWorkers(database.url!, count, 0);
    try {
      // Compiles every code path and fills the connection pools before anything is measured.
      await awaitFinished(client, await enqueue(client, seeded, WARM_UP_EXECUTIONS), 'the warm-up');
      const cpuBefore = await Promise.all(workers.map((worker) => worker.call('cpu')));
      const ids = await enqueue(client, seeded, EXECUTIONS);
      await awaitFinished(client, ids, `${EXECUTIONS} executions on ${count} worker(s)`);
      const cpuUs = (await Promise.all(workers.map((worker) => worker.call('cpu')))).reduce((total, cpu, index) => total + cpu - cpuBefore[index]!, 0);
      const stats = await Promise.all(workers.map((worker) => worker.call('stats')));

      const { rows } = await client.query<{ wait_ms: number; run_ms: number; worker_id: string; drain_ms: number }>(
        `SELECT EXTRACT(EPOCH FROM started_at - created_at) * 1000 AS wait_ms,
                EXTRACT(EPOCH FROM finished_at - started_at) * 1000 AS run_ms,
                worker_id,
                EXTRACT(EPOCH FROM max(finished_at) OVER () - min(created_at) OVER ()) * 1000 AS drain_ms
         FROM executions WHERE id = ANY($1::int[])`,
        [ids],
      );
      const waits = rows.map((row) => Number(row.wait_ms));
      const runs = rows.map((row) => Number(row.run_ms));
      const drainMs = Number(rows[0]!.drain_ms);
      // The last EXECUTIONS waits each worker saw, of those it recorded (the warm-up's come first).
      const workerWaits = stats.flatMap((stat, index) => {
        const ran = rows.filter((row) => row.worker_id === workers[index]!.workerId).length;
        return stat.recentWaitsMs.slice(-ran);
      });
      const pacedWaitMs = await measurePaced(client, seeded);
      const perWorker = workers.map((worker) => rows.filter((row) => row.worker_id === worker.workerId).length);
      if (perWorker.reduce((total, ran) => total + ran, 0) !== EXECUTIONS) throw new Error(`worker ids do not add up: ${perWorker.join(', ')}`);
      return {
        workers: count,
        drainMs,
        executionsPerSecond: EXECUTIONS / (drainMs / 1_000),
        waitMs: { p50: percentile(waits, 50), p99: percentile(waits, 99), max: max(waits) },
        pacedWaitMs,
        workerWaitMs: { p50: percentile(workerWaits, 50), p99: percentile(workerWaits, 99) },
        runMs: { p50: percentile(runs, 50), p99: percentile(runs, 99) },
        perWorker,
        workerCpuMsPerExecution: cpuUs / 1_000 / EXECUTIONS,
      };
    } finally {
      await Promise.allSettled(workers.map((worker) => worker.stop()));
    }
  } finally {
    await client.end();
    await database.close();
  }
}

// ---------------------------------------------------------------- crash to resume

interface CrashFigures {
  /** Per SIGKILL: kill → the first, and the last, of the dead worker's executions running on the other worker. */
  firstResumedMs: number[];
  lastResumedMs: number[];
  /** Executions that were running on the killed worker, per kill. */
  interrupted: number[];
  /** Each resumed execution stored a `progress` event "Resumed on worker …" and completed. */
  resumedEvents: number;
  promptMs: number;
}

async function measureCrashes(clusterUrl: string): Promise<CrashFigures> {
  const database = await createTestDatabase('postgres', clusterUrl);
  const client = await openClient(database.url!);
  const figures: CrashFigures = { firstResumedMs: [], lastResumedMs: [], interrupted: [], resumedEvents: 0, promptMs: Number.NaN };
  let workers: Worker[] = [];
  try {
    const seeded = await seed(database.prisma, LONG_PROMPTS);
    workers = await startWorkers(database.url!, 2, LONG_CHUNK_DELAY_MS);
    // A warm-up run that is not killed: every code path compiled, and the prompt's duration known.
    const warmUp = await enqueue(client, seeded, EXECUTIONS_PER_CRASH);
    await awaitFinished(client, warmUp, 'the crash warm-up');
    const { rows: durations } = await client.query<{ duration_ms: number }>('SELECT duration_ms FROM prompt_results WHERE execution_id = ANY($1::int[])', [
      warmUp,
    ]);
    figures.promptMs = median(durations.map((row) => row.duration_ms));
    const allResumed: number[] = [];

    for (let crash = 0; crash < CRASHES; crash++) {
      const ids = await enqueue(client, seeded, EXECUTIONS_PER_CRASH);
      // Mid-run: the first execution running, with at least one prompt done and more to go.
      const target = await pollUntil('an execution to be mid-run', async () => {
        const { rows } = await client.query<{ worker_id: string; results: number }>(
          `SELECT e.worker_id, (SELECT count(*)::int FROM prompt_results p WHERE p.execution_id = e.id) AS results
           FROM executions e WHERE e.id = $1 AND e.status = 'running'`,
          [ids[0]],
        );
        const row = rows[0];
        return row && row.results >= 1 && row.results < LONG_PROMPTS ? row : undefined;
      });
      const victim = workers.find((worker) => worker.workerId === target.worker_id);
      const survivor = workers.find((worker) => worker !== victim);
      if (!victim || !survivor) throw new Error(`execution ${ids[0]} runs on an unknown worker ${target.worker_id}`);
      // Everything the victim runs at this moment is interrupted with it.
      const { rows: running } = await client.query<{ id: number; claims: number }>(
        `SELECT id, claims FROM executions WHERE worker_id = $1 AND status = 'running'`,
        [victim.workerId],
      );
      const killedAt = wallClockMs();
      process.kill(victim.pid, 'SIGKILL');
      const resumedAt = new Map<number, number>();
      await pollUntil('the interrupted executions to run again', async () => {
        const { rows } = await client.query<{ id: number; claims: number; worker_id: string | null; status: string }>(
          'SELECT id, claims, worker_id, status FROM executions WHERE id = ANY($1::int[])',
          [running.map((row) => row.id)],
        );
        const now = wallClockMs();
        for (const row of rows) {
          const before = running.find((entry) => entry.id === row.id)!;
          // Queued again (one claim) and claimed again (another), by the survivor.
          if (!resumedAt.has(row.id) && row.claims >= before.claims + 2 && row.worker_id === survivor.workerId && row.status !== 'pending') {
            resumedAt.set(row.id, now);
          }
        }
        return resumedAt.size === running.length ? true : undefined;
      });
      const times = [...resumedAt.values()].map((at) => at - killedAt);
      figures.firstResumedMs.push(Math.min(...times));
      figures.lastResumedMs.push(Math.max(...times));
      figures.interrupted.push(running.length);
      allResumed.push(...running.map((row) => row.id));
      await awaitFinished(client, ids, 'the resumed executions');
      // The next kill again has two workers: a fresh one replaces the victim.
      workers = [survivor, await startWorker(database.url!, LONG_CHUNK_DELAY_MS)];
    }
    const { rows: resumed } = await client.query<{ count: number }>(
      `SELECT count(DISTINCT execution_id)::int AS count FROM assistant_architect_events
       WHERE execution_id = ANY($1::int[]) AND event_type = 'progress' AND event_data->>'message' LIKE 'Resumed%'`,
      [allResumed],
    );
    figures.resumedEvents = resumed[0]!.count;
    if (figures.resumedEvents !== allResumed.length) {
      throw new Error(`${allResumed.length} executions were interrupted, ${figures.resumedEvents} stored a "Resumed" progress event`);
    }
    return figures;
  } finally {
    await Promise.allSettled(workers.map((worker) => worker.stop()));
    await client.end();
    await database.close();
  }
}

// ---------------------------------------------------------------- the report

const ms = (value: number) => formatNumber(value);

function throughputTable(raw: RawClaimFigures, runs: WorkerRunFigures[]): ResultTable {
  const rawRate = median(raw.claimsPerSecond);
  return {
    caption: `Throughput: ${formatNumber(EXECUTIONS, 0)} executions queued at once (one INSERT, then NOTIFY), each one prompt on the \`local\` model with no chunk delay; WORKER_CONCURRENCY=${CONCURRENCY} per process`,
    columns: ['path', 'executions/s', 'vs raw claims', 'drain (s)', 'run of one, p50 (ms)', 'ran per worker', 'worker CPU per execution (ms)'],
    rows: [
      [
        `baseline: \`claimSql\` alone over \`pg\`, 1 at a time, then marked done (median of ${RAW_REPETITIONS})`,
        formatNumber(rawRate, 0),
        '1.00×',
        formatNumber(EXECUTIONS / rawRate, 2),
        '—',
        '—',
        '—',
      ],
      ...runs.map((run) => [
        `product: ${run.workers} worker process${run.workers === 1 ? '' : 'es'}`,
        formatNumber(run.executionsPerSecond, 0),
        formatRatio(run.executionsPerSecond / rawRate),
        formatNumber(run.drainMs / 1_000, 2),
        ms(run.runMs.p50),
        run.perWorker.join(' / '),
        ms(run.workerCpuMsPerExecution),
      ]),
    ],
  };
}

function latencyTable(raw: RawClaimFigures, runs: WorkerRunFigures[]): ResultTable {
  return {
    caption: `Queued → running in ms (\`started_at − created_at\`, the database's clock): the burst of ${formatNumber(EXECUTIONS, 0)} above, and ${PACED_EXECUTIONS} queued one at a time at ${PACED_PER_SECOND}/s (no backlog)`,
    columns: ['path', 'burst p50', 'burst p99', 'burst max', 'paced p50', 'paced p99', 'paced max'],
    rows: [
      ['baseline: one claim statement (no queue wait)', ms(raw.claimMs.p50), ms(raw.claimMs.p99), ms(raw.claimMs.max), '—', '—', '—'],
      ...runs.map((run) => [
        `product: ${run.workers} worker process${run.workers === 1 ? '' : 'es'}`,
        ms(run.waitMs.p50),
        ms(run.waitMs.p99),
        ms(run.waitMs.max),
        ms(run.pacedWaitMs.p50),
        ms(run.pacedWaitMs.p99),
        ms(run.pacedWaitMs.max),
      ]),
    ],
  };
}

function claimTable(raw: RawClaimFigures): ResultTable {
  return {
    caption: `The claim statement alone: one round trip, over ${formatNumber(EXECUTIONS * RAW_REPETITIONS, 0)} claims from a queue of ${formatNumber(EXECUTIONS, 0)} emptying to 0`,
    columns: ['claims/s (claim + mark done + unlock)', 'claim p50 (ms)', 'claim p99 (ms)', 'claim max (ms)'],
    rows: [[raw.claimsPerSecond.map((rate) => formatNumber(rate, 0)).join(', '), ms(raw.claimMs.p50), ms(raw.claimMs.p99), ms(raw.claimMs.max)]],
  };
}

function crashTable(crash: CrashFigures): ResultTable {
  const row = (label: string, samples: number[]) => [label, ms(Math.min(...samples)), ms(median(samples)), ms(max(samples))];
  return {
    caption: `SIGKILL of the worker running an execution mid-run (2 workers, ${CRASHES} kills, ${LONG_PROMPTS}-prompt executions with a ${LONG_CHUNK_DELAY_MS} ms chunk delay, ${EXECUTIONS_PER_CRASH} queued per kill; EXECUTION_SWEEP_MS=${SWEEP_MS}): ms from the kill until running again on the other worker`,
    columns: ['', 'min', 'median', 'max'],
    rows: [row('the first of its executions', crash.firstResumedMs), row('the last of its executions', crash.lastResumedMs)],
  };
}

export async function runExecutionQueue(): Promise<BenchmarkResult> {
  const cluster = await startPostgresCluster();
  const release = stopOnSignal(cluster);
  let raw: RawClaimFigures;
  const runs: WorkerRunFigures[] = [];
  let crash: CrashFigures;
  try {
    raw = await measureRawClaims(cluster.url);
    console.error(`[execution-queue] raw claims: ${raw.claimsPerSecond.map((rate) => formatNumber(rate, 0)).join(', ')}/s`);
    for (const count of WORKER_COUNTS) {
      runs.push(await measureWorkers(cluster.url, count));
      console.error(`[execution-queue] ${count} worker(s): ${formatNumber(runs.at(-1)!.executionsPerSecond, 0)} executions/s`);
    }
    crash = await measureCrashes(cluster.url);
  } finally {
    release();
    cluster.stop();
  }
  const rawRate = median(raw.claimsPerSecond);
  const best = runs.reduce((top, run) => (run.executionsPerSecond > top.executionsPerSecond ? run : top), runs[0]!);
  return {
    name: 'execution-queue',
    title: 'durable executions on PostgreSQL: throughput and queued → running latency with 1, 2, 4 worker processes vs the claim alone; crash to resume',
    tables: [throughputTable(raw, runs), latencyTable(raw, runs), claimTable(raw), crashTable(crash)],
    notes: [
      `Each worker is its own process running the product's worker role (\`startApp({ role: 'worker' })\`), WORKER_CONCURRENCY=${CONCURRENCY}, on a fresh database in a PostgreSQL 15 server started for the run; usage limits off, response cache off. ${formatNumber(WARM_UP_EXECUTIONS, 0)} executions warm each run up first.`,
      `The ${formatNumber(EXECUTIONS, 0)} executions belong to ${PEOPLE} people (round-robin) and are queued by one INSERT, so queued → running (\`started_at − created_at\`, both the database's clock) is mostly the wait behind the backlog: about half the drain time at p50. The workers' own \`recentWaitsMs\` agree: p50 ${runs.map((run) => ms(run.workerWaitMs.p50)).join(' / ')} ms, p99 ${runs.map((run) => ms(run.workerWaitMs.p99)).join(' / ')} ms.`,
      `Best: ${best.workers} worker(s) at ${formatNumber(best.executionsPerSecond, 0)} executions/s, ${formatRatio(best.executionsPerSecond / rawRate)} of the claim loop's ${formatNumber(rawRate, 0)}/s.`,
      `Crash: ${crash.interrupted.join(', ')} execution(s) were running on the killed worker at each kill; every one stored a "Resumed on worker …" progress event and completed. One prompt takes ${ms(crash.promptMs)} ms (median).`,
    ],
    figures: {
      executions: EXECUTIONS,
      concurrency: CONCURRENCY,
      sweepMs: SWEEP_MS,
      people: PEOPLE,
      raw,
      runs,
      crash,
    },
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const machine = describeMachine();
  console.log(`${machine.cores} cores (${machine.cpuModel}), Node ${machine.node}, ${machine.date}, load average ${machine.loadAverage.toFixed(2)}\n`);
  console.log(resultToMarkdown(await runExecutionQueue()));
}
