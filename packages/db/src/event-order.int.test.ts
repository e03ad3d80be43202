import type { StoredEvent } from '@aae/events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEventRecorder } from './event-recorder.ts';
import { createEventStore, type PendingEvent } from './event-store.ts';
import { EventWriteBuffer } from './event-write-buffer.ts';
import { closeOrphanedExecutions } from './orphan-recovery.ts';
import { createExecutionRepository } from './repositories/executions.ts';
import { createProjectTestDatabase } from './testing/project-database.ts';
import { bindExecutionId, SEED_SQL } from './testing/seed-sql.ts';
import { createTestExecution } from './testing/test-execution.ts';
import type { TestDatabase } from './testing/test-database.ts';

let db: TestDatabase;
beforeAll(async () => {
  db = await createProjectTestDatabase();
});
afterAll(() => db?.close());

/** Each event's stored time: microseconds since the epoch, and the millisecond ISO time the payload should carry. */
async function storedTimes(executionId: number) {
  const rows = await db.prisma.$queryRaw<Array<{ sequence: number; us: bigint; ms: string; timestamp: string }>>`
    SELECT sequence, (EXTRACT(EPOCH FROM created_at) * 1000000)::bigint AS us,
      to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS ms, event_data->>'timestamp' AS timestamp
    FROM assistant_architect_events WHERE execution_id = ${executionId} ORDER BY sequence`;
  return rows.map((row) => ({ sequence: row.sequence, us: Number(row.us), ms: row.ms, timestamp: row.timestamp }));
}

describe('ordering by created_at agrees with the sequence', () => {
  it('the seed’s history query returns every execution’s events in sequence order after batched writes', async () => {
    const executionIds: number[] = [];
    for (let index = 0; index < 6; index++) executionIds.push(await createTestExecution(db.prisma, `Order ${index}`));
    const store = createEventStore(db.prisma);
    const enqueued: PendingEvent[] = [];
    const committed: StoredEvent[] = [];
    const buffer = new EventWriteBuffer({
      write: (batch) => store.insertEvents(batch),
      onCommitted: (batch) => committed.push(...batch),
      maxBatchSize: 40,
    });
    const recorders = executionIds.map((executionId) =>
      createEventRecorder({
        executionId,
        enqueue: (event) => {
          enqueued.push(event);
          buffer.enqueue(event);
        },
      }),
    );

    // Interleaved, as concurrent runs are: many events per millisecond, batches mixing executions.
    executionIds.forEach((executionId, index) => {
      recorders[index]?.emit({ eventType: 'execution-start', eventData: { executionId, totalPrompts: 1, toolName: 'Order' } });
    });
    for (let round = 1; round <= 3; round++) {
      for (let step = 1; step <= 50; step++) {
        for (const recorder of recorders) {
          recorder.emit({ eventType: 'progress', eventData: { currentStep: step, totalSteps: 50, percentage: step * 2, message: `round ${round}` } });
        }
      }
      await buffer.flush();
    }
    executionIds.forEach((executionId, index) => {
      recorders[index]?.emit({ eventType: 'execution-complete', eventData: { executionId, totalTokens: 0, duration: 1, success: true } });
    });
    await buffer.flush();
    expect(committed).toHaveLength(executionIds.length * 152);
    expect(buffer.getStats().failed).toBe(0);

    for (const executionId of executionIds) {
      const rows = await db.prisma.$queryRawUnsafe<Array<{ id: bigint; execution_id: number; event_data: { eventId: string } }>>(
        bindExecutionId(SEED_SQL.history),
        executionId,
      );
      const stored = await store.getExecutionEvents(executionId);
      expect(stored).toHaveLength(152);
      expect(rows.map((row) => row.event_data.eventId)).toEqual(stored.map((event) => event.eventData.eventId));

      // Stored exactly as stamped, strictly increasing; the payload's timestamp is that time to the millisecond.
      const times = await storedTimes(executionId);
      const stamped = enqueued.filter((event) => event.executionId === executionId);
      expect(times.map((row) => row.us)).toEqual(stamped.map((event) => event.createdAtUs));
      expect(times.every((row, index) => index === 0 || row.us > (times[index - 1]?.us ?? Number.POSITIVE_INFINITY))).toBe(true);
      expect(times.map((row) => row.timestamp)).toEqual(times.map((row) => row.ms));
      // The API's createdAt stays the millisecond time.
      expect(stored.map((event) => event.createdAt.toISOString())).toEqual(stored.map((event) => event.eventData.timestamp));
    }
  });

  it('a closed orphan’s error comes after its last event even when this process’s clock is behind', async () => {
    const executionId = await createTestExecution(db.prisma, 'Orphan');
    await createExecutionRepository(db.prisma).markRunning(executionId, new Date(), 'gone');
    const store = createEventStore(db.prisma);
    const pending: PendingEvent[] = [];
    // Written by a process whose clock ran an hour ahead.
    const ahead = createEventRecorder({ executionId, enqueue: (event) => pending.push(event), now: () => new Date(Date.now() + 3_600_000) });
    ahead.emit({ eventType: 'execution-start', eventData: { executionId, totalPrompts: 1, toolName: 'Orphan' } });
    ahead.emit({ eventType: 'progress', eventData: { currentStep: 1, totalSteps: 2, percentage: 50, message: 'half' } });
    await store.insertEvents(pending);
    expect(await store.lastEvent(executionId)).toEqual({ sequence: 2, eventType: 'progress', createdAtUs: pending[1]?.createdAtUs });

    const written = await closeOrphanedExecutions(db.prisma, { staleAfterMs: 0 });
    expect(written.filter((event) => event.executionId === executionId).map((event) => [event.sequence, event.eventType])).toEqual([[3, 'execution-error']]);
    const times = await storedTimes(executionId);
    expect(times.map((row) => row.sequence)).toEqual([1, 2, 3]);
    expect(times[2]?.us).toBe((pending[1]?.createdAtUs ?? 0) + 1);
    expect(times[2]?.timestamp).toBe(times[2]?.ms);
  });
});
