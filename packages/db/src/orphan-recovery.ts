import { isTerminalEventType, type StoredEvent } from '@aae/events';
import { createEventRecorder } from './event-recorder.ts';
import { createEventStore, type PendingEvent } from './event-store.ts';
import type { PrismaClient } from './generated/prisma/client.ts';

export const ORPHAN_ERROR = 'Execution was interrupted: the server running it stopped before it finished';

/**
 * Closes executions whose process died: unfinished ones whose lease (heartbeat, or creation for a
 * pending one) is older than `staleAfterMs`. Each gets its one terminal event — a recoverable
 * `execution-error` — in the same transaction that marks it failed, so neither happens without
 * the other. Rows another process is closing at this moment are skipped (SKIP LOCKED).
 * Returns the events written, for the caller to publish.
 */
export async function closeOrphanedExecutions(
  prisma: PrismaClient,
  options: { staleAfterMs: number /** Executions the calling process is running itself. */; excludeIds?: readonly number[] },
): Promise<StoredEvent[]> {
  return prisma.$transaction(async (tx) => {
    // The database's clock, which wrote the heartbeats, so server clocks may disagree.
    const stale = await tx.$queryRaw<Array<{ id: number }>>`
      SELECT id FROM executions
      WHERE status IN ('pending', 'running')
        AND COALESCE(heartbeat_at, created_at) <= now() - make_interval(secs => ${options.staleAfterMs / 1000})
        AND NOT (id = ANY(${[...(options.excludeIds ?? [])]}::int[]))
      ORDER BY id
      FOR UPDATE SKIP LOCKED`;
    const store = createEventStore(tx);
    const written: StoredEvent[] = [];
    for (const { id } of stale) {
      const last = await store.lastEvent(id);
      const lastType = last?.eventType ?? null;
      if (lastType && isTerminalEventType(lastType)) {
        // It ended but died before recording so: the event is the truth.
        await tx.execution.update({
          where: { id },
          data: { status: lastType === 'execution-complete' ? 'completed' : 'failed', finishedAt: new Date() },
        });
        continue;
      }
      const pending: PendingEvent[] = [];
      // Never before the last stored event, whatever this process's clock says.
      const resumeAt = last ? { lastSequence: last.sequence, lastCreatedAtUs: last.createdAtUs } : {};
      createEventRecorder({ executionId: id, ...resumeAt, enqueue: (event) => pending.push(event) }).emit({
        eventType: 'execution-error',
        eventData: {
          executionId: id,
          error: ORPHAN_ERROR,
          recoverable: true,
          details: 'Closed by a server process that found its lease expired; run the assistant again to retry.',
        },
      });
      const { stored } = await store.insertEvents(pending);
      // Holding the row lock, nothing can have taken that place; should it have, try next sweep.
      if (stored.length === 0) continue;
      written.push(...stored);
      // From now on the execution takes no events from the process that ran it, should it still be alive.
      await tx.execution.update({ where: { id }, data: { status: 'failed', error: ORPHAN_ERROR, finishedAt: new Date(), orphanedAt: new Date() } });
    }
    return written;
  });
}
