/**
 * The whole product server in its own process for live-delivery-latency. The bench only wraps
 * in-process objects to observe them: when the bus publishes, when the buffer receives an event,
 * and (from the fan-out core's figures) when every subscription is caught up and live.
 */
import { createPersonalToken } from '@aae/auth';
import { SYSTEM_VIEWER } from '@aae/db';
import { createTestDatabase } from '@aae/db/testing';
import { DEMO_ASSISTANT, type AppServices } from '@aae/runtime';
import { startApp, type RunningApp } from '@aae/server';
import { reportStartFailure, serveParent } from './child-server.ts';
import { wallClockMs } from './clock.ts';

export interface EventTiming {
  eventId: string;
  /** This process's wall clock when the buffer received the event from the recorder. */
  enqueuedAt: number;
  /** This process's wall clock when the bus was handed the committed event. */
  publishedAt: number;
}

export interface FanOut {
  events: number;
  /** From handing a batch to the bus until the event loop is free again: every subscriber's share of the work. */
  ms: number;
}

/** A new topic for every run: the response cache would otherwise answer every prompt of a repeat at once. */
function demoInput(run: number): Record<string, string> {
  return { topic: `solar-powered desalination for coastal town ${run}`, audience: 'city planners' };
}

const WAIT_LIMIT_MS = 60_000;

function observe(services: AppServices) {
  const publishedAt = new Map<string, number>();
  const enqueuedAt = new Map<string, number>();
  const fanOuts = new Map<number, FanOut[]>();

  const publish = services.bus.publish.bind(services.bus);
  services.bus.publish = (events) => {
    const now = wallClockMs();
    for (const event of events) publishedAt.set(event.eventData.eventId, now);
    publish(events);
    // Delivery runs on promise callbacks; a macrotask runs only once they have all settled.
    const executionId = events[0]?.executionId ?? 0;
    setImmediate(() => {
      const list = fanOuts.get(executionId) ?? [];
      list.push({ events: events.length, ms: wallClockMs() - now });
      fanOuts.set(executionId, list);
    });
  };
  const enqueue = services.buffer.enqueue.bind(services.buffer);
  services.buffer.enqueue = (event) => {
    enqueuedAt.set(event.eventData.eventId, wallClockMs());
    enqueue(event);
  };
  return { publishedAt, enqueuedAt, fanOuts };
}

async function productServerMethods(app: RunningApp) {
  const { services } = app;
  const user = await services.users.ensure({ name: 'bench', email: 'bench@example.test', role: 'member' });
  const assistant = (await services.assistants.list(SYSTEM_VIEWER)).find((candidate) => candidate.name === DEMO_ASSISTANT.name);
  if (!assistant) throw new Error('the demo assistant was not seeded');
  const { token } = await createPersonalToken(services.auth, { userId: user.id, name: 'bench', scopes: ['executions:read'], expiresInDays: 1 });
  const { publishedAt, enqueuedAt, fanOuts } = observe(services);
  const inputs = new Map<number, Record<string, string>>();

  return {
    /** A personal access token that reads the benchmark's executions. */
    token(): string {
      return token;
    },

    /** A new execution of the demo assistant, not started yet, so subscribers can attach first. */
    async prepare(): Promise<{ executionId: number }> {
      const input = demoInput(inputs.size + 1);
      const executionId = await services.executions.create({ assistantId: assistant.id, assistantVersion: assistant.version, userId: user.id, input });
      inputs.set(executionId, input);
      // Held out of the queue until `start`, so its watchers attach first.
      await services.database.prisma.execution.update({ where: { id: executionId }, data: { status: 'completed' } });
      return { executionId };
    },

    async awaitSubscribers({ executionId, subscribers }: { executionId: number; subscribers: number }): Promise<void> {
      const deadline = Date.now() + WAIT_LIMIT_MS;
      // Caught up and live, as the fan-out core counts them (history reads are shared, not one per subscriber).
      while (services.live.stats().liveWatchers < subscribers) {
        if (Date.now() > deadline) {
          throw new Error(`only ${services.live.stats().liveWatchers} of ${subscribers} subscribers attached to execution ${executionId}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    },

    /** Queues the execution, as `executions.execute` does: this process's worker claims it. */
    async start({ executionId }: { executionId: number }): Promise<void> {
      await services.database.prisma.execution.update({ where: { id: executionId }, data: { status: 'pending' } });
      await services.queue.notifyWork();
    },

    timings({ executionId }: { executionId: number }): { events: EventTiming[]; fanOuts: FanOut[] } {
      const prefix = `evt_${executionId}_`;
      const events = [...publishedAt.entries()]
        .filter(([eventId]) => eventId.startsWith(prefix))
        .map(([eventId, published]) => ({ eventId, publishedAt: published, enqueuedAt: enqueuedAt.get(eventId) ?? Number.NaN }));
      return { events, fanOuts: fanOuts.get(executionId) ?? [] };
    },

    async stop(): Promise<void> {
      await app.stop({ handBack: true });
    },
  };
}

export type ProductServerMethods = Awaited<ReturnType<typeof productServerMethods>>;

async function main() {
  const chunkDelayMs = Number(process.argv[2] ?? '20');
  const app = await startApp({
    database: await createTestDatabase('pglite'),
    port: 0,
    localModelChunkDelayMs: chunkDelayMs,
    logger: { info: () => {}, warn: console.warn, error: console.error },
  });
  serveParent(app.url, await productServerMethods(app));
}

main().catch(reportStartFailure);
