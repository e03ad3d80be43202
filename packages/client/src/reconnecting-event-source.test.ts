import { describe, expect, it, vi } from 'vitest';
import { reconnectDelayMs, reconnectingEventSource, withLastEventId } from './reconnecting-event-source.ts';

/** An EventSource driven by the test: it records where it connected and lets the test fire its events. */
class FakeEventSource {
  static made: FakeEventSource[] = [];
  readyState = 0;
  closed = false;
  listeners = new Map<string, Array<(event: object) => void>>();
  constructor(
    readonly url: string,
    readonly init?: { tag: string },
  ) {
    FakeEventSource.made.push(this);
  }
  addEventListener(type: string, listener: (event: object) => void) {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), listener]);
  }
  removeEventListener() {}
  close() {
    this.closed = true;
    this.readyState = 2;
  }
  fire(type: string, event: object = {}) {
    for (const listener of this.listeners.get(type) ?? []) listener(event);
  }
}

describe('reconnectDelayMs', () => {
  it('waits 250–1000 ms after a first drop, spread at random', () => {
    expect(reconnectDelayMs(1, () => 0)).toBe(250);
    expect(reconnectDelayMs(1, () => 1)).toBe(1000);
    const delays = new Set(Array.from({ length: 50 }, () => reconnectDelayMs(1)));
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(250);
    expect(Math.max(...delays)).toBeLessThanOrEqual(1000);
    expect(delays.size).toBeGreaterThan(10);
  });

  it('waits longer after each further drop in a row, up to 10 s', () => {
    expect([2, 3, 4, 5, 6, 20].map((failures) => reconnectDelayMs(failures, () => 1))).toEqual([2000, 4000, 8000, 10_000, 10_000, 10_000]);
    expect(reconnectDelayMs(3, () => 0)).toBe(1000);
  });
});

describe('withLastEventId', () => {
  it('adds the resume point as a query parameter', () => {
    expect(withLastEventId('http://h/trpc/x?input=1', 'evt_1_000002')).toBe('http://h/trpc/x?input=1&lastEventId=evt_1_000002');
    expect(withLastEventId('/api/e/1', 'a b')).toBe('/api/e/1?lastEventId=a%20b');
    expect(withLastEventId('/api/e/1', null)).toBe('/api/e/1');
  });
});

describe('reconnectingEventSource', () => {
  it('connects again after a drop on its own schedule, after the last event id, and passes events on', async () => {
    FakeEventSource.made = [];
    const waits: number[] = [];
    const Source = reconnectingEventSource(FakeEventSource, (failures) => {
      waits.push(failures);
      return 0;
    });
    const source = new Source('http://h/events/1', { tag: 'headers' });
    const seen: string[] = [];
    source.addEventListener('prompt-start', (event) => seen.push((event as { data: string }).data));
    source.addEventListener('error', () => seen.push(`error while ${source.readyState === source.CLOSED ? 'closed' : 'connecting'}`));
    const first = FakeEventSource.made[0]!;
    first.fire('open');
    expect(source.readyState).toBe(source.OPEN);
    first.fire('prompt-start', { data: 'one', lastEventId: 'evt_1_000001' });
    first.fire('prompt-start', { data: 'two', lastEventId: 'evt_1_000002' });
    // Dropped: the inner EventSource would retry in 3 s; it is closed and replaced instead.
    first.readyState = 0;
    first.fire('error');
    expect(first.closed).toBe(true);
    expect(source.readyState).toBe(source.CONNECTING);
    await expect.poll(() => FakeEventSource.made.length).toBe(2);
    const second = FakeEventSource.made[1]!;
    expect(second.url).toBe('http://h/events/1?lastEventId=evt_1_000002');
    expect(second.init).toEqual({ tag: 'headers' });
    // Still down: the second failure in a row waits longer.
    second.readyState = 0;
    second.fire('error');
    await expect.poll(() => FakeEventSource.made.length).toBe(3);
    const third = FakeEventSource.made[2]!;
    third.fire('open');
    third.fire('prompt-start', { data: 'three', lastEventId: 'evt_1_000003' });
    third.readyState = 0;
    third.fire('error');
    await expect.poll(() => FakeEventSource.made.length).toBe(4);
    // Connected in between: counting starts again.
    expect(waits).toEqual([1, 2, 1]);
    expect(seen).toEqual(['one', 'two', 'error while connecting', 'error while connecting', 'three', 'error while connecting']);
    expect(FakeEventSource.made[3]!.url).toBe('http://h/events/1?lastEventId=evt_1_000003');
  });

  it('stays closed when the connection is refused (an error status), and when closed', () => {
    vi.useFakeTimers();
    FakeEventSource.made = [];
    const Source = reconnectingEventSource(FakeEventSource, () => 0);
    const refused = new Source('http://h/events/1');
    const errors: number[] = [];
    refused.addEventListener('error', () => errors.push(refused.readyState));
    FakeEventSource.made[0]!.readyState = 2;
    FakeEventSource.made[0]!.fire('error');
    expect(errors).toEqual([refused.CLOSED]);

    const closed = new Source('http://h/events/2');
    const inner = FakeEventSource.made[1]!;
    inner.readyState = 0;
    inner.fire('error');
    closed.close();
    expect(closed.readyState).toBe(closed.CLOSED);
    // Nothing more is opened, by either.
    vi.runAllTimers();
    vi.useRealTimers();
    expect(FakeEventSource.made).toHaveLength(2);
  });
});
