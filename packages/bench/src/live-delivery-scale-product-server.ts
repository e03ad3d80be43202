/**
 * The whole product server in its own process for live-delivery-scale, on a fresh database in
 * the run's PostgreSQL server. Events go through the product's write path (recorder → write
 * buffer → store → bus); the bench only wraps `bus.publish` to see when the bus publishes, and
 * reads the fan-out core's figures to see when every stream is live.
 */
import { createPersonalToken } from '@aae/auth';
import { createEventRecorder, type EventRecorder, type PendingEvent } from '@aae/db';
import { createTestDatabase } from '@aae/db/testing';
import type { AppServices } from '@aae/runtime';
import { startApp, type RunningApp } from '@aae/server';
import { createBenchExecutions } from './bench-executions.ts';
import { reportStartFailure, serveParent } from './child-server.ts';
import { wallClockMs } from './clock.ts';
import { progressDraft } from './progress-draft.ts';

/** `insertEvents` batches of the write buffer's default size. */
const SEED_BATCH = 500;

function observe(services: AppServices) {
  const publishedAt = new Map<string, number>();
  const publish = services.bus.publish.bind(services.bus);
  services.bus.publish = (events) => {
    const now = wallClockMs();
    for (const event of events) publishedAt.set(event.eventData.eventId, now);
    publish(events);
  };
  return { publishedAt };
}

async function productServerMethods(app: RunningApp, databaseUrl: string) {
  const { services } = app;
  const user = await services.users.ensure({ name: 'bench', email: 'bench@example.test', role: 'member' });
  const { token } = await createPersonalToken(services.auth, { userId: user.id, name: 'bench', scopes: ['executions:read'], expiresInDays: 1 });
  const { publishedAt } = observe(services);
  const recorders = new Map<number, EventRecorder>();

  return {
    /** A personal access token that reads the benchmark's executions. */
    token(): string {
      return token;
    },

    /** New executions, not started, for streams to watch. */
    async prepare({ count }: { count: number }): Promise<number[]> {
      const ids = await createBenchExecutions(services.database, count);
      for (const executionId of ids) recorders.set(executionId, createEventRecorder({ executionId, enqueue: (event) => services.buffer.enqueue(event) }));
      return ids;
    },

    /** Streams caught up and live, as the server's fan-out core counts them. */
    liveWatchers(): number {
      return services.live.stats().liveWatchers;
    },

    /** Emits one `progress` event to each execution through the write path; returns when each was emitted, by event id. */
    publish({ executionIds, sequence, total }: { executionIds: number[]; sequence: number; total: number }): Record<string, number> {
      const emitted: Record<string, number> = {};
      for (const executionId of executionIds) {
        const emittedAt = wallClockMs();
        const event = recorders.get(executionId)!.emit(progressDraft(sequence, total));
        emitted[event.eventData.eventId] = emittedAt;
      }
      return emitted;
    },

    /** When the bus was handed each event, by event id (this process's clock). */
    publishedAt({ eventIds }: { eventIds: string[] }): Record<string, number> {
      return Object.fromEntries(eventIds.flatMap((eventId) => (publishedAt.has(eventId) ? [[eventId, publishedAt.get(eventId)!]] : [])));
    },

    /**
     * A finished execution of `events` events (progress, then `execution-complete`), stamped by
     * the recorder and stored with `insertEvents` in the buffer's batch size; and the database's
     * URL for raw reads.
     */
    async seedFinished({ events }: { events: number }): Promise<{ executionId: number; databaseUrl: string }> {
      const [executionId] = await createBenchExecutions(services.database, 1);
      const pending: PendingEvent[] = [];
      const recorder = createEventRecorder({ executionId: executionId!, enqueue: (event) => pending.push(event) });
      for (let step = 1; step < events; step++) recorder.emit(progressDraft(step, events));
      recorder.emit({ eventType: 'execution-complete', eventData: { executionId: executionId!, totalTokens: 0, duration: 1, success: true } });
      for (let offset = 0; offset < pending.length; offset += SEED_BATCH) await services.events.insertEvents(pending.slice(offset, offset + SEED_BATCH));
      await services.executions.markFinished(executionId!, { status: 'completed', totalTokens: 0, finishedAt: new Date() });
      return { executionId: executionId!, databaseUrl };
    },

    cpu(): number {
      const usage = process.cpuUsage();
      return usage.user + usage.system;
    },

    async stop(): Promise<void> {
      await app.stop({ handBack: true });
    },
  };
}

export type ProductScaleServerMethods = Awaited<ReturnType<typeof productServerMethods>>;

async function main() {
  const clusterUrl = process.argv[2];
  if (!clusterUrl) throw new Error('usage: live-delivery-scale-product-server.ts <postgres cluster url>');
  const database = await createTestDatabase('postgres', clusterUrl);
  const app = await startApp({
    database,
    port: 0,
    seedFieldGuide: false,
    // Every connection comes from one address and one person: the per-address and per-person limits would refuse most.
    requestsPerMinutePerAddress: 0,
    services: {
      usageLimits: { streamsPerPerson: 0, executionsPerMinute: 0, runningPerPerson: 0, runningInAll: 0 },
      // The bench's executions are never started: the orphan sweep must not close them mid-run,
      // nor take pool connections from what is measured.
      runner: { staleAfterMs: 24 * 3_600_000, sweepMs: 24 * 3_600_000 },
    },
    logger: { info: () => {}, warn: console.warn, error: console.error },
  });
  serveParent(app.url, await productServerMethods(app, database.url!));
}

main().catch(reportStartFailure);
