import { formatEventId, type EventType, type StoredEvent } from '@aae/events';
import { describe, expect, it, vi } from 'vitest';
import type { PendingEvent } from './event-store.ts';
import { EventWriteBuffer, type EventWriteBufferOptions } from './event-write-buffer.ts';

// The buffer's own logic (batching, ordering, retry policy) against a scripted `write`; the real
// database path, outage included, is covered by event-write-buffer.int.test.ts.

let nextSequence = 1;
function pending(eventType: EventType = 'progress', executionId = 1): PendingEvent {
  const sequence = nextSequence++;
  const eventId = formatEventId(executionId, sequence);
  const createdAt = new Date();
  const timestamp = createdAt.toISOString();
  const eventData =
    eventType === 'execution-start'
      ? { executionId, totalPrompts: 1, toolName: 't', timestamp, eventId }
      : eventType === 'execution-complete'
        ? { executionId, totalTokens: 1, duration: 1, success: true as const, timestamp, eventId }
        : { currentStep: 1, totalSteps: 2, percentage: 50, message: 'half', timestamp, eventId };
  return { eventType, eventData, executionId, sequence, createdAt } as PendingEvent;
}

function harness(options: Partial<EventWriteBufferOptions> & { failures?: Array<'down' | 'refused'> } = {}) {
  const writes: PendingEvent[][] = [];
  const committed: StoredEvent[][] = [];
  const failures = [...(options.failures ?? [])];
  let databaseUp = true;
  const logger = { warn: vi.fn(), error: vi.fn() };
  const buffer = new EventWriteBuffer({
    flushDelayMs: 5,
    retryBaseMs: 1,
    retryMaxMs: 4,
    logger,
    ...options,
    async write(batch) {
      writes.push([...batch]);
      const failure = failures.shift();
      if (failure === 'down') {
        databaseUp = false;
        throw new Error('connection refused');
      }
      if (failure === 'refused') throw new Error('violates foreign key constraint');
      databaseUp = true;
      return { stored: batch.map((event, index) => ({ ...event, id: 1000 + writes.length * 100 + index }) as StoredEvent), refused: [] };
    },
    onCommitted: (batch) => committed.push([...batch]),
    probe: async () => {
      if (!databaseUp) {
        databaseUp = failures[0] !== 'down';
        throw new Error('still down');
      }
    },
  });
  const sequences = (batches: Array<Array<{ sequence: number }>>) => batches.map((batch) => batch.map((event) => event.sequence));
  return { buffer, writes, committed, logger, sequences };
}

