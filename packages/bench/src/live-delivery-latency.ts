import { transformer } from '@aae/api/transformer';
import { createAaeClient } from '@aae/client';
import type { StoredEvent } from '@aae/events';
import { EventSource } from 'eventsource';
import { startChildServer, type ChildServer } from './child-server.ts';
import { measureClockOffset, wallClockMs, type ClockOffset } from './clock.ts';
import type { PlainSseServerMethods, ScheduledEvent } from './live-delivery-plain-sse-server.ts';
import type { EventTiming, ProductServerMethods } from './live-delivery-product-server.ts';
import type { BenchmarkResult } from './report.ts';
import { formatNumber, formatRatio, max, median, percentile } from './stats.ts';

const SUBSCRIBERS = 200;
/** Each run gets fresh server processes, so its memory figures start from the same place. */
const RUNS = 5;
/** Enough to load and compile every code path before memory is measured. */
const WARM_UP_SUBSCRIBERS = 5;
/** The demo run's pace: long enough between prompts that each event is delivered before the next. */
const CHUNK_DELAY_MS = 20;
const RUN_LIMIT_MS = 60_000;

interface Arrival {
  eventId: string;
  at: number;
}

interface RunFigures {
  /** Publish → arrival, one sample per event per subscriber, in milliseconds. */
  latenciesMs: number[];
  /** Publish → arrival at whichever subscriber got the event first, one sample per event. */
  firstArrivalMs: number[];
  /** Emit (the buffer receiving the event) → arrival; product only. */
  emitToArrivalMs: number[];
  /** Server event-loop time spent delivering, per event per subscriber. */
  fanOutUsPerDelivery: number;
  /** How many times the server handed events to subscribers (product: bus batches; baseline: events). */
  publishes: number;
  rssPerSubscriptionBytes: number;
  heapPerSubscriptionBytes: number;
  /** From the first subscribe call until every subscriber is attached. */
  attachMs: number;
}

interface ProductRun extends RunFigures {
  /** The run's events at the pace they were published, for the baseline to replay. */
  schedule: ScheduledEvent[];
}

