import type { Server } from 'node:http';
import type { AppServices, WebhookDeliveryStats } from '@aae/runtime';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { withTimeout } from './with-timeout.ts';

/** Every metric of this product starts with it (Node's own ones too). */
export const METRICS_PREFIX = 'aae_';

/** One number of a stats object as a metric: a running total is a counter, a level a gauge. */
export interface StatsMetric {
  name: string;
  help: string;
  type: 'counter' | 'gauge';
}

/** Which numbers of a stats object become metrics, by key (keys left out are not exported). */
export type StatsMetrics<Stats> = { [Key in keyof Stats]?: StatsMetric };

/**
 * Exports numbers of a stats object, read from `read()` at every scrape (so it must be cheap: a
 * `getStats()` that copies counters). Running totals become counters, levels gauges. Returns the
 * metrics' names.
 */
export function registerStatsMetrics<Stats extends object>(registry: Registry, read: () => Stats, metrics: StatsMetrics<Stats>): string[] {
  const names: string[] = [];
  for (const [key, metric] of Object.entries(metrics) as Array<[keyof Stats, StatsMetric | undefined]>) {
    if (!metric) continue;
    const value = () => Number(read()[key] ?? 0);
    names.push(metric.name);
    if (metric.type === 'gauge') {
      new Gauge({
        name: metric.name,
        help: metric.help,
        registers: [registry],
        collect() {
          this.set(value());
        },
      });
    } else {
      // The source keeps the total: the counter shows it as it stands.
      new Counter({
        name: metric.name,
        help: metric.help,
        registers: [registry],
        collect() {
          this.reset();
          this.inc(value());
        },
      });
    }
  }
  return names;
}

/** The webhook delivery worker's running totals (`getStats()`), as metrics. */
export const WEBHOOK_METRICS = {
  attempts: { name: `${METRICS_PREFIX}webhook_attempts_total`, help: 'Webhook delivery attempts (each retry counts).', type: 'counter' },
  delivered: { name: `${METRICS_PREFIX}webhook_delivered_total`, help: 'Webhook messages an endpoint accepted (2xx).', type: 'counter' },
  failed: { name: `${METRICS_PREFIX}webhook_failed_total`, help: 'Webhook delivery attempts that failed (error, timeout or non-2xx).', type: 'counter' },
  retriesScheduled: { name: `${METRICS_PREFIX}webhook_retries_scheduled_total`, help: 'Webhook deliveries scheduled to be tried again.', type: 'counter' },
  exhausted: { name: `${METRICS_PREFIX}webhook_exhausted_total`, help: 'Webhook messages that failed every attempt of the schedule.', type: 'counter' },
  disabledEndpoints: { name: `${METRICS_PREFIX}webhook_endpoints_disabled_total`, help: 'Webhook endpoints disabled after failing too long.', type: 'counter' },
  pruned: {
    name: `${METRICS_PREFIX}webhook_log_pruned_total`,
    help: 'Delivered or failed webhook deliveries deleted from the log once older than it keeps.',
    type: 'counter',
  },
} satisfies StatsMetrics<WebhookDeliveryStats>;

/** Queue waits from a second's hundredth to ten minutes. */
const QUEUE_WAIT_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 600];
/** Database figures are shared by every scrape within this long: a scraper cannot load the database. */
const DEFAULT_DATABASE_CACHE_MS = 5_000;
/** A database that does not answer by then leaves the last figures: the scrape still answers in time. */
const DATABASE_TIMEOUT_MS = 2_000;

export interface AppMetricsOptions {
  services: AppServices;
  /** The process's HTTP server: its open connections. */
  server: Server;
  /** Open SSE streams of this process (none on a worker). */
  openStreams?: () => number;
  databaseCacheMs?: number;
}

export interface AppMetrics {
  /** This app's own registry: several apps in one process (tests) never share one. */
  registry: Registry;
  /** The exposition text and its content type. */
  render(): Promise<{ contentType: string; body: string }>;
  close(): void;
}

let processRegistry: Registry | null = null;

/**
 * Node's own metrics, once per process whatever the number of apps in it: their collectors (a GC
 * observer, an event-loop delay monitor) run for as long as the process does.
 */
