import { createInProcessEventBus, type ExecutionRepository } from '@aae/db';
import { isTerminalEvent, type StoredEvent } from '@aae/events';
import { storedEvent } from '@aae/db/testing';
import { describe, expect, it } from 'vitest';
import { createFanOut, SequenceNotReachedError, SlowWatcherError, type EventSink, type WatchAccess } from './fan-out.ts';

const OWNER = 7;

/**
 * The access of a person who reads their own executions (the API's rules, with their errors, are
 * tested with the core in packages/api/src/execution-access.test.ts).
 */
function person(id: number): WatchAccess {
  return {
    assertWatches() {},
    assertCanRead(executionId, ownerId) {
      if (ownerId !== id) throw new Error(`Execution ${executionId} does not exist`);
    },
  };
}

const event = storedEvent;

/**
 * A store and bus as the product uses them: events are stored first, then published (what the
 * write buffer does after each commit), and every read and subscription is counted.
 */
function world() {
  const stored = new Map<number, StoredEvent[]>();
  const counts = { reads: 0, owners: 0, terminals: 0, subscriptions: 0, feeds: 0, descriptions: 0 };
  const bus = createInProcessEventBus();
  const watchExecution = bus.watchExecution.bind(bus);
  const watchAll = bus.watchAll.bind(bus);
  const fanOut = createFanOut({
    pageSize: 50,
    recentEvents: 40,
    events: {
      async listEvents(executionId, options = {}) {
        counts.reads += 1;
        await Promise.resolve();
        const after = options.afterSequence ?? 0;
        return (stored.get(executionId) ?? []).filter((e) => e.sequence > after).slice(0, options.limit ?? 1_000);
      },
      async terminalSequence(executionId) {
        counts.terminals += 1;
        return (stored.get(executionId) ?? []).find((e) => isTerminalEvent(e))?.sequence ?? null;
      },
      async lastSequence(executionId) {
        return stored.get(executionId)?.at(-1)?.sequence ?? 0;
      },
    },
    executions: {
      async ownerOf(executionId) {
        counts.owners += 1;
        return stored.has(executionId) ? OWNER : null;
      },
      async get(executionId) {
        counts.descriptions += 1;
        return (stored.has(executionId) ? { assistantName: 'Writer', userName: 'demo' } : null) as Awaited<ReturnType<ExecutionRepository['get']>>;
      },
    },
    bus: {
      watchExecution(executionId, signal) {
        counts.subscriptions += 1;
        return watchExecution(executionId, signal);
      },
      watchAll(signal) {
        counts.feeds += 1;
        return watchAll(signal);
      },
    },
  });
  const create = (executionId: number) => stored.set(executionId, []);
  /** Stores an event without publishing it here (another process wrote it). */
  const store = async (executionId: number, e: StoredEvent) => {
    stored.get(executionId)!.push(e);
  };
  /** Stores then publishes the next `count` events (the last terminal when `end`). */
  const write = (executionId: number, count: number, end = false) => {
    const list = stored.get(executionId)!;
    const batch: StoredEvent[] = [];
    for (let i = 0; i < count; i++) batch.push(event(executionId, list.length + 1 + i, end && i === count - 1));
    for (const e of batch) list.push(e);
    bus.publish(batch);
  };
  return { fanOut, counts, create, write, store, bus };
}