async function withTimeout<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${RUN_LIMIT_MS / 1000} s`)), RUN_LIMIT_MS);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Latency samples for every arrival, after checking each subscriber saw exactly the published
 * events, in order; and per event, the latency to the first subscriber reached.
 */
function latencies(arrivals: Arrival[][], published: Map<string, number>, clock: ClockOffset): { all: number[]; first: number[] } {
  const all: number[] = [];
  const expected = [...published.keys()];
  const first = expected.map(() => Number.POSITIVE_INFINITY);
  for (const [subscriber, received] of arrivals.entries()) {
    if (received.map((arrival) => arrival.eventId).join(',') !== expected.join(',')) {
      throw new Error(`subscriber ${subscriber} received ${received.length} events, not the ${published.size} published, in order`);
    }
    for (const [index, arrival] of received.entries()) {
      // The server's clock, translated to this process's.
      const latency = arrival.at - (published.get(arrival.eventId)! - clock.offsetMs);
      all.push(latency);
      first[index] = Math.min(first[index]!, latency);
    }
  }
  return { all, first };
}

async function productRun(server: ChildServer<ProductServerMethods>, clock: ClockOffset, subscribers: number): Promise<ProductRun> {
  const { executionId } = await server.call('prepare');
  const before = await server.call('memory');
  const client = createAaeClient({ baseUrl: server.url, token: await server.call('token') });
  const arrivals: Arrival[][] = [];
  const firstSubscriberEvents: StoredEvent[] = [];
  const subscriptions: Array<{ unsubscribe(): void }> = [];
  const completions: Array<Promise<void>> = [];
  const attachStart = wallClockMs();
  for (let index = 0; index < subscribers; index++) {
    const received: Arrival[] = [];
    arrivals.push(received);
    completions.push(
      new Promise((resolve, reject) => {
        subscriptions.push(
          client.events.onExecutionEvent.subscribe(
            { executionId },
            {
              onData(tracked) {
                received.push({ eventId: tracked.id, at: wallClockMs() });
                if (index === 0) firstSubscriberEvents.push(tracked.data);
              },
              onComplete: () => resolve(),
              onError: (error) => reject(error),
            },
          ),
        );
      }),
    );
  }
  try {
    await server.call('awaitSubscribers', { executionId, subscribers });
    const attachMs = wallClockMs() - attachStart;
    const after = await server.call('memory');
    await server.call('start', { executionId });
    await withTimeout(Promise.all(completions), `execution ${executionId} with ${subscribers} subscribers`);

    const timings = await server.call('timings', { executionId });
    const events: EventTiming[] = timings.events.sort((a, b) => a.eventId.localeCompare(b.eventId));
    const publishedAt = new Map(events.map((timing) => [timing.eventId, timing.publishedAt]));
    const enqueuedAt = new Map(events.map((timing) => [timing.eventId, timing.enqueuedAt]));
    if (firstSubscriberEvents.at(-1)?.eventType !== 'execution-complete') throw new Error(`execution ${executionId} did not complete`);
    // A cached prompt skips the model, so the run would publish in one burst instead of at a model's pace.
    if (firstSubscriberEvents.some((event) => event.eventType === 'prompt-complete' && event.eventData.cached)) {
      throw new Error(`execution ${executionId} was answered from the response cache; the bench needs uncached runs`);
    }
    const fanOutMs = timings.fanOuts.reduce((total, fanOut) => total + fanOut.ms, 0);
    const firstPublished = events[0]!.publishedAt;
    const fromPublish = latencies(arrivals, publishedAt, clock);
    return {
      latenciesMs: fromPublish.all,
      firstArrivalMs: fromPublish.first,
      emitToArrivalMs: latencies(arrivals, enqueuedAt, clock).all,
      fanOutUsPerDelivery: (fanOutMs * 1_000) / (events.length * subscribers),
      publishes: timings.fanOuts.length,
      rssPerSubscriptionBytes: (after.rss - before.rss) / subscribers,
      heapPerSubscriptionBytes: (after.heap - before.heap) / subscribers,
      attachMs,
      schedule: firstSubscriberEvents.map((event) => ({
        eventId: event.eventData.eventId,
        data: JSON.stringify(transformer.output.serialize(event)),
        atMs: publishedAt.get(event.eventData.eventId)! - firstPublished,
      })),
    };
  } finally {
    for (const subscription of subscriptions) subscription.unsubscribe();
  }
}

async function plainRun(server: ChildServer<PlainSseServerMethods>, clock: ClockOffset, subscribers: number, schedule: ScheduledEvent[]): Promise<RunFigures> {
  const before = await server.call('memory');
  const arrivals: Arrival[][] = [];
  const sources: EventSource[] = [];
  const completions: Array<Promise<void>> = [];
  const attachStart = wallClockMs();
  for (let index = 0; index < subscribers; index++) {
    const received: Arrival[] = [];
    arrivals.push(received);
    const source = new EventSource(server.url);
    sources.push(source);
    completions.push(
      new Promise((resolve, reject) => {
        source.onmessage = (message) => {
          // The same client-side work as the typed client: parse and revive the payload.
          const event = transformer.output.deserialize(JSON.parse(message.data)) as StoredEvent;
          received.push({ eventId: event.eventData.eventId, at: wallClockMs() });
          if (received.length === schedule.length) resolve();
        };
        source.onerror = (error) => {
          if (source.readyState === source.CLOSED) reject(new Error(`plain SSE subscriber ${index} failed: ${error.message}`));
        };
      }),
    );
  }
  try {
    await server.call('awaitSubscribers', { subscribers });
    const attachMs = wallClockMs() - attachStart;
    const after = await server.call('memory');
    const published = await server.call('broadcast', { events: schedule });
    await withTimeout(Promise.all(completions), `plain SSE broadcast to ${subscribers} subscribers`);
    const fanOutMs = published.reduce((total, entry) => total + entry.fanOutMs, 0);
    const fromPublish = latencies(arrivals, new Map(published.map((entry) => [entry.eventId, entry.publishedAt])), clock);
    return {
      latenciesMs: fromPublish.all,
      firstArrivalMs: fromPublish.first,
      emitToArrivalMs: [],
      fanOutUsPerDelivery: (fanOutMs * 1_000) / (published.length * subscribers),
      publishes: published.length,
      rssPerSubscriptionBytes: (after.rss - before.rss) / subscribers,
      heapPerSubscriptionBytes: (after.heap - before.heap) / subscribers,
      attachMs,
    };
  } finally {
    for (const source of sources) source.close();
    await server.call('closeAll');
  }
}

/** One measured run of each side, each in fresh server processes after a small warm-up run. */
async function measurePair(): Promise<{ product: ProductRun; plain: RunFigures; clockUncertaintyMs: number }> {
  const product = await startChildServer<ProductServerMethods>(new URL('./live-delivery-product-server.ts', import.meta.url), [String(CHUNK_DELAY_MS)]);
  let plain: ChildServer<PlainSseServerMethods> | undefined;
  try {
    plain = await startChildServer<PlainSseServerMethods>(new URL('./live-delivery-plain-sse-server.ts', import.meta.url));
    const productClock = await measureClockOffset(() => product.call('clock'));
    const plainClock = await measureClockOffset(() => plain!.call('clock'));
    const warmUp = await productRun(product, productClock, WARM_UP_SUBSCRIBERS);
    await plainRun(plain, plainClock, WARM_UP_SUBSCRIBERS, warmUp.schedule);
    const measured = await productRun(product, productClock, SUBSCRIBERS);
    // The baseline replays the run just made, so both sides deliver the same bytes at the same pace.
    return {
      product: measured,
      plain: await plainRun(plain, plainClock, SUBSCRIBERS, measured.schedule),
      clockUncertaintyMs: Math.max(productClock.uncertaintyMs, plainClock.uncertaintyMs),
    };
  } finally {
    await Promise.allSettled([product.stop(), plain?.stop()]);
  }
}

function describeRun(run: RunFigures) {
  return {
    firstArrivalP50Ms: percentile(run.firstArrivalMs, 50),
    p50Ms: percentile(run.latenciesMs, 50),
    p99Ms: percentile(run.latenciesMs, 99),
    maxMs: max(run.latenciesMs),
    fanOutUsPerDelivery: run.fanOutUsPerDelivery,
    publishes: run.publishes,
    rssPerSubscriptionBytes: run.rssPerSubscriptionBytes,
    heapPerSubscriptionBytes: run.heapPerSubscriptionBytes,
    attachMs: run.attachMs,
  };
}

export async function runLiveDeliveryLatency(): Promise<BenchmarkResult> {
  const productRuns: RunFigures[] = [];
  const plainRuns: RunFigures[] = [];
  let clockUncertaintyMs = 0;
  for (let run = 0; run < RUNS; run++) {
    const pair = await measurePair();
    productRuns.push(pair.product);
    plainRuns.push(pair.plain);
    clockUncertaintyMs = Math.max(clockUncertaintyMs, pair.clockUncertaintyMs);
  }

  // Each run's percentiles, then the median over runs: one disturbed run on a shared machine moves it little.
  const summary = (runs: RunFigures[], pick: (run: RunFigures) => number[] = (run) => run.latenciesMs) => ({
    firstP50: median(runs.map((run) => percentile(run.firstArrivalMs, 50))),
    p50: median(runs.map((run) => percentile(pick(run), 50))),
    p99: median(runs.map((run) => percentile(pick(run), 99))),
    max: median(runs.map((run) => max(pick(run)))),
  });
  const pooled = (runs: RunFigures[], pick: (run: RunFigures) => number[]) => {
    const samples = runs.flatMap(pick);
    return { p50: percentile(samples, 50), p99: percentile(samples, 99), max: max(samples) };
  };
  const productLatency = productRuns.flatMap((run) => run.latenciesMs);
  const productSummary = summary(productRuns);
  const plainSummary = summary(plainRuns);
  const emitSummary = summary(productRuns, (run) => run.emitToArrivalMs);
  const eventsPerRun = productLatency.length / (RUNS * SUBSCRIBERS);
  const ms = (value: number) => formatNumber(value, 1);
  const perRun = (pick: (run: RunFigures) => number) => ({ product: median(productRuns.map(pick)), plain: median(plainRuns.map(pick)) });
  const costs = [
    { label: 'server time to fan out, per event per subscriber (µs, publish until the event loop is free)', ...perRun((run) => run.fanOutUsPerDelivery) },
    { label: 'server RSS per open subscription (KB)', ...perRun((run) => run.rssPerSubscriptionBytes / 1024) },
    { label: 'server V8 heap + external per open subscription (KB)', ...perRun((run) => run.heapPerSubscriptionBytes / 1024) },
    { label: `time to attach all ${SUBSCRIBERS} subscribers (ms)`, ...perRun((run) => run.attachMs) },
  ];

  return {
    name: 'live-delivery-latency',
    title: `publish → arrival at ${SUBSCRIBERS} live subscribers of one execution, vs a plain Node http SSE server`,
    tables: [
      {
        caption: `Delivery latency in ms: each run's percentile, median over ${RUNS} runs (${eventsPerRun} events × ${SUBSCRIBERS} subscribers = ${formatNumber(productLatency.length / RUNS, 0)} samples per run and path)`,
        columns: ['path', 'first subscriber, p50', 'p50', 'p99', 'max', 'first vs baseline', 'p50 vs baseline', 'p99 vs baseline'],
        rows: [
          [
            'product: bus.publish → tRPC SSE → typed client onData',
            ms(productSummary.firstP50),
            ms(productSummary.p50),
            ms(productSummary.p99),
            ms(productSummary.max),
            formatRatio(productSummary.firstP50 / plainSummary.firstP50),
            formatRatio(productSummary.p50 / plainSummary.p50),
            formatRatio(productSummary.p99 / plainSummary.p99),
          ],
          [
            'baseline: plain http SSE write → eventsource onmessage',
            ms(plainSummary.firstP50),
            ms(plainSummary.p50),
            ms(plainSummary.p99),
            ms(plainSummary.max),
            '1.00×',
            '1.00×',
            '1.00×',
          ],
          [
            'product end to end: recorder emit → buffer → commit → publish → onData',
            '—',
            ms(emitSummary.p50),
            ms(emitSummary.p99),
            ms(emitSummary.max),
            '—',
            '—',
            '—',
          ],
        ],
      },
      {
        caption: `Server cost of ${SUBSCRIBERS} open subscriptions (median of ${RUNS} runs; memory after a full GC, minus before the subscribers connected)`,
        columns: ['measure', 'product', 'baseline', 'product / baseline'],
        rows: costs.map((cost) => [cost.label, formatNumber(cost.product), formatNumber(cost.plain), formatRatio(cost.product / cost.plain)]),
      },
    ],
    notes: [
      "Per-run figures, and percentiles over all runs' samples pooled, are in `packages/bench/results/latest.json`.",
      '"First subscriber" is, per event, the latency to whichever subscriber received it first: how long the server takes before anyone sees the event.',
      `Servers run in their own processes (fresh ones for each run), the ${SUBSCRIBERS} subscribers together in the bench process; clocks are matched by IPC ping-pong to within ±${formatNumber(clockUncertaintyMs, 2)} ms.`,
      `The product server runs on in-memory PGlite with the demo assistant (local model, ${CHUNK_DELAY_MS} ms per chunk, a new topic each run so the response cache never answers); its ${eventsPerRun} events reach the bus in ${formatNumber(median(productRuns.map((run) => run.publishes)), 0)} committed batches (median). The baseline replays each run's serialized events (the same \`data:\` bytes) at the same pace.`,
    ],
    figures: {
      subscribers: SUBSCRIBERS,
      runs: RUNS,
      chunkDelayMs: CHUNK_DELAY_MS,
      clockUncertaintyMs,
      product: {
        latencyMs: productSummary,
        emitToArrivalMs: emitSummary,
        pooledLatencyMs: pooled(productRuns, (run) => run.latenciesMs),
        runs: productRuns.map(describeRun),
      },
      plain: { latencyMs: plainSummary, pooledLatencyMs: pooled(plainRuns, (run) => run.latenciesMs), runs: plainRuns.map(describeRun) },
    },
  };
}
