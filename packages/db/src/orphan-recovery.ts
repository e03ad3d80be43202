import { isTerminalEventType, type StoredEvent } from '@aae/events';
import { createEventRecorder } from './event-recorder.ts';
import { createEventStore, type PendingEvent } from './event-store.ts';
import { Prisma, type PrismaClient } from './generated/prisma/client.ts';

export const ORPHAN_ERROR = 'Execution was interrupted: the server running it stopped before it finished';

/** The advisory lock class of running executions: a worker holds `(EXECUTION_LOCK_CLASS, id)` on its session while it runs `id`. */
export const EXECUTION_LOCK_CLASS = 41_451;

/** Transactions of recovery wait their turn under load instead of failing (Prisma's default wait is 2 s). */
const TRANSACTION_OPTIONS = { maxWait: 15_000, timeout: 60_000 } as const;

export interface RecoverInterruptedOptions {
  /** A running execution whose lease is older than this is interrupted (a dead or hung process). */
  staleAfterMs: number;
  /**
   * Also interrupted: a running execution whose worker's session lock is gone (PostgreSQL releases
   * it the moment that worker's connection drops). Only on a server database.
   */
  checkLocks?: boolean;
  /**
   * With `checkLocks`: a lock gone counts only once the lease is also this old, so a live worker
   * whose session dropped for a moment (its heartbeats go on through the pool) keeps its
   * executions. A dead worker is noticed after this, plus one sweep.
   */
  lockGraceMs?: number;
  /** Executions the calling process is running itself. */
  excludeIds?: readonly number[];
  /** An interrupted execution that has run this many times is closed instead of queued again. */
  maxAttempts: number;
}

export interface RecoveredExecutions {
  /** Queued again: a worker claims each and resumes it from its last completed prompt. */
  requeued: number[];
  /** Past the attempts cap: closed with one recoverable `execution-error`. */
  closed: number[];
  /** Its terminal event was stored, its status was not: the event is the truth. */
  settled: number[];
  /** The events written (the closing errors), for the caller to publish. */
  events: StoredEvent[];
}

/**
 * Finds executions whose worker died (its session lock is gone, or its lease is older than
 * `staleAfterMs`) and, for each: queues it again to be resumed, or past `maxAttempts` closes it
 * with one recoverable `execution-error` in the same transaction that marks it failed. Rows
 * another process is recovering or claiming at this moment are skipped (SKIP LOCKED).
 */
export async function recoverInterruptedExecutions(prisma: PrismaClient, options: RecoverInterruptedOptions): Promise<RecoveredExecutions> {
  const recovered: RecoveredExecutions = { requeued: [], closed: [], settled: [], events: [] };
  const exclude = [...(options.excludeIds ?? [])];
  // The cheap look first, without a transaction: nearly always there is nothing to recover.
  const candidates = await prisma.$queryRaw<Array<{ id: number }>>(interruptedSql(options, exclude, false));
  if (candidates.length === 0) return recovered;
  return prisma.$transaction(async (tx) => {
    const stale = await tx.$queryRaw<Array<{ id: number; attempts: number }>>(interruptedSql(options, exclude, true));
    const store = createEventStore(tx);
    for (const { id, attempts } of stale) {
      const last = await store.lastEvent(id);
      if (last && isTerminalEventType(last.eventType)) {
        // It ended but died before recording so: the event says how.
        const [terminal] = await store.listEvents(id, { afterSequence: last.sequence - 1, limit: 1 });
        const { status, totalTokens, error } = outcomeOf(terminal!);
        await tx.execution.update({ where: { id }, data: { status, totalTokens, error: error ?? null, finishedAt: new Date(), workerId: null } });
        recovered.settled.push(id);
        continue;
      }
      if (attempts < options.maxAttempts) {
        // A new claim number fences off its worker at once, should it be alive but hung.
        await tx.$executeRaw`
          UPDATE executions SET status = 'pending', worker_id = NULL, claims = claims + 1 WHERE id = ${id}`;
        recovered.requeued.push(id);
        continue;
      }
      const written = await closeWithError(tx, id, last, {
        error: ORPHAN_ERROR,
        details: `It was interrupted on ${attempts} attempt(s), the most allowed; run the assistant again to retry.`,
      });
      if (written.length === 0) continue;
      recovered.events.push(...written);
      recovered.closed.push(id);
    }
    if (recovered.requeued.length > 0) await tx.$executeRaw`SELECT pg_notify(${QUEUE_CHANNEL}, '')`;
    return recovered;
  }, TRANSACTION_OPTIONS);
}