/** A sink that collects sequences; `full` makes it report itself full. */
function collector(options: { full?: () => boolean } = {}) {
  const sequences: number[] = [];
  let finished = false;
  let failure: unknown = null;
  const sink: EventSink = {
    send: (e) => {
      sequences.push(e.sequence);
      return !options.full?.();
    },
    sendMany: (events) => {
      for (const e of events) sequences.push(e.sequence);
      return !options.full?.();
    },
    whenWritable: () => null,
    finish: () => {
      finished = true;
    },
    fail: (error) => {
      failure = error;
    },
  };
  return {
    sink,
    sequences,
    get finished() {
      return finished;
    },
    get failure() {
      return failure;
    },
  };
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('the fan-out core', () => {
  it('subscribes once per execution and reads its owner and end once, however many watch it', async () => {
    const w = world();
    w.create(1);
    w.write(1, 3);
    const watchers = Array.from({ length: 200 }, () => collector());
    for (const c of watchers) {
      expect(await w.fanOut.watch({ access: person(OWNER), executionId: 1, after: 0, sink: c.sink, signal: new AbortController().signal })).toBe('watching');
    }
    await expect.poll(() => watchers.every((c) => c.sequences.length === 3)).toBe(true);
    w.write(1, 5, true);
    await expect.poll(() => watchers.every((c) => c.finished)).toBe(true);
    for (const c of watchers) expect(c.sequences).toEqual(range(1, 8));
    expect(w.counts.subscriptions).toBe(1);
    // Two history reads for all 200 (the three events, then nothing after them), not one each.
    expect(w.counts.reads).toBe(2);
    expect(w.counts.owners).toBe(1);
    expect(w.counts.terminals).toBe(1);
    expect(w.fanOut.stats()).toMatchObject({ executions: 1, watchers: 0 });
  });

  it('shares history reads: 100 watchers replaying a finished execution read each page once', async () => {
    const w = world();
    w.create(2);
    w.write(2, 2_000, true);
    const watchers = Array.from({ length: 100 }, () => collector());
    await Promise.all(
      watchers.map((c) => w.fanOut.watch({ access: person(OWNER), executionId: 2, after: 0, sink: c.sink, signal: new AbortController().signal })),
    );
    await expect.poll(() => watchers.every((c) => c.finished)).toBe(true);
    for (const c of watchers) expect(c.sequences).toEqual(range(1, 2_000));
    // 2,000 events in pages of 50: 40 reads for all hundred watchers.
    expect(w.counts.reads).toBe(40);
    expect(w.fanOut.stats().historyReads).toBe(40);
  });

  it('gives every watcher each event once and in order, whenever it attaches and wherever it resumes', async () => {
    // A seeded interleaving of writes and attachments: some fresh, some resuming, some after the recent events rolled over.
    let seed = 42;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const w = world();
    w.create(3);
    const attached: Array<{ after: number; c: ReturnType<typeof collector> }> = [];
    let written = 0;
    while (written < 2_000) {
      const count = 1 + Math.floor(random() * 12);
      w.write(3, count);
      written += count;
      if (random() < 0.6) {
        const after = random() < 0.5 ? 0 : Math.floor(random() * written);
        const c = collector();
        attached.push({ after, c });
        void w.fanOut.watch({ access: person(OWNER), executionId: 3, after, sink: c.sink, signal: new AbortController().signal });
      }
      // Let some reads and deliveries happen between writes, more or fewer each time.
      for (let i = Math.floor(random() * 4); i > 0; i--) await Promise.resolve();
    }
    w.write(3, 1, true);
    const last = written + 1;
    await expect.poll(() => attached.every(({ c }) => c.finished)).toBe(true);
    for (const { after, c } of attached) expect(c.sequences).toEqual(range(after + 1, last));
    expect(attached.length).toBeGreaterThan(100);
  });

  it('cuts a live watcher that cannot keep up; resuming from its last event loses nothing', async () => {
    const w = world();
    w.create(4);
    let full = false;
    const slow = collector({ full: () => full });
    await w.fanOut.watch({ access: person(OWNER), executionId: 4, after: 0, sink: slow.sink, signal: new AbortController().signal });
    w.write(4, 5);
    await expect.poll(() => slow.sequences.length).toBe(5);
    full = true;
    w.write(4, 1);
    await expect.poll(() => slow.failure).toBeInstanceOf(SlowWatcherError);
    expect(w.fanOut.stats()).toMatchObject({ slowWatchersCut: 1, watchers: 0 });
    w.write(4, 10);
    const resumed = collector();
    await w.fanOut.watch({ access: person(OWNER), executionId: 4, after: slow.sequences.at(-1)!, sink: resumed.sink, signal: new AbortController().signal });
    w.write(4, 1, true);
    await expect.poll(() => resumed.finished).toBe(true);
    expect([...slow.sequences, ...resumed.sequences]).toEqual(range(1, 17));
  });

  it('asks the watcher’s access before subscribing, then with the execution’s owner, and checks where a watcher resumes', async () => {
    const w = world();
    w.create(5);
    w.write(5, 4, true);
    const asked: string[] = [];
    const refusal = new Error('refused');
    /** `person(OWNER)`, recording what it is asked; `refuse` makes one of its checks throw. */
    const access = (refuse: 'watches' | 'reads' | null = null): WatchAccess => ({
      assertWatches(executionId) {
        asked.push(`watches ${executionId}`);
        if (refuse === 'watches') throw refusal;
      },
      assertCanRead(executionId, ownerId) {
        asked.push(`reads ${executionId} of ${ownerId}`);
        if (refuse === 'reads') throw refusal;
        person(OWNER).assertCanRead(executionId, ownerId);
      },
    });
    const watch = (a: WatchAccess, after = 0, executionId = 5) =>
      w.fanOut.watch({ access: a, executionId, after, sink: collector().sink, signal: new AbortController().signal });
    // Refused before anything is subscribed or read.
    await expect(watch(access('watches'))).rejects.toBe(refusal);
    expect(asked).toEqual(['watches 5']);
    expect(w.counts).toMatchObject({ subscriptions: 0, owners: 0 });
    asked.length = 0;
    await expect(watch(access('reads'))).rejects.toBe(refusal);
    expect(asked).toEqual(['watches 5', 'watches 5', 'reads 5 of 7']);
    expect(w.counts.owners).toBe(1);
    await expect(watch(access())).resolves.toBe('watching');
    asked.length = 0;
    // No such execution: asked with no owner.
    await expect(watch(access(), 0, 99)).rejects.toThrow('Execution 99 does not exist');
    expect(asked).toEqual(['watches 99', 'watches 99', 'reads 99 of null']);
    const beyond = watch(access(), 9);
    await expect(beyond).rejects.toBeInstanceOf(SequenceNotReachedError);
    await expect(beyond).rejects.toThrow('lastEventId "evt_5_9" is not an event of execution 5 (it has not reached that sequence)');
    // Everything up to the terminal event already received: nothing to send.
    await expect(watch(access(), 4)).resolves.toBe('ended');
  });

  it('drops a watcher whose client goes, and its execution’s subscription when nobody watches', async () => {
    const w = world();
    w.create(6);
    const stop = new AbortController();
    const c = collector();
    await w.fanOut.watch({ access: person(OWNER), executionId: 6, after: 0, sink: c.sink, signal: stop.signal });
    expect(w.fanOut.stats()).toMatchObject({ executions: 1, watchers: 1 });
    stop.abort();
    expect(w.fanOut.stats()).toMatchObject({ watchers: 0 });
    w.write(6, 2);
    await Promise.resolve();
    expect(c.sequences).toEqual([]);
    w.fanOut.close();
    expect(w.fanOut.stats()).toMatchObject({ executions: 0 });
  });

  it('serves every admin feed from one bus subscription, and names each execution once for all of them', async () => {
    const w = world();
    w.create(7);
    w.create(8);
    const stop = new AbortController();
    const feeds = [0, 1, 2].map(() => w.fanOut.watchEverything(stop.signal)[Symbol.asyncIterator]());
    w.write(7, 2);
    w.write(8, 1, true);
    for (const feed of feeds) {
      const seen: string[] = [];
      for (let i = 0; i < 3; i++) {
        const { value } = await feed.next();
        seen.push(value!.eventData.eventId);
        await w.fanOut.describe(value!.executionId);
      }
      expect(seen).toEqual(['evt_7_000001', 'evt_7_000002', 'evt_8_000001']);
    }
    expect(w.counts.feeds).toBe(1);
    expect(w.counts.descriptions).toBe(2);
    await expect(w.fanOut.describe(7)).resolves.toEqual({ assistantName: 'Writer', userName: 'demo' });
    stop.abort();
    for (const feed of feeds) expect((await feed.next()).done).toBe(true);
  });

  it('tells a watcher resuming at the end that it has everything, even before this process saw the end published', async () => {
    const w = world();
    w.create(9);
    w.write(9, 2);
    const early = collector();
    await w.fanOut.watch({ access: person(OWNER), executionId: 9, after: 0, sink: early.sink, signal: new AbortController().signal });
    await expect.poll(() => early.sequences).toEqual([1, 2]);
    // Stored by another process; its announcement has not arrived here yet.
    const stored = event(9, 3, true);
    await w.store(9, stored);
    await expect(
      w.fanOut.watch({ access: person(OWNER), executionId: 9, after: 3, sink: collector().sink, signal: new AbortController().signal }),
    ).resolves.toBe('ended');
    // When it arrives, the early watcher gets it and ends.
    w.bus.publish([stored]);
    await expect.poll(() => early.finished).toBe(true);
    expect(early.sequences).toEqual([1, 2, 3]);
  });
});
