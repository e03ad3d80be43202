import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEventRecorder } from './event-recorder.ts';
import { createEventStore, type PendingEvent } from './event-store.ts';
import { createTestExecution } from './testing/test-execution.ts';
import { createProjectTestDatabase } from './testing/project-database.ts';
import type { TestDatabase } from './testing/test-database.ts';

let db: TestDatabase;
let executionId: number;

beforeAll(async () => {
  db = await createProjectTestDatabase();
  executionId = await createTestExecution(db.prisma, 'Store');
});
afterAll(() => db?.close());

describe('event store', () => {
  it('writes a batch once even when it is sent again (a retry after a lost acknowledgement)', async () => {
    const store = createEventStore(db.prisma);
    const pending: PendingEvent[] = [];
    const recorder = createEventRecorder({ executionId, enqueue: (event) => pending.push(event) });
    recorder.emit({ eventType: 'execution-start', eventData: { executionId, totalPrompts: 1, toolName: 'Store' } });
    recorder.emit({ eventType: 'variable-substitution', eventData: { promptId: 1, variables: { a: 'é “quoted” \\ \n' }, sourcePrompts: [] } });
    recorder.emit({ eventType: 'progress', eventData: { currentStep: 1, totalSteps: 2, percentage: 50, message: 'half' } });

    const first = (await store.insertEvents(pending.slice(0, 2))).stored;
    const again = (await store.insertEvents(pending)).stored;
    expect(again.slice(0, 2).map((event) => event.id)).toEqual(first.map((event) => event.id));
    const stored = await store.getExecutionEvents(executionId);
    expect(stored.map((event) => event.sequence)).toEqual([1, 2, 3]);
    // Payloads, types and times survive the trip exactly.
    expect(stored.map(({ eventType, eventData, createdAt }) => ({ eventType, eventData, createdAt }))).toEqual(
      pending.map(({ eventType, eventData, createdAt }) => ({ eventType, eventData, createdAt })),
    );
    expect(stored.map((event) => event.id)).toEqual(again.map((event) => event.id));
  });
});

describe('event store writing straight to the driver', () => {
  it('stores a batch exactly as through Prisma, ids in batch order, and skips what a retry sends again', async () => {
    const id = await createTestExecution(db.prisma, 'Driver');
    const store = createEventStore(db.prisma, { query: db.query });
    const pending: PendingEvent[] = [];
    const recorder = createEventRecorder({ executionId: id, enqueue: (event) => pending.push(event) });
    recorder.emit({ eventType: 'execution-start', eventData: { executionId: id, totalPrompts: 1, toolName: 'Driver' } });
    recorder.emit({ eventType: 'variable-substitution', eventData: { promptId: 1, variables: { a: 'é “quoted” \\ \n {"b": [1]}' }, sourcePrompts: [] } });
    recorder.emit({ eventType: 'tool-execution-complete', eventData: { promptId: 1, toolName: 'calc', success: true, result: { nested: [null, 'x,"y"'] } } });
    recorder.emit({ eventType: 'progress', eventData: { currentStep: 1, totalSteps: 2, percentage: 50, message: 'half' } });

    const first = await store.insertEvents(pending.slice(0, 2));
    const again = await store.insertEvents(pending);
    expect(first.refused).toEqual([]);
    expect(again.refused).toEqual([]);
    expect(again.stored.slice(0, 2).map((event) => event.id)).toEqual(first.stored.map((event) => event.id));
    const ids = again.stored.map((event) => event.id);
    expect(ids.every((rowId) => typeof rowId === 'number')).toBe(true);
    expect([...ids].sort((a, b) => a - b)).toEqual(ids);

    const stored = await store.getExecutionEvents(id);
    expect(stored).toEqual(again.stored);
    expect(stored.map(({ eventType, eventData, createdAt, sequence }) => ({ eventType, eventData, createdAt, sequence }))).toEqual(
      pending.map(({ eventType, eventData, createdAt, sequence }) => ({ eventType, eventData, createdAt, sequence })),
    );
    // The microsecond times the recorder stamped, not only their milliseconds.
    const [times] = await db.query<{ created_at_us: string[] }>(
      'SELECT array_agg((EXTRACT(EPOCH FROM created_at) * 1000000)::bigint::text ORDER BY sequence) AS created_at_us FROM assistant_architect_events WHERE execution_id = $1',
      [id],
    );
    expect(times?.created_at_us).toEqual(pending.map((event) => String(event.createdAtUs)));
  });

  it('refuses the events of a worker whose claim was taken over, and of an execution closed as interrupted', async () => {
    const taken = await createTestExecution(db.prisma, 'Taken over');
    const closed = await createTestExecution(db.prisma, 'Closed');
    await db.prisma.execution.update({ where: { id: taken }, data: { claims: 2 } });
    await db.prisma.execution.update({ where: { id: closed }, data: { orphanedAt: new Date() } });
    const store = createEventStore(db.prisma, { query: db.query });
    const pending: PendingEvent[] = [];
    const progress = { eventType: 'progress', eventData: { currentStep: 1, totalSteps: 1, percentage: 100, message: 'done' } } as const;
    createEventRecorder({ executionId: taken, claim: 1, enqueue: (event) => pending.push(event) }).emit(progress);
    createEventRecorder({ executionId: taken, claim: 2, enqueue: (event) => pending.push(event), lastSequence: 1 }).emit(progress);
    createEventRecorder({ executionId: closed, enqueue: (event) => pending.push(event) }).emit(progress);

    const { stored, refused } = await store.insertEvents(pending);
    expect(stored.map((event) => [event.executionId, event.sequence])).toEqual([[taken, 2]]);
    expect(refused.map(({ event, reason }) => [event.executionId, reason])).toEqual([
      [taken, `execution ${taken} was taken over by another worker (claim 2, this one 1)`],
      [closed, `execution ${closed} was closed as interrupted by another server process`],
    ]);
    expect((await store.getExecutionEvents(taken)).map((event) => event.sequence)).toEqual([2]);
    expect(await store.getExecutionEvents(closed)).toEqual([]);
  });
});
