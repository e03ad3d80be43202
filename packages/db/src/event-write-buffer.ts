import { backoffDelay, type BackoffPolicy, isCriticalEventType, type StoredEvent } from '@aae/events';
import type { InsertResult, PendingEvent } from './event-store.ts';

export interface EventWriteBufferOptions {
  /** Writes one batch; must be safe to call again with the same batch. */
  write(events: readonly PendingEvent[]): Promise<InsertResult>;
  /** Called, in write order, with each batch once it is committed. */
  onCommitted(events: readonly StoredEvent[]): void;
  maxBatchSize?: number;
  /** How long a non-critical event may wait for company before the batch is written. */
  flushDelayMs?: number;
  /**
   * Answers whether the database is reachable (e.g. `SELECT 1`). While it is not, a failed batch
   * waits and is retried without limit: an outage delays events, it does not lose them.
   * Without a probe every failure counts towards `maxAttempts`.
   */
  probe?: () => Promise<unknown>;
  /**
   * Attempts for a batch the reachable database keeps refusing. Then the batch is split to
   * isolate the event at fault, and only that event is given up on (counted and logged with its
   * payload, never silently).
   */
  maxAttempts?: number;
  retryBaseMs?: number;
  retryMaxMs?: number;
  logger?: Pick<Console, 'warn' | 'error'>;
}

export interface EventWriteBufferStats {
  pending: number;
  written: number;
  retries: number;
  /** Events whose every write attempt failed, or that the database refused; each is logged with its payload. */
  failed: number;
  /**
   * How the last write went: `ok`; `unreachable` (the database does not answer: events wait, none
   * is lost); `failing` (the database answers but refuses the writes, as when a table is missing:
   * events are given up on once their attempts run out). Back to `ok` with the next write that succeeds.
   */
  writes: EventWritesState;
  /** Since when, and the last error, while `writes` is not `ok`. */
  writesFailingSince: string | null;
  lastWriteError: string | null;
}

export type EventWritesState = 'ok' | 'unreachable' | 'failing';

/**
 * Collects events from running executions and writes them in multi-row inserts. `enqueue` never
 * waits on the database; batches are written one at a time, in order, so each execution's
 * events are committed and published in the order they were emitted.
 */
export class EventWriteBuffer {
  private queue: PendingEvent[] = [];
  /** Events enqueued, and events written or given up on, since the start: `settled` compares them. */
  private enqueuedCount = 0;
  private settledCount = 0;
  private readonly settleWaiters: Array<{ upTo: number; resolve: () => void }> = [];
  private timer: NodeJS.Timeout | null = null;
  private writing: Promise<void> | null = null;
  private readonly stats: Omit<EventWriteBufferStats, 'pending'> = {
    written: 0,
    retries: 0,
    failed: 0,
    writes: 'ok',
    writesFailingSince: null,
    lastWriteError: null,
  };
  private readonly maxBatchSize: number;
  private readonly flushDelayMs: number;
  private readonly maxAttempts: number;
  private readonly retryDelays: BackoffPolicy;
  private readonly logger: Pick<Console, 'warn' | 'error'>;

  constructor(private readonly options: EventWriteBufferOptions) {
    this.maxBatchSize = options.maxBatchSize ?? 500;
    this.flushDelayMs = options.flushDelayMs ?? 5;
    this.maxAttempts = options.maxAttempts ?? 5;
    this.retryDelays = { baseMs: options.retryBaseMs ?? 50, maxMs: options.retryMaxMs ?? 5_000 };
    this.logger = options.logger ?? console;
  }

  enqueue(event: PendingEvent): void {
    this.queue.push(event);
    this.enqueuedCount++;
    if (isCriticalEventType(event.eventType) || this.queue.length >= this.maxBatchSize) {
      this.startWriting();
    } else {
      this.timer ??= setTimeout(() => this.startWriting(), this.flushDelayMs);
    }
  }

  getStats(): EventWriteBufferStats {
    return { ...this.stats, pending: this.queue.length };
  }

  /** Resolves once everything enqueued before the call is committed (or given up on). */
  async flush(): Promise<void> {
    while (this.queue.length > 0 || this.writing) {
      this.startWriting();
      await this.writing;
    }
  }

  /**
   * Resolves once every event enqueued before the call is written (or given up on), without
   * waiting for events enqueued later, as `flush` does: a run waits for its own last event.
   */
  settled(): Promise<void> {
    const upTo = this.enqueuedCount;
    if (this.settledCount >= upTo) return Promise.resolve();
    this.startWriting();
    return new Promise((resolve) => this.settleWaiters.push({ upTo, resolve }));
  }