function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry, prefix: METRICS_PREFIX });
  }
  return processRegistry;
}

/**
 * The metrics of one app: Node's own (`aae_process_…`, `aae_nodejs_…`) and the product's, each
 * read from the stats its part keeps when Prometheus scrapes. No label names an execution, a
 * person or an assistant.
 */
export function createAppMetrics(options: AppMetricsOptions): AppMetrics {
  const { services } = options;
  const registry = new Registry();
  const p = METRICS_PREFIX;

  new Gauge({
    name: `${p}http_open_connections`,
    help: 'Open HTTP connections to this process (SSE streams included).',
    registers: [registry],
    async collect() {
      this.set(await new Promise<number>((resolve) => options.server.getConnections((error, count) => resolve(error ? 0 : count))));
    },
  });
  const openStreams = options.openStreams;
  if (openStreams) {
    new Gauge({
      name: `${p}live_streams_open`,
      help: 'Open SSE event streams of this process.',
      registers: [registry],
      collect() {
        this.set(openStreams());
      },
    });
  }
  registerStatsMetrics(registry, () => services.live.stats(), {
    executions: { name: `${p}live_executions_watched`, help: 'Executions with a live event-bus subscription in this process.', type: 'gauge' },
    watchers: { name: `${p}live_watchers`, help: 'Live subscriptions (watchers of one execution) in this process.', type: 'gauge' },
    liveWatchers: { name: `${p}live_watchers_caught_up`, help: 'Watchers caught up and taking events as they are published.', type: 'gauge' },
    eventsDelivered: { name: `${p}live_events_delivered_total`, help: 'Events handed to watchers (one per event per watcher).', type: 'counter' },
    historyReads: { name: `${p}live_history_reads_total`, help: 'History pages read for watchers (each shared by every watcher needing it).', type: 'counter' },
    slowWatchersCut: { name: `${p}live_slow_watchers_cut_total`, help: 'Watchers cut for falling too far behind.', type: 'counter' },
  });
  registerStatsMetrics(registry, () => services.buffer.getStats(), {
    written: { name: `${p}events_written_total`, help: 'Events stored by this process.', type: 'counter' },
    pending: { name: `${p}event_write_buffer_pending`, help: 'Events waiting in the write buffer.', type: 'gauge' },
    retries: { name: `${p}event_write_retries_total`, help: 'Event batch writes that failed and were tried again.', type: 'counter' },
    failed: { name: `${p}events_not_stored_total`, help: 'Events given up on or refused by the database (each logged with its payload).', type: 'counter' },
  });
  new Gauge({
    name: `${p}event_writes_failing`,
    help: '1 while event writes fail (the database refuses them or does not answer), else 0.',
    registers: [registry],
    collect() {
      this.set(services.buffer.getStats().writes === 'ok' ? 0 : 1);
    },
  });
  registerStatsMetrics(registry, () => services.runner.getStats(), {
    running: { name: `${p}worker_running_executions`, help: 'Executions this process runs now.', type: 'gauge' },
    concurrency: { name: `${p}worker_concurrency`, help: 'Executions this process may run at once.', type: 'gauge' },
    claimed: { name: `${p}worker_claimed_total`, help: 'Executions this process claimed from the queue.', type: 'counter' },
    resumed: { name: `${p}worker_resumed_total`, help: 'Claimed executions that resumed an interrupted run.', type: 'counter' },
    handedBack: { name: `${p}worker_handed_back_total`, help: 'Runs handed back to the queue on shutdown.', type: 'counter' },
    lost: { name: `${p}worker_lost_total`, help: 'Runs stopped because another worker took their execution over.', type: 'counter' },
  });
  // Fed once per claim: a histogram read from the runner's window of recent waits would count some twice and miss others.
  const queueWait = new Histogram({
    name: `${p}execution_queue_wait_seconds`,
    help: 'Time from queued to claimed by this process, per execution.',
    buckets: QUEUE_WAIT_BUCKETS,
    registers: [registry],
  });
  const stopObserving = services.runner.onClaimed((waitedMs) => queueWait.observe(Math.max(0, waitedMs) / 1000));
  registerStatsMetrics(registry, () => services.webhooks.job.getStats(), WEBHOOK_METRICS);
  registerStatsMetrics(registry, () => services.retentionJob.getStats(), {
    sweeps: { name: `${p}retention_sweeps_total`, help: 'Retention sweeps this process ran.', type: 'counter' },
    executionsDeleted: { name: `${p}retention_executions_deleted_total`, help: 'Executions retention deleted.', type: 'counter' },
    eventsDeleted: { name: `${p}retention_events_deleted_total`, help: 'Events retention deleted.', type: 'counter' },
    failures: { name: `${p}retention_failures_total`, help: 'Retention sweeps that failed.', type: 'counter' },
  });
  new Gauge({
    name: `${p}document_imports_running`,
    help: 'Document imports this process runs now.',
    registers: [registry],
    collect() {
      this.set(services.imports.runningHere());
    },
  });
  registerDatabaseMetrics(registry, services, options.databaseCacheMs ?? DEFAULT_DATABASE_CACHE_MS);

  return {
    registry,
    async render() {
      return { contentType: registry.contentType, body: await Registry.merge([processMetrics(), registry]).metrics() };
    },
    close() {
      stopObserving();
      registry.clear();
    },
  };
}

