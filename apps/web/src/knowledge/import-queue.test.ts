import { describe, expect, it } from 'vitest';
import { deferred } from '@aae/events';
import { createImportQueue, RetryLaterError } from './import-queue.ts';

/** A run per item that ends when the test says, and a timer the test fires by hand. */
function harness(limit: number) {
  const runs = new Map<string, ReturnType<typeof deferred<void>>>();
  const started: string[] = [];
  const failed: Array<[string, unknown]> = [];
  const retries: Array<[string, number]> = [];
  const timers = new Map<number, () => void>();
  let nextTimer = 0;
  const queue = createImportQueue<string>({
    limit,
    run(item) {
      started.push(item);
      const run = deferred<void>();
      runs.set(item, run);
      return run.promise;
    },
    onRetryLater: (item, waitMs) => retries.push([item, waitMs]),
    onError: (item, error) => failed.push([item, error]),
    setTimer(callback) {
      timers.set(++nextTimer, callback);
      return nextTimer;
    },
    clearTimer: (timer) => timers.delete(timer as number),
  });
  const settle = () => new Promise((resolve) => setTimeout(resolve, 0));
  return {
    queue,
    started,
    failed,
    retries,
    timers,
    async end(item: string, error?: unknown) {
      const run = runs.get(item)!;
      if (error) run.reject(error);
      else run.resolve();
      await settle();
    },
    async fireTimers() {
      for (const [id, callback] of [...timers]) {
        timers.delete(id);
        callback();
      }
      await settle();
    },
  };
}

describe('createImportQueue', () => {
  it('runs at most `limit` items at once, in the order added', async () => {
    const h = harness(2);
    h.queue.add(['a', 'b', 'c', 'd']);
    expect(h.started).toEqual(['a', 'b']);
    await h.end('b');
    expect(h.started).toEqual(['a', 'b', 'c']);
    await h.end('a');
    await h.end('c');
    expect(h.started).toEqual(['a', 'b', 'c', 'd']);
    expect(h.queue.running).toBe(1);
  });

  it('puts a refused item back first and waits as asked before sending anything more', async () => {
    const h = harness(3);
    h.queue.add(['a', 'b']);
    await h.end('a', new RetryLaterError(30_000, 'You have 3 document imports running'));
    expect(h.retries).toEqual([['a', 30_000]]);
    h.queue.add(['c']);
    // Paused: neither the refused item nor the new one is sent yet.
    expect(h.started).toEqual(['a', 'b']);
    expect(h.queue.waiting).toEqual(['a', 'c']);
    await h.fireTimers();
    expect(h.started).toEqual(['a', 'b', 'a', 'c']);
    expect(h.failed).toEqual([]);
  });

  it('puts several refused items back in the order they were added', async () => {
    const h = harness(3);
    h.queue.add(['a', 'b', 'c', 'd']);
    await h.end('a', new RetryLaterError(30_000, 'busy'));
    await h.end('b', new RetryLaterError(30_000, 'busy'));
    await h.end('c', new RetryLaterError(30_000, 'busy'));
    expect(h.queue.waiting).toEqual(['a', 'b', 'c', 'd']);
  });

  it('takes waiting items out when cancelled, leaving the rest in order', async () => {
    const h = harness(1);
    h.queue.add(['a', 'b', 'c', 'd']);
    expect(h.queue.remove((item) => item === 'b' || item === 'd')).toEqual(['b', 'd']);
    await h.end('a');
    expect(h.started).toEqual(['a', 'c']);
  });

  it('tries again at once when one of its own items ends during the wait', async () => {
    const h = harness(3);
    h.queue.add(['a', 'b']);
    await h.end('b', new RetryLaterError(60_000, 'The server is running 10 document imports'));
    expect(h.timers.size).toBe(1);
    await h.end('a');
    expect(h.started).toEqual(['a', 'b', 'b']);
    expect(h.timers.size).toBe(0);
  });

  it('reports other failures and goes on with the rest', async () => {
    const h = harness(1);
    h.queue.add(['a', 'b']);
    const refusal = new Error('content is empty');
    await h.end('a', refusal);
    expect(h.failed).toEqual([['a', refusal]]);
    expect(h.started).toEqual(['a', 'b']);
  });

  it('starts nothing more once stopped', async () => {
    const h = harness(1);
    h.queue.add(['a', 'b']);
    h.queue.stop();
    await h.end('a');
    expect(h.started).toEqual(['a']);
  });
});
