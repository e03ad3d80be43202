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