describe('EventWriteBuffer', () => {
  it('never waits on the database: enqueue returns while a write is still in flight', async () => {
    const inFlight: Array<() => void> = [];
    const buffer = new EventWriteBuffer({
      write: (batch) =>
        new Promise((resolve) => {
          inFlight.push(() => resolve({ stored: batch.map((event, index) => ({ ...event, id: index + 1 }) as StoredEvent), refused: [] }));
        }),
      onCommitted: () => {},
    });
    buffer.enqueue(pending('execution-start'));
    for (let i = 0; i < 1000; i++) buffer.enqueue(pending());
    // The first write has not answered, yet every enqueue came back and the events wait in memory.
    expect(inFlight).toHaveLength(1);
    expect(buffer.getStats()).toMatchObject({ pending: 1000, written: 0 });
    const flushed = buffer.flush();
    let done = false;
    void flushed.then(() => (done = true));
    while (!done) {
      inFlight.shift()?.();
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(buffer.getStats()).toMatchObject({ pending: 0, written: 1001 });
  });

  it('holds ordinary events for a few milliseconds and writes them as one batch', async () => {
    const { buffer, writes, sequences } = harness({ flushDelayMs: 20 });
    const events = [pending(), pending(), pending()];
    for (const event of events) buffer.enqueue(event);
    expect(writes).toHaveLength(0);
    await buffer.flush();
    expect(sequences(writes)).toEqual([events.map((event) => event.sequence)]);
  });

  it('writes a critical event at once, together with what waited before it', async () => {
    const { buffer, writes, sequences } = harness({ flushDelayMs: 60_000 });
    const first = pending();
    const start = pending('execution-start');
    buffer.enqueue(first);
    buffer.enqueue(start);
    await vi.waitFor(() => expect(writes).toHaveLength(1), { timeout: 30_000 });
    expect(sequences(writes)).toEqual([[first.sequence, start.sequence]]);
    const complete = pending('execution-complete');
    buffer.enqueue(complete);
    await vi.waitFor(() => expect(writes).toHaveLength(2), { timeout: 30_000 });
    expect(sequences(writes)[1]).toEqual([complete.sequence]);
  });

  it('splits a burst into batches of maxBatchSize, committed in order', async () => {
    const { buffer, committed, writes } = harness({ maxBatchSize: 4 });
    const events = Array.from({ length: 10 }, () => pending());
    for (const event of events) buffer.enqueue(event);
    await buffer.flush();
    expect(writes.map((batch) => batch.length)).toEqual([4, 4, 2]);
    expect(committed.flat().map((event) => event.sequence)).toEqual(events.map((event) => event.sequence));
  });

  it('retries through a database outage without limit, then commits everything once, in order', async () => {
    const { buffer, committed, writes, logger } = harness({ failures: Array(12).fill('down'), maxAttempts: 2 });
    const events = [pending('execution-start'), pending(), pending('execution-complete')];
    for (const event of events) buffer.enqueue(event);
    await buffer.flush();
    expect(writes.length).toBeGreaterThanOrEqual(13);
    expect(committed.flat().map((event) => event.sequence)).toEqual(events.map((event) => event.sequence));
    expect(buffer.getStats()).toMatchObject({ failed: 0, written: 3, retries: 12 });
    expect(logger.warn).toHaveBeenCalledWith(expect.stringContaining('database unreachable'));
    expect(logger.error).not.toHaveBeenCalled();
  });

  it('isolates an event the database keeps refusing: the rest are stored, that one is counted and logged', async () => {
    // Batch of 4 refused twice; halves [a,b] refused twice, then [a] ok, [b] refused twice; [c,d] ok.
    const { buffer, committed, logger } = harness({
      maxAttempts: 2,
      failures: ['refused', 'refused', 'refused', 'refused', undefined as never, 'refused', 'refused'],
    });
    const [a, b, c, d] = [pending(), pending(), pending(), pending()];
    for (const event of [a, b, c, d]) buffer.enqueue(event!);
    await buffer.flush();
    expect(committed.flat().map((event) => event.sequence)).toEqual([a!.sequence, c!.sequence, d!.sequence]);
    expect(buffer.getStats()).toMatchObject({ failed: 1, written: 3 });
    expect(logger.error).toHaveBeenCalledTimes(1);
    const [message, , payload] = logger.error.mock.calls[0]!;
    expect(message).toContain(b!.eventData.eventId);
    expect(JSON.parse(payload as string)).toMatchObject({ sequence: b!.sequence });
  });

  it('drains on flush: everything enqueued before it is committed', async () => {
    const { buffer, committed } = harness({ flushDelayMs: 60_000, maxBatchSize: 3 });
    for (let i = 0; i < 7; i++) buffer.enqueue(pending());
    await buffer.flush();
    expect(committed.flat()).toHaveLength(7);
    expect(buffer.getStats().pending).toBe(0);
  });

  it('says writes fail while the database refuses them, until one succeeds', async () => {
    const { buffer } = harness({ maxAttempts: 1, failures: ['refused'] });
    expect(buffer.getStats()).toMatchObject({ writes: 'ok', writesFailingSince: null, lastWriteError: null });
    buffer.enqueue(pending('execution-start'));
    await buffer.flush();
    // Given up on, and nothing has succeeded since: health and readiness read this.
    expect(buffer.getStats()).toMatchObject({ writes: 'failing', failed: 1, lastWriteError: 'violates foreign key constraint' });
    expect(Date.parse(buffer.getStats().writesFailingSince!)).not.toBeNaN();
    buffer.enqueue(pending('execution-complete'));
    await buffer.flush();
    expect(buffer.getStats()).toMatchObject({ writes: 'ok', writesFailingSince: null, lastWriteError: null, written: 1 });
  });

  it('says writes wait for an unreachable database while they retry', async () => {
    const { buffer } = harness({ failures: Array(40).fill('down'), retryBaseMs: 5, retryMaxMs: 5 });
    buffer.enqueue(pending('execution-start'));
    await vi.waitFor(() => expect(buffer.getStats()).toMatchObject({ writes: 'unreachable', lastWriteError: 'connection refused' }), { timeout: 30_000 });
    await buffer.flush();
    expect(buffer.getStats()).toMatchObject({ writes: 'ok', written: 1, failed: 0 });
  });
});