interface DatabaseFigures {
  byStatus: Record<string, number>;
  queued: number;
  oldestWaitMs: number;
  notificationQueueUsage: number | null;
}

/**
 * Figures only the database knows, the same on every process (aggregate them with `max`), read
 * at most once per `cacheMs` whatever the number of scrapes. A database that does not answer
 * leaves the last figures and counts an error.
 */
function registerDatabaseMetrics(registry: Registry, services: AppServices, cacheMs: number) {
  const p = METRICS_PREFIX;
  const errors = new Counter({ name: `${p}metrics_database_errors_total`, help: 'Scrapes whose database figures could not be read.', registers: [registry] });
  let cached: { at: number; figures: Promise<DatabaseFigures | null> } | null = null;
  let last: DatabaseFigures | null = null;
  const read = async (): Promise<DatabaseFigures> => {
    const [byStatus, depth, notificationQueueUsage] = await Promise.all([
      services.executions.countByStatus(),
      services.queue.depth(),
      // NOTIFY carries live events between processes; PGlite has one process and no such queue.
      services.database.kind === 'postgres'
        ? services.database.query<{ usage: number }>('SELECT pg_notification_queue_usage() AS usage', []).then((rows) => Number(rows[0]?.usage ?? 0))
        : Promise.resolve(null),
    ]);
    return { byStatus, queued: depth.queued, oldestWaitMs: depth.oldestWaitMs, notificationQueueUsage };
  };
  const figures = () => {
    if (!cached || Date.now() - cached.at >= cacheMs) {
      const figures = withTimeout(read(), DATABASE_TIMEOUT_MS, 'the database did not answer').then(
        (value) => (last = value),
        () => {
          errors.inc();
          return last;
        },
      );
      cached = { at: Date.now(), figures };
    }
    return cached.figures;
  };

  new Gauge({
    name: `${p}executions`,
    help: 'Executions in the database by status (the whole deployment, not this process).',
    labelNames: ['status'],
    registers: [registry],
    async collect() {
      const value = await figures();
      if (!value) return;
      for (const [status, count] of Object.entries(value.byStatus)) this.set({ status }, count);
    },
  });
  new Gauge({
    name: `${p}execution_queue_depth`,
    help: 'Executions queued and not yet claimed by any worker.',
    registers: [registry],
    async collect() {
      const value = await figures();
      if (value) this.set(value.queued);
    },
  });
  new Gauge({
    name: `${p}execution_queue_oldest_wait_seconds`,
    help: 'How long the oldest queued execution has waited.',
    registers: [registry],
    async collect() {
      const value = await figures();
      if (value) this.set(value.oldestWaitMs / 1000);
    },
  });
  if (services.database.kind === 'postgres') {
    new Gauge({
      name: `${p}pg_notification_queue_usage`,
      help: 'Fraction of PostgreSQL NOTIFY queue in use (pg_notification_queue_usage()); near 1, notifications are refused.',
      registers: [registry],
      async collect() {
        const value = await figures();
        if (value?.notificationQueueUsage != null) this.set(value.notificationQueueUsage);
      },
    });
  }
}
