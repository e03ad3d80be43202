import { transformer } from '@aae/api/transformer';
import { bindExecutionId, SEED_SQL, startPostgresCluster } from '@aae/db/testing';
import pg from 'pg';
import { startChildServer, type ChildServer } from './child-server.ts';
import { measureClockOffset, wallClockMs, type ClockOffset } from './clock.ts';
import type { ConnectionPlan, ScaleClientMethods } from './live-delivery-scale-client.ts';
import type { PlainScaleServerMethods } from './live-delivery-scale-plain-server.ts';
import type { ProductScaleServerMethods } from './live-delivery-scale-product-server.ts';
import type { BenchmarkResult, ResultTable } from './report.ts';
import { formatNumber, formatRatio, max, median, percentile } from './stats.ts';
import { envList, envNumber } from './env-settings.ts';
import { stopOnSignal } from './stop-on-signal.ts';

/** Open connections watching one execution. */
const CONNECTION_COUNTS = envList('LIVE_SCALE_N', [1_000, 5_000, 10_000]);
/** Open connections spread over N/10 executions, ten watchers each. */
const SPREAD_COUNTS = envList('LIVE_SCALE_SPREAD_N', [1_000, 10_000]);
const WATCHERS_PER_SPREAD_EXECUTION = 10;
/** Events published per phase, one at a time. */
const EVENTS = envNumber('LIVE_SCALE_K', 5);
const REPLAY_EVENTS = envNumber('LIVE_SCALE_REPLAY_EVENTS', 10_000);
const REPLAYERS = envNumber('LIVE_SCALE_REPLAYERS', 100);
/** The raw reads' pool: the size of the product's own (`PrismaPg({ max: 10 })`). */
const RAW_POOL_SIZE = 10;
const RAW_REPETITIONS = 3;
const CLIENT_PROCESSES = envNumber('LIVE_SCALE_CLIENTS', 2);
const PHASE_LIMIT_MS = envNumber('LIVE_SCALE_PHASE_TIMEOUT_S', 120) * 1_000;
const WARM_UP_CONNECTIONS = 10;
const WARM_UP_EVENTS = 2;

type PathKey = 'plain' | 'seed' | 'typed';
const PATHS: PathKey[] = ['plain', 'seed', 'typed'];
const PATH_LABELS: Record<PathKey, string> = {
  plain: 'baseline: plain http SSE, one shared Buffer per event',
  seed: 'product: seed endpoint `/api/assistant-architect/events/:id`',
  typed: 'product: typed subscription `events.onExecutionEvent`',
};

/** A phase that ran out of time: reported as such, unlike a failed connection or a lost event, which fail the run. */
class PhaseTimeout extends Error {
  override name = 'PhaseTimeout';
}