  private startWriting(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (this.writing || this.queue.length === 0) return;
    this.writing = this.writeAll().finally(() => {
      this.writing = null;
      // Events enqueued while the last batch was in flight.
      if (this.queue.length > 0) this.startWriting();
    });
  }

  private async writeAll(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.maxBatchSize);
      const stored = await this.writeWithRetry(batch).finally(() => this.settle(batch.length));
      if (stored.length > 0) {
        this.stats.written += stored.length;
        this.options.onCommitted(stored);
      }
    }
  }

  private async writeWithRetry(batch: PendingEvent[]): Promise<StoredEvent[]> {
    for (let attempt = 1, outageAttempt = 0; ; ) {
      try {
        const { stored, refused } = await this.options.write(batch);
        this.wrote(null);
        for (const { event, reason } of refused) {
          this.stats.failed += 1;
          this.logger.error(`[event-store] refused event ${event.eventData.eventId}: ${reason}; it is NOT stored:`, logged(event));
        }
        return stored;
      } catch (error) {
        this.stats.retries++;
        const answers = await this.databaseAnswers();
        this.wrote(answers ? 'failing' : 'unreachable', error);
        if (!answers) {
          outageAttempt++;
          const delay = backoffDelay(outageAttempt, this.retryDelays);
          // Every attempt while the outage is young, then one line in ten: loud, not a flood.
          if (outageAttempt <= 5 || outageAttempt % 10 === 0) {
            this.logger.warn(
              `[event-store] database unreachable; ${batch.length + this.queue.length} event(s) waiting, retry ${outageAttempt} in ${delay} ms: ${String(error)}`,
            );
          }
          await sleep(delay);
          continue;
        }
        if (attempt < this.maxAttempts) {
          const delay = backoffDelay(attempt, this.retryDelays);
          this.logger.warn(
            `[event-store] writing ${batch.length} event(s) failed (attempt ${attempt}/${this.maxAttempts}), retrying in ${delay} ms: ${String(error)}`,
          );
          attempt++;
          await sleep(delay);
          continue;
        }
        if (batch.length > 1) {
          const half = Math.ceil(batch.length / 2);
          const first = await this.writeWithRetry(batch.slice(0, half));
          const second = await this.writeWithRetry(batch.slice(half));
          return [...first, ...second];
        }
        this.stats.failed += 1;
        this.logger.error(
          `[event-store] giving up on event ${batch[0]?.eventData.eventId} after ${attempt} attempts; it is NOT stored:`,
          error,
          logged(batch[0]),
        );
        return [];
      }
    }
  }

  /**
   * While writes are failing (the database answers, the write is refused): runs `probe`, a write
   * that stores nothing, and clears the state when it succeeds. Without it, an idle process whose
   * table was repaired would say "failing" until its next event.
   */
  async recheckWrites(probe: () => Promise<unknown>): Promise<void> {
    if (this.stats.writes !== 'failing') return;
    try {
      await probe();
    } catch {
      return;
    }
    this.wrote(null);
  }

  /** Records how the last write went (null: it succeeded). */
  private wrote(state: Exclude<EventWritesState, 'ok'> | null, error?: unknown): void {
    if (state === null) {
      if (this.stats.writes === 'ok') return;
      Object.assign(this.stats, { writes: 'ok', writesFailingSince: null, lastWriteError: null });
      return;
    }
    if (this.stats.writes === 'ok') this.stats.writesFailingSince = new Date().toISOString();
    this.stats.writes = state;
    this.stats.lastWriteError = error instanceof Error ? error.message : String(error);
  }

  private settle(count: number): void {
    this.settledCount += count;
    for (let index = this.settleWaiters.length - 1; index >= 0; index--) {
      const waiter = this.settleWaiters[index]!;
      if (waiter.upTo > this.settledCount) continue;
      this.settleWaiters.splice(index, 1);
      waiter.resolve();
    }
  }

  private async databaseAnswers(): Promise<boolean> {
    if (!this.options.probe) return true;
    try {
      await this.options.probe();
      return true;
    } catch {
      return false;
    }
  }
}

/** An event as a log line: its payload once, not also as the JSON the recorder made of it. */
function logged(event: PendingEvent | undefined): string {
  return JSON.stringify(event && { ...event, eventDataJson: undefined });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
