import type { StoredEvent } from '@aae/events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEventRecorder } from './event-recorder.ts';
import { createEventStore } from './event-store.ts';
import { createPostgresEventBus } from './postgres-event-bus.ts';
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
});