/** How an execution ended, as its terminal event says. */
export function outcomeOf(terminal: StoredEvent): { status: 'completed' | 'failed'; totalTokens: number; error?: string } {
  if (terminal.eventType === 'execution-complete') return { status: 'completed', totalTokens: terminal.eventData.totalTokens };
  if (terminal.eventType === 'execution-error') return { status: 'failed', totalTokens: 0, error: terminal.eventData.error };
  throw new Error(`event ${terminal.eventData.eventId} is not a terminal event`);
}

/** Wakes the workers of every process: an execution was queued (or queued again). */
export const QUEUE_CHANNEL = 'aae_queue';

function interruptedSql(options: RecoverInterruptedOptions, exclude: number[], lock: boolean) {
  const lockGone = options.checkLocks
    ? Prisma.sql`OR (COALESCE(e.heartbeat_at, e.created_at) <= now() - make_interval(secs => ${(options.lockGraceMs ?? 0) / 1000}) AND NOT EXISTS (
        SELECT 1 FROM pg_locks l
        WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2
          AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
          AND l.classid = ${EXECUTION_LOCK_CLASS}::oid AND l.objid = e.id::oid))`
    : Prisma.empty;
  return Prisma.sql`
    SELECT e.id, e.attempts FROM executions e
    WHERE e.status = 'running'
      -- The database's clock, which wrote the heartbeats, so server clocks may disagree.
      AND (COALESCE(e.heartbeat_at, e.created_at) <= now() - make_interval(secs => ${options.staleAfterMs / 1000}) ${lockGone})
      AND NOT (e.id = ANY(${exclude}::int[]))
    ORDER BY e.id
    ${lock ? Prisma.sql`FOR UPDATE SKIP LOCKED` : Prisma.empty}`;
}

type Transaction = Parameters<Parameters<PrismaClient['$transaction']>[0]>[0];

/**
 * Writes an execution's one terminal event — a recoverable `execution-error` — after its last
 * stored one, and marks it failed and fenced: events its worker still sends are refused.
 * Run inside a transaction holding the execution's row lock. Returns the event written (none if
 * its place was taken, which the row lock rules out).
 */
export async function closeWithError(
  tx: Transaction,
  id: number,
  last: { sequence: number; createdAtUs: number } | null,
  failure: { error: string; details?: string },
): Promise<StoredEvent[]> {
  const pending: PendingEvent[] = [];
  // Never before the last stored event, whatever this process's clock says.
  const resumeAt = last ? { lastSequence: last.sequence, lastCreatedAtUs: last.createdAtUs } : {};
  createEventRecorder({ executionId: id, ...resumeAt, enqueue: (event) => pending.push(event) }).emit({
    eventType: 'execution-error',
    eventData: { executionId: id, error: failure.error, recoverable: true, ...(failure.details ? { details: failure.details } : {}) },
  });
  const { stored } = await createEventStore(tx).insertEvents(pending);
  if (stored.length === 0) return [];
  await tx.execution.update({
    where: { id },
    data: { status: 'failed', error: failure.error, finishedAt: new Date(), orphanedAt: new Date(), workerId: null, claims: { increment: 1 } },
  });
  return stored;
}

/**
 * Closes executions whose process died: unfinished ones whose lease is older than `staleAfterMs`,
 * each with one recoverable `execution-error` whatever its attempts (no resume). Returns the
 * events written, for the caller to publish.
 */
export async function closeOrphanedExecutions(
  prisma: PrismaClient,
  options: { staleAfterMs: number /** Executions the calling process is running itself. */; excludeIds?: readonly number[] },
): Promise<StoredEvent[]> {
  const { events } = await recoverInterruptedExecutions(prisma, { ...options, maxAttempts: 0 });
  return events;
}
