import { formatEventId, type StoredEvent } from '@aae/events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OutputDelta } from './event-bus.ts';
import { createEventRecorder } from './event-recorder.ts';
import { createEventStore } from './event-store.ts';
import { decodeOutputNotification, OUTPUT_CHANNEL } from './output-notifications.ts';
import { createPostgresEventBus } from './postgres-event-bus.ts';
import { listenForNotifications } from './testing/notification-listener.ts';
import { createProjectTestDatabase } from './testing/project-database.ts';
import { testDatabaseKind, type TestDatabase } from './testing/test-database.ts';
import { createTestExecution } from './testing/test-execution.ts';

describe.skipIf(testDatabaseKind() !== 'postgres')('PostgreSQL event bus', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createProjectTestDatabase();
  });
  afterAll(() => db?.close());

  it('catches up an execution’s watchers from the store without repeating old events to the feed of every execution', async () => {
    const store = createEventStore(db.prisma);
    const executionId = await createTestExecution(db.prisma);
    const pending: Parameters<typeof store.insertEvents>[0][number][] = [];
    const recorder = createEventRecorder({ executionId, enqueue: (event) => pending.push(event) });
    for (let step = 1; step <= 5; step++)
      recorder.emit({ eventType: 'progress', eventData: { currentStep: step, totalSteps: 5, percentage: step * 20, message: 'x' } });
    await store.insertEvents(pending);

    const bus = createPostgresEventBus({ connectionString: db.url!, store, resyncMs: 50, logger: { warn: () => {}, error: console.error } });
    await bus.ready;
    const controller = new AbortController();
    const everything: StoredEvent[] = [];
    const feed = (async () => {
      for await (const event of bus.watchAll(controller.signal)) everything.push(event);
    })();
    const one: StoredEvent[] = [];
    for await (const event of bus.watchExecution(executionId, controller.signal)) {
      one.push(event);
      if (one.length === 5) break;
    }
    // A new event reaches the feed; the five caught up from the store never do.
    pending.length = 0;
    recorder.emit({ eventType: 'progress', eventData: { currentStep: 6, totalSteps: 6, percentage: 100, message: 'x' } });
    bus.publish((await store.insertEvents(pending)).stored);
    await expect.poll(() => everything.length, { timeout: 30_000 }).toBeGreaterThan(0);
    controller.abort();
    await feed;
    await bus.close();
    expect(one.map((event) => event.sequence)).toEqual([1, 2, 3, 4, 5]);
    expect(everything.map((event) => event.sequence)).toEqual([6]);
  });

  it('hands the text a model writes in one process to readers in another, one NOTIFY per window, with the text so far for late readers', async () => {
    const store = createEventStore(db.prisma);
    const executionId = await createTestExecution(db.prisma);
    const quiet = { warn: () => {}, error: console.error };
    const listener = await listenForNotifications(db.url!, OUTPUT_CHANNEL);
    const bus = () => createPostgresEventBus({ connectionString: db.url!, store, logger: quiet });
    const writer = bus();
    const reader = bus();
    let latecomer: ReturnType<typeof bus> | undefined;
    /** What a reader attaching now on `on` gets first: the text so far of each prompt. */
    const sofar = async (on: ReturnType<typeof bus>) => {
      const deltas: OutputDelta[] = [];
      for await (const delta of on.watchOutput(executionId, AbortSignal.abort())) deltas.push(delta);
      return deltas;
    };
    const controller = new AbortController();
    try {
      await Promise.all([writer.ready, reader.ready]);
      const early: OutputDelta[] = [];
      const reading = (async () => {
        for await (const delta of reader.watchOutput(executionId, controller.signal)) early.push(delta);
      })();
      const words = Array.from({ length: 50 }, (_, index) => `word${index} `).join('');
      for (const word of words.split(/(?<= )/)) writer.publishOutput({ executionId, promptId: 1, text: word });
      await expect.poll(() => early.map((delta) => delta.text).join('')).toBe(words);
      expect(early.every((delta) => delta.promptId === 1 && delta.replace !== true)).toBe(true);

      // Attaching mid-prompt in the other process: the whole text so far, at once.
      const late = reader.watchOutput(executionId, controller.signal)[Symbol.asyncIterator]();
      expect((await late.next()).value).toEqual({ executionId, promptId: 1, text: words, replace: true });

      // A process that starts mid-prompt missed its beginning: it passes on nothing of that prompt
      // (rather than the rest as if it were all), and all of a prompt that starts once it listens.
      latecomer = bus();
      await latecomer.ready;
      writer.publishOutput({ executionId, promptId: 1, text: 'and more' });
      writer.publishOutput({ executionId, promptId: 2, text: 'A second prompt.' });
      const second = { executionId, promptId: 2, text: 'A second prompt.', replace: true };
      await expect.poll(() => sofar(latecomer!)).toEqual([second]);
      await expect.poll(() => sofar(reader)).toEqual([{ executionId, promptId: 1, text: `${words}and more`, replace: true }, second]);

      // The first prompt completes in the writer: the others forget its text, without reading events.
      const complete = { executionId, sequence: 1, eventType: 'prompt-complete', eventData: { eventId: formatEventId(executionId, 1), promptId: 1 } };
      writer.publish([complete as unknown as StoredEvent]);
      await expect.poll(() => sofar(reader)).toEqual([second]);
      // The fifty deltas of one window went in one notification, the end in one more (and nothing
      // after it: the writer sent it last, and notifications from one sender arrive in order).
      const ours = () => listener.payloads.map((payload) => decodeOutputNotification(payload)!).filter((payload) => payload.executionId === executionId);
      await expect.poll(ours).toEqual([
        { process: writer.processId, executionId, pieces: [[1, 0, words]] },
        {
          process: writer.processId,
          executionId,
          pieces: [
            [1, words.length, 'and more'],
            [2, 0, 'A second prompt.'],
          ],
        },
        { process: writer.processId, executionId, pieces: [], promptsEnded: [1] },
      ]);
      controller.abort();
      await reading;
    } finally {
      controller.abort();
      await Promise.all([writer.close(), reader.close(), latecomer?.close(), listener.close()]);
    }
  });

  it('sends the ends of live text it could not send while its LISTEN connection was down once it is back, without the stale text', async () => {
    const store = createEventStore(db.prisma);
    const executionId = await createTestExecution(db.prisma);
    const quiet = { warn: () => {}, error: console.error };
    const listener = await listenForNotifications(db.url!, OUTPUT_CHANNEL);
    const writer = createPostgresEventBus({ connectionString: db.url!, store, logger: quiet });
    const reader = createPostgresEventBus({ connectionString: db.url!, store, logger: quiet });
    const sofar = async () => {
      const deltas: OutputDelta[] = [];
      for await (const delta of reader.watchOutput(executionId, AbortSignal.abort())) deltas.push(delta);
      return deltas;
    };
    try {
      await Promise.all([writer.ready, reader.ready]);
      writer.publishOutput({ executionId, promptId: 1, text: 'Half a thought' });
      await expect.poll(sofar).toEqual([{ executionId, promptId: 1, text: 'Half a thought', replace: true }]);
      // Waits until the backend is gone: the writer's next NOTIFY cannot go through it.
      await db.prisma.$queryRaw`SELECT pg_terminate_backend(pid, 30000) FROM pg_stat_activity WHERE application_name = ${`aae-listen-${writer.processId}`}`;
      writer.publishOutput({ executionId, promptId: 1, text: ' and the rest' });
      const complete = { executionId, sequence: 1, eventType: 'prompt-complete', eventData: { eventId: formatEventId(executionId, 1), promptId: 1 } };
      writer.publish([complete as unknown as StoredEvent]);
      // Once the writer is back (a second later), the reader forgets the prompt.
      await expect.poll(sofar).toEqual([]);
      // The ends came without the text that went with them: it was stale by then.
      const ours = () => listener.payloads.map((payload) => decodeOutputNotification(payload)!).filter((payload) => payload.executionId === executionId);
      await expect.poll(ours).toEqual([
        { process: writer.processId, executionId, pieces: [[1, 0, 'Half a thought']] },
        { process: writer.processId, executionId, pieces: [], promptsEnded: [1] },
      ]);
    } finally {
      await Promise.all([writer.close(), reader.close(), listener.close()]);
    }
  });
});