async function withinPhase<T>(promise: Promise<T>, deadline: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    // A little after the clients' own limit, whose refusal says how far they got.
    timer = setTimeout(() => reject(new PhaseTimeout(`${what} did not finish within ${PHASE_LIMIT_MS / 1000} s`)), Math.max(0, deadline - Date.now()) + 2_000);
  });
  try {
    return await Promise.race([promise, timeout]);
  } catch (error) {
    // The client's own wait ran out first.
    const detail = error instanceof Error ? /TIMEOUT: (.*)/.exec(error.message)?.[1] : undefined;
    if (detail) throw new PhaseTimeout(`${what} did not finish within ${PHASE_LIMIT_MS / 1000} s: ${detail}`);
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

/** One server under test, whichever it is, as the phases use it. */
interface Target {
  key: PathKey;
  url: string;
  clock: ClockOffset;
  headers: Record<string, string>;
  pathFor(executionId: number): string;
  prepare(count: number): Promise<number[]>;
  /** Resolves (with the time, this process's clock) once every stream is live; null when a stream is live as soon as it has its first frame. */
  awaitLive(executionIds: number[], streams: number, deadline: number): Promise<number | null>;
  publish(executionIds: number[], sequence: number, total: number): Promise<Record<string, number>>;
  publishedAt(eventIds: string[]): Promise<Record<string, number>>;
  cpuUs(): Promise<number>;
  memory(): Promise<{ rss: number; heap: number }>;
  stop(): Promise<void>;
}

interface Client {
  child: ChildServer<ScaleClientMethods>;
  clock: ClockOffset;
}

async function startPlain(): Promise<Target> {
  const server: ChildServer<PlainScaleServerMethods> = await startChildServer(new URL('./live-delivery-scale-plain-server.ts', import.meta.url));
  let nextExecution = 1;
  return {
    key: 'plain',
    url: server.url,
    clock: await measureClockOffset(() => server.call('clock')),
    headers: {},
    pathFor: (executionId) => `/events/${executionId}`,
    async prepare(count) {
      return Array.from({ length: count }, () => nextExecution++);
    },
    awaitLive: async () => null,
    publish: (executionIds, sequence, total) => server.call('publish', { executionIds, sequence, total }),
    publishedAt: async () => ({}),
    cpuUs: () => server.call('cpu'),
    memory: () => server.call('memory'),
    stop: () => server.stop(),
  };
}

/** The URL `httpSubscriptionLink` builds for a subscription (its `getUrl`: the serialized input, JSON, percent-encoded). */
function typedSubscriptionPath(executionId: number): string {
  return `/trpc/events.onExecutionEvent?input=${encodeURIComponent(JSON.stringify(transformer.input.serialize({ executionId })))}`;
}

async function startProduct(
  key: 'seed' | 'typed',
  clusterUrl: string,
): Promise<Target & { seedFinished(events: number): Promise<{ executionId: number; databaseUrl: string }> }> {
  const server: ChildServer<ProductScaleServerMethods> = await startChildServer(new URL('./live-delivery-scale-product-server.ts', import.meta.url), [
    clusterUrl,
  ]);
  try {
    return {
      key,
      url: server.url,
      clock: await measureClockOffset(() => server.call('clock')),
      headers: { authorization: `Bearer ${await server.call('token')}` },
      pathFor: key === 'seed' ? (executionId) => `/api/assistant-architect/events/${executionId}` : typedSubscriptionPath,
      prepare: (count) => server.call('prepare', { count }),
      async awaitLive(_executionIds, streams, deadline) {
        // Live once the core has every stream caught up (it shares history reads, so they are not counted per stream).
        for (;;) {
          const live = await server.call('liveWatchers');
          if (live >= streams) return wallClockMs();
          if (Date.now() > deadline) throw new PhaseTimeout(`only ${live} of ${streams} streams were live within ${PHASE_LIMIT_MS / 1000} s`);
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
      },
      publish: (executionIds, sequence, total) => server.call('publish', { executionIds, sequence, total }),
      publishedAt: (eventIds) => server.call('publishedAt', { eventIds }),
      cpuUs: () => server.call('cpu'),
      memory: () => server.call('memory'),
      stop: () => server.stop(),
      seedFinished: (events) => server.call('seedFinished', { events }),
    };
  } catch (error) {
    await server.stop();
    throw error;
  }
}

function startTarget(key: PathKey, clusterUrl: string): Promise<Target> {
  return key === 'plain' ? startPlain() : startProduct(key, clusterUrl);
}

/** Connections spread over the client processes; returns when the first started and the last attached (this process's clock). */
async function connectAll(target: Target, clients: Client[], plans: ConnectionPlan[], recordArrivals: boolean, deadline: number) {
  const attaches = await withinPhase(
    Promise.all(
      clients.map((client, index) =>
        client.child.call('connect', {
          url: target.url,
          headers: target.headers,
          plans: plans.filter((_, planIndex) => planIndex % clients.length === index),
          recordArrivals,
        }),
      ),
    ),
    deadline,
    `attaching ${plans.length} streams`,
  );
  return {
    startedAt: Math.min(...attaches.map((attach, index) => attach.startedAt - clients[index]!.clock.offsetMs)),
    attachedAt: Math.max(...attaches.map((attach, index) => attach.attachedAt - clients[index]!.clock.offsetMs)),
  };
}

async function clientCpuUs(clients: Client[]): Promise<number[]> {
  return Promise.all(clients.map((client) => client.child.call('cpu')));
}

interface LiveFigures {
  connections: number;
  executions: number;
  events: number;
  attachMs: number;
  rssPerConnectionBytes: number;
  heapPerConnectionBytes: number;
  serverCpuUsPerDelivery: number;
  /** The busiest client process's CPU time over the publish phase, as a share of one core. */
  clientBusiest: number;
  clientCpuUsPerDelivery: number;
  /** Emit → arrival, one sample per event per connection. */
  latency: { firstP50: number; p50: number; p99: number; max: number };
  /** Bus publish → arrival (product only; null for the baseline). */
  fromPublish: { p50: number; p99: number } | null;
  publishPhaseMs: number;
}

type Outcome = { figures: LiveFigures } | { didNotFinish: string };

async function livePhase(target: Target, clients: Client[], shape: { executions: number; watchersEach: number; events: number }): Promise<LiveFigures> {
  const deadline = Date.now() + PHASE_LIMIT_MS;
  const executionIds = await target.prepare(shape.executions);
  const plans = executionIds.flatMap((executionId) => Array.from({ length: shape.watchersEach }, () => ({ path: target.pathFor(executionId), executionId })));
  try {
    const before = await target.memory();
    const attach = await connectAll(target, clients, plans, true, deadline);
    const liveAt = await target.awaitLive(executionIds, plans.length, deadline);
    const attachMs = Math.max(attach.attachedAt, liveAt ?? 0) - attach.startedAt;
    const after = await target.memory();

    const serverCpuBefore = await target.cpuUs();
    const clientCpuBefore = await clientCpuUs(clients);
    const publishStart = wallClockMs();
    const emittedAt = new Map<string, number>();
    const arrivals = new Map<string, number[]>();
    for (let sequence = 1; sequence <= shape.events; sequence++) {
      const emitted = await target.publish(executionIds, sequence, shape.events);
      const received = await withinPhase(
        Promise.all(clients.map((client) => client.child.call('awaitSequence', { sequence, timeoutMs: Math.max(1, deadline - Date.now()) }))),
        deadline,
        `delivering event ${sequence} of ${shape.events} to ${plans.length} streams`,
      );
      for (const [eventId, at] of Object.entries(emitted)) {
        emittedAt.set(eventId, at - target.clock.offsetMs);
        const times = received.flatMap((result, index) => (result.arrivals[eventId] ?? []).map((arrival) => arrival - clients[index]!.clock.offsetMs));
        if (times.length !== shape.watchersEach) throw new Error(`${eventId} reached ${times.length} of its ${shape.watchersEach} streams`);
        arrivals.set(eventId, times);
      }
    }
    const publishPhaseMs = wallClockMs() - publishStart;
    const serverCpuUs = (await target.cpuUs()) - serverCpuBefore;
    const clientCpu = (await clientCpuUs(clients)).map((cpu, index) => cpu - clientCpuBefore[index]!);

    const deliveries = plans.length * shape.events;
    const latencies: number[] = [];
    const first: number[] = [];
    for (const [eventId, times] of arrivals) {
      const emitted = emittedAt.get(eventId)!;
      for (const at of times) latencies.push(at - emitted);
      first.push(Math.min(...times) - emitted);
    }
    const published = await target.publishedAt([...arrivals.keys()]);
    const fromPublish = [...arrivals].flatMap(([eventId, times]) =>
      published[eventId] === undefined ? [] : times.map((at) => at - (published[eventId]! - target.clock.offsetMs)),
    );
    return {
      connections: plans.length,
      executions: shape.executions,
      events: shape.events,
      attachMs,
      rssPerConnectionBytes: (after.rss - before.rss) / plans.length,
      heapPerConnectionBytes: (after.heap - before.heap) / plans.length,
      serverCpuUsPerDelivery: serverCpuUs / deliveries,
      clientBusiest: max(clientCpu) / 1_000 / publishPhaseMs,
      clientCpuUsPerDelivery: clientCpu.reduce((total, cpu) => total + cpu, 0) / deliveries,
      latency: { firstP50: percentile(first, 50), p50: percentile(latencies, 50), p99: percentile(latencies, 99), max: max(latencies) },
      fromPublish: fromPublish.length === latencies.length ? { p50: percentile(fromPublish, 50), p99: percentile(fromPublish, 99) } : null,
      publishPhaseMs,
    };
  } finally {
    await Promise.all(clients.map((client) => client.child.call('closeAll')));
  }
}

async function outcomeOf(run: () => Promise<LiveFigures>): Promise<Outcome> {
  try {
    return { figures: await run() };
  } catch (error) {
    if (error instanceof PhaseTimeout) return { didNotFinish: error.message };
    throw error;
  }
}

interface ScaleRow {
  path: PathKey;
  connections: number;
  oneExecution: Outcome | null;
  spread: Outcome | null;
}

/** Both phases at one N for one path, in a fresh server process (memory measured from the same start). */
async function measureAt(key: PathKey, connections: number, clusterUrl: string, clients: Client[]): Promise<ScaleRow> {
  const target = await startTarget(key, clusterUrl);
  try {
    // Compiles every code path once before anything is measured.
    await livePhase(target, clients, { executions: 1, watchersEach: WARM_UP_CONNECTIONS, events: WARM_UP_EVENTS });
    const oneExecution = CONNECTION_COUNTS.includes(connections)
      ? await outcomeOf(() => livePhase(target, clients, { executions: 1, watchersEach: connections, events: EVENTS }))
      : null;
    const spread =
      SPREAD_COUNTS.includes(connections) && !(oneExecution && 'didNotFinish' in oneExecution)
        ? await outcomeOf(() =>
            livePhase(target, clients, {
              executions: Math.max(1, Math.round(connections / WATCHERS_PER_SPREAD_EXECUTION)),
              watchersEach: WATCHERS_PER_SPREAD_EXECUTION,
              events: EVENTS,
            }),
          )
        : null;
    return { path: key, connections, oneExecution, spread };
  } finally {
    await target.stop();
  }
}

interface ReplayFigures {
  rawMs: number[];
  seedMs: number | string;
  typedMs: number | string;
  seedServerCpuMs: number | null;
  typedServerCpuMs: number | null;
}

async function replayThroughStreams(
  target: Target,
  clients: Client[],
  executionId: number,
): Promise<{ ms: number; serverCpuMs: number } | { didNotFinish: string }> {
  const deadline = Date.now() + PHASE_LIMIT_MS;
  const plans = Array.from({ length: REPLAYERS }, () => ({ path: target.pathFor(executionId), executionId }));
  try {
    const serverCpuBefore = await target.cpuUs();
    const attach = await connectAll(target, clients, plans, false, deadline).catch((error: unknown) => {
      // Streams already replaying can keep the others from their first frame.
      if (error instanceof PhaseTimeout) throw new PhaseTimeout(`${REPLAYERS} replays: some streams still had no first frame after ${PHASE_LIMIT_MS / 1000} s`);
      throw error;
    });
    const reached = await withinPhase(
      Promise.all(clients.map((client) => client.child.call('awaitSequence', { sequence: REPLAY_EVENTS, timeoutMs: Math.max(1, deadline - Date.now()) }))),
      deadline,
      `${REPLAYERS} replays of ${formatNumber(REPLAY_EVENTS, 0)} events`,
    );
    const doneAt = Math.max(...reached.map((result, index) => result.reachedAt - clients[index]!.clock.offsetMs));
    return { ms: doneAt - attach.startedAt, serverCpuMs: ((await target.cpuUs()) - serverCpuBefore) / 1_000 };
  } catch (error) {
    if (error instanceof PhaseTimeout) return { didNotFinish: error.message };
    throw error;
  } finally {
    await Promise.all(clients.map((client) => client.child.call('closeAll')));
  }
}

/** 100 concurrent readers of one finished execution: through each product path, and as the seed's raw SELECT over a pool. */
async function measureReplay(clusterUrl: string, clients: Client[]): Promise<ReplayFigures> {
  const product = await startProduct('seed', clusterUrl);
  try {
    const { executionId, databaseUrl } = await product.seedFinished(REPLAY_EVENTS);
    const pool = new pg.Pool({ connectionString: databaseUrl, max: RAW_POOL_SIZE });
    const rawMs: number[] = [];
    try {
      const sql = bindExecutionId(SEED_SQL.history);
      await pool.query(sql, [executionId]);
      for (let repetition = 0; repetition < RAW_REPETITIONS; repetition++) {
        const start = wallClockMs();
        const results = await Promise.all(Array.from({ length: REPLAYERS }, () => pool.query(sql, [executionId])));
        rawMs.push(wallClockMs() - start);
        const short = results.find((result) => result.rows.length !== REPLAY_EVENTS);
        if (short) throw new Error(`a raw read returned ${short.rows.length} of ${REPLAY_EVENTS} rows`);
      }
    } finally {
      await pool.end();
    }
    const seed = await replayThroughStreams(product, clients, executionId);
    const typed = await replayThroughStreams({ ...product, key: 'typed', pathFor: typedSubscriptionPath }, clients, executionId);
    return {
      rawMs,
      seedMs: 'ms' in seed ? seed.ms : seed.didNotFinish,
      typedMs: 'ms' in typed ? typed.ms : typed.didNotFinish,
      seedServerCpuMs: 'ms' in seed ? seed.serverCpuMs : null,
      typedServerCpuMs: 'ms' in typed ? typed.serverCpuMs : null,
    };
  } finally {
    await product.stop();
  }
}

async function startClients(): Promise<Client[]> {
  const clients: Client[] = [];
  try {
    for (let index = 0; index < CLIENT_PROCESSES; index++) {
      const child: ChildServer<ScaleClientMethods> = await startChildServer(new URL('./live-delivery-scale-client.ts', import.meta.url));
      clients.push({ child, clock: await measureClockOffset(() => child.call('clock')) });
    }
    return clients;
  } catch (error) {
    await Promise.allSettled(clients.map((client) => client.child.stop()));
    throw error;
  }
}

const ms = (value: number) => formatNumber(value, value < 10 ? 2 : 1);
const kb = (bytes: number) => formatNumber(bytes / 1024, 1);

function figuresOf(rows: ScaleRow[], path: PathKey, connections: number, phase: 'oneExecution' | 'spread'): LiveFigures | string | null {
  const outcome = rows.find((row) => row.path === path && row.connections === connections)?.[phase] ?? null;
  if (!outcome) return null;
  return 'figures' in outcome ? outcome.figures : outcome.didNotFinish;
}

/**
 * One table row per N and path: `cells` gives the measured columns (after N and the path) from the
 * path's figures and the plain server's; a phase that did not finish gets its reason and blanks.
 */
function tableRows(
  rows: ScaleRow[],
  phase: 'oneExecution' | 'spread',
  measuredColumns: number,
  cells: (figures: LiveFigures, plain: LiveFigures | null) => string[],
): string[][] {
  const body: string[][] = [];
  for (const connections of [...new Set(rows.map((row) => row.connections))].sort((a, b) => a - b)) {
    const plain = figuresOf(rows, 'plain', connections, phase);
    for (const path of PATHS) {
      const figures = figuresOf(rows, path, connections, phase);
      if (figures === null) continue;
      const measured =
        typeof figures === 'string'
          ? [figures, ...Array.from({ length: measuredColumns - 1 }, () => '')]
          : cells(figures, typeof plain === 'object' ? plain : null);
      body.push([formatNumber(connections, 0), PATH_LABELS[path], ...measured]);
    }
  }
  return body;
}

function costTable(rows: ScaleRow[], phase: 'oneExecution' | 'spread', caption: string): ResultTable {
  const body = tableRows(rows, phase, 8, (figures, plain) => {
    const ratio = (pick: (f: LiveFigures) => number) => (plain ? formatRatio(pick(figures) / pick(plain)) : 'n/a');
    return [
      formatNumber(figures.serverCpuUsPerDelivery),
      ratio((f) => f.serverCpuUsPerDelivery),
      // Memory freed by the phase before is reused, not returned: only a fresh process's first phase measures it.
      phase === 'oneExecution' ? kb(figures.rssPerConnectionBytes) : '—',
      phase === 'oneExecution' ? kb(figures.heapPerConnectionBytes) : '—',
      phase === 'oneExecution' ? ratio((f) => f.heapPerConnectionBytes) : '—',
      formatNumber(figures.attachMs, 0),
      ratio((f) => f.attachMs),
      `${formatNumber(figures.clientBusiest * 100, 0)}%`,
    ];
  });
  return {
    caption,
    columns: [
      'connections',
      'path',
      'server CPU per delivery (µs)',
      'vs plain',
      'RSS per connection (KB)',
      'heap + external per connection (KB)',
      'vs plain',
      'attach all (ms)',
      'vs plain',
      'busiest client process (% of a core)',
    ],
    rows: body,
  };
}

function latencyTable(rows: ScaleRow[], phase: 'oneExecution' | 'spread', caption: string): ResultTable {
  const body = tableRows(rows, phase, 7, (figures, plain) => [
    ms(figures.latency.firstP50),
    ms(figures.latency.p50),
    ms(figures.latency.p99),
    ms(figures.latency.max),
    plain ? formatRatio(figures.latency.p99 / plain.latency.p99) : 'n/a',
    figures.fromPublish ? ms(figures.fromPublish.p50) : '—',
    figures.fromPublish ? ms(figures.fromPublish.p99) : '—',
  ]);
  return {
    caption,
    columns: ['connections', 'path', 'first arrival, p50', 'p50', 'p99', 'max', 'p99 vs plain', 'from bus publish, p50', 'from bus publish, p99'],
    rows: body,
  };
}

function replayTable(replay: ReplayFigures): ResultTable {
  const raw = median(replay.rawMs);
  const row = (label: string, value: number | string, cpuMs: number | null) =>
    typeof value === 'string'
      ? [label, value, '', '', '']
      : [
          label,
          formatNumber(value, 0),
          formatRatio(value / raw),
          formatNumber((REPLAYERS * REPLAY_EVENTS) / (value / 1_000), 0),
          cpuMs === null ? '—' : formatNumber(cpuMs, 0),
        ];
  return {
    caption: `${REPLAYERS} readers at once of one finished ${formatNumber(REPLAY_EVENTS, 0)}-event execution, until every reader has every event`,
    columns: ['path', 'all done (ms)', 'vs raw SELECTs', 'events/s delivered', 'server CPU (ms)'],
    rows: [
      row(`baseline: ${REPLAYERS} × the seed's SELECT via \`pg\`, pool of ${RAW_POOL_SIZE} (median of ${RAW_REPETITIONS})`, raw, null),
      row(PATH_LABELS.seed, replay.seedMs, replay.seedServerCpuMs),
      row(PATH_LABELS.typed, replay.typedMs, replay.typedServerCpuMs),
    ],
  };
}

function describeOutcome(outcome: Outcome | null) {
  if (!outcome) return null;
  return 'figures' in outcome ? outcome.figures : { didNotFinish: outcome.didNotFinish };
}

export async function runLiveDeliveryScale(): Promise<BenchmarkResult> {
  const cluster = await startPostgresCluster();
  const release = stopOnSignal(cluster);
  const rows: ScaleRow[] = [];
  let replay: ReplayFigures;
  let clockUncertaintyMs = 0;
  try {
    const clients = await startClients();
    clockUncertaintyMs = Math.max(...clients.map((client) => client.clock.uncertaintyMs));
    try {
      const counts = [...new Set([...CONNECTION_COUNTS, ...SPREAD_COUNTS])].sort((a, b) => a - b);
      // Paths interleaved at each N, so a busier moment of the shared machine hits them alike.
      for (const connections of counts) {
        for (const path of PATHS) {
          const started = wallClockMs();
          rows.push(await measureAt(path, connections, cluster.url, clients));
          console.error(`[live-delivery-scale] ${path} at ${connections}: ${formatNumber((wallClockMs() - started) / 1000, 1)} s`);
        }
      }
      replay = await measureReplay(cluster.url, clients);
    } finally {
      await Promise.allSettled(clients.map((client) => client.child.stop()));
    }
  } finally {
    release();
    cluster.stop();
  }

  return {
    name: 'live-delivery-scale',
    title: 'thousands of open streams: seed endpoint and typed subscription vs a plain SSE server, and 100 replays vs raw reads',
    tables: [
      costTable(
        rows,
        'oneExecution',
        `One execution, N streams watching it: server cost (${EVENTS} events, each published once every stream has the one before; memory after a full GC, per connection)`,
      ),
      latencyTable(
        rows,
        'oneExecution',
        'One execution, N streams watching it: emit → arrival in ms (server emit on its clock, arrival on the client process clock)',
      ),
      costTable(
        rows,
        'spread',
        `N/${WATCHERS_PER_SPREAD_EXECUTION} executions, ${WATCHERS_PER_SPREAD_EXECUTION} streams each: server cost (each event published to every execution at once)`,
      ),
      latencyTable(rows, 'spread', `N/${WATCHERS_PER_SPREAD_EXECUTION} executions, ${WATCHERS_PER_SPREAD_EXECUTION} streams each: emit → arrival in ms`),
      replayTable(replay),
    ],
    notes: [
      `Each path at each N runs in a fresh server process (the product on a fresh database in a PostgreSQL 15 server started for the run); the streams are raw \`http.get\` connections spread over ${CLIENT_PROCESSES} client processes, which check that each stream receives every event once and in order. Clocks are matched by IPC ping-pong to within ±${formatNumber(clockUncertaintyMs, 2)} ms.`,
      "Server CPU per delivery is the server process's `process.cpuUsage()` over the publish phase ÷ (events × streams); for the product it includes the event's write (recorder, buffer, INSERT) but not the PostgreSQL server's own CPU.",
      'Emit is `recorder.emit` in the product (then the write buffer, its 5 ms batching delay, the INSERT, the bus) and the `res.write` loop in the baseline; "from bus publish" starts when the committed event reaches the bus.',
      '"Attach all" runs from the first connect until every stream has its headers and first frame and, for the product, has made its back-fill read (it is live).',
      `"Busiest client process" is that process's CPU time over the publish phase as a share of one core: near 100% means the client side, not the server, set the pace.`,
    ],
    figures: {
      connectionCounts: CONNECTION_COUNTS,
      spreadCounts: SPREAD_COUNTS,
      events: EVENTS,
      clientProcesses: CLIENT_PROCESSES,
      phaseLimitMs: PHASE_LIMIT_MS,
      clockUncertaintyMs,
      rows: rows.map((row) => ({
        path: row.path,
        connections: row.connections,
        oneExecution: describeOutcome(row.oneExecution),
        spread: describeOutcome(row.spread),
      })),
      replay: { readers: REPLAYERS, events: REPLAY_EVENTS, rawPoolSize: RAW_POOL_SIZE, ...replay },
    },
  };
}
