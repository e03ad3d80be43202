import { formatEventId, type StoredEvent } from '@aae/events';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LiveHub, type TabPort } from './live-hub.ts';
import { type HubMessage, TAB_SILENCE_LIMIT_MS } from './live-messages.ts';

type Hub = ConstructorParameters<typeof LiveHub>[0];
type Input = Parameters<Hub['subscribe']>[0];
type Handlers = Parameters<Hub['subscribe']>[1];
type Item = Parameters<NonNullable<Handlers['onData']>>[0]['data'];

/** A stand-in for `events.onLive`: records each subscription, and the test plays the server. */
function fakeServer() {
  const streams: Array<{ input: Input; handlers: Handlers; closed: boolean }> = [];
  const server: Hub = {
    subscribe(input, handlers) {
      const stream = { input, handlers, closed: false };
      streams.push(stream);
      return { unsubscribe: () => (stream.closed = true) } as ReturnType<Hub['subscribe']>;
    },
  };
  const open = () => streams.filter((stream) => !stream.closed);
  const send = (item: Item) => {
    for (const stream of open()) stream.handlers.onData?.({ id: 'live:', data: item });
  };
  return { server, streams, open, send };
}

function tab(): TabPort & { messages: HubMessage[]; of(id: string): HubMessage[] } {
  const messages: HubMessage[] = [];
  return { messages, postMessage: (message) => messages.push(message), of: (id) => messages.filter((message) => 'id' in message && message.id === id) };
}

const event = (executionId: number, sequence: number, eventType: 'prompt-start' | 'execution-complete' = 'prompt-start') =>
  ({ executionId, sequence, eventType, eventData: { eventId: formatEventId(executionId, sequence) } }) as unknown as StoredEvent;
const sequences = (messages: HubMessage[]) => messages.flatMap((message) => (message.type === 'event' ? [message.event.sequence] : []));
const executionsOf = (input: Input) => input.executions.map((execution) => execution.executionId);

let now = 0;
beforeEach(() => {
  vi.useFakeTimers();
  now = 0;
});
afterEach(() => vi.useRealTimers());

const settle = () => {
  now += 5_000;
  vi.advanceTimersByTime(5_000);
};

describe('LiveHub: one stream for every tab', () => {
  it('follows what twenty subscriptions of two tabs want with one subscription, and says when it is live', () => {
    const { server, streams } = fakeServer();
    const hub = new LiveHub(server, () => now);
    const [a, b] = [tab(), tab()];
    for (let executionId = 1; executionId <= 10; executionId++) {
      hub.receive(a, { type: 'subscribe', id: `a${executionId}`, want: { kind: 'events', executionId, lastEventId: null } });
      hub.receive(b, { type: 'subscribe', id: `b${executionId}`, want: { kind: 'events', executionId: executionId + 10, lastEventId: null } });
    }
    hub.receive(a, { type: 'subscribe', id: 'a-output', want: { kind: 'output', executionId: 3 } });
    settle();
    expect(streams).toHaveLength(1);
    expect(executionsOf(streams[0]!.input).sort((x, y) => x - y)).toEqual(Array.from({ length: 20 }, (_, index) => index + 1));
    expect(streams[0]!.input.executions.find((execution) => execution.executionId === 3)?.output).toBe(true);
    streams[0]!.handlers.onStarted?.({ context: undefined });
    expect(a.of('a1')).toContainEqual({ type: 'state', id: 'a1', state: 'pending', error: null });
    expect(b.of('b10')).toContainEqual({ type: 'state', id: 'b10', state: 'pending', error: null });
  });

  it('gives each subscription each event once and in order; one that needs events already passed gets them from a new subscription', () => {
    const { server, streams, send } = fakeServer();
    const hub = new LiveHub(server, () => now);
    const [a, b] = [tab(), tab()];
    hub.receive(a, { type: 'subscribe', id: 'a', want: { kind: 'events', executionId: 7, lastEventId: null } });
    settle();
    send({ kind: 'event', event: event(7, 1) });
    send({ kind: 'event', event: event(7, 2) });
    send({ kind: 'event', event: event(7, 2) });
    // A second tab from the start: the open stream is past it.
    hub.receive(b, { type: 'subscribe', id: 'b', want: { kind: 'events', executionId: 7, lastEventId: null } });
    send({ kind: 'event', event: event(7, 3) });
    settle();
    expect(streams).toHaveLength(2);
    expect(streams[0]!.closed).toBe(true);
    expect(streams[1]!.input.executions).toEqual([{ executionId: 7, lastEventId: null, output: false }]);
    for (const sequence of [1, 2, 3, 4]) send({ kind: 'event', event: event(7, sequence) });
    send({ kind: 'event', event: event(7, 5, 'execution-complete') });
    send({ kind: 'end', executionId: 7 });
    expect(sequences(a.of('a'))).toEqual([1, 2, 3, 4, 5]);
    expect(sequences(b.of('b'))).toEqual([1, 2, 3, 4, 5]);
    expect(a.of('a').at(-1)).toEqual({ type: 'complete', id: 'a' });
    expect(b.of('b').at(-1)).toEqual({ type: 'complete', id: 'b' });
  });

  it('resumes after each subscription’s own cursor, and a tab further on needs no new subscription', () => {
    const { server, streams, send } = fakeServer();
    const hub = new LiveHub(server, () => now);
    const [a, b] = [tab(), tab()];
    hub.receive(a, { type: 'subscribe', id: 'a', want: { kind: 'events', executionId: 4, lastEventId: formatEventId(4, 3) } });
    settle();
    expect(streams[0]!.input.executions).toEqual([{ executionId: 4, lastEventId: formatEventId(4, 3), output: false }]);
    send({ kind: 'event', event: event(4, 4) });
    hub.receive(b, { type: 'subscribe', id: 'b', want: { kind: 'events', executionId: 4, lastEventId: formatEventId(4, 4) } });
    settle();
    expect(streams).toHaveLength(1);
    send({ kind: 'event', event: event(4, 5) });
    expect(sequences(a.messages)).toEqual([4, 5]);
    expect(sequences(b.messages)).toEqual([5]);
  });

  it('sends one execution’s refusal to its subscribers only; a refused stream fails all of its own', () => {
    const { server, streams, send } = fakeServer();
    const hub = new LiveHub(server, () => now);
    const a = tab();
    hub.receive(a, { type: 'subscribe', id: 'mine', want: { kind: 'events', executionId: 1, lastEventId: null } });
    hub.receive(a, { type: 'subscribe', id: 'theirs', want: { kind: 'events', executionId: 2, lastEventId: null } });
    settle();
    send({ kind: 'error', executionId: 2, code: 'NOT_FOUND', message: 'Execution 2 does not exist' });
    expect(a.of('theirs')).toEqual([
      { type: 'error', id: 'theirs', error: { message: 'Execution 2 does not exist', code: -32004, data: { code: 'NOT_FOUND', httpStatus: 404 } } },
    ]);
    send({ kind: 'event', event: event(1, 1) });
    expect(sequences(a.of('mine'))).toEqual([1]);
    settle();
    expect(streams).toHaveLength(1);
    // The refused one is not asked for again when the stream changes.
    hub.receive(a, { type: 'subscribe', id: 'more', want: { kind: 'events', executionId: 3, lastEventId: null } });
    settle();
    expect(streams).toHaveLength(2);
    expect(executionsOf(streams[1]!.input)).toEqual([1, 3]);
    expect(streams[1]!.input.executions[0]!.lastEventId).toBe(formatEventId(1, 1));

    const signedOut = Object.assign(new Error('Sign in first'), { data: { code: 'UNAUTHORIZED', httpStatus: 401 }, shape: { code: -32001 } });
    streams.at(-1)!.handlers.onError?.(signedOut as never);
    expect(a.of('mine').at(-1)).toEqual({
      type: 'error',
      id: 'mine',
      error: { message: 'Sign in first', code: -32001, data: { code: 'UNAUTHORIZED', httpStatus: 401 } },
    });
  });

  it('drops a tab that says goodbye or falls silent, and asks a forgotten one to subscribe again', () => {
    const { server, open } = fakeServer();
    const hub = new LiveHub(server, () => now);
    const [a, b, c] = [tab(), tab(), tab()];
    hub.receive(a, { type: 'subscribe', id: 'a', want: { kind: 'events', executionId: 1, lastEventId: null } });
    hub.receive(b, { type: 'subscribe', id: 'b', want: { kind: 'events', executionId: 2, lastEventId: null } });
    hub.receive(c, { type: 'subscribe', id: 'c', want: { kind: 'events', executionId: 3, lastEventId: null } });
    settle();
    hub.receive(a, { type: 'bye' });
    settle();
    expect(
      open()
        .flatMap((stream) => executionsOf(stream.input))
        .sort(),
    ).toEqual([2, 3]);
    now += TAB_SILENCE_LIMIT_MS / 2;
    hub.receive(c, { type: 'heartbeat' });
    now += TAB_SILENCE_LIMIT_MS / 2 + 1;
    hub.sweep();
    settle();
    expect(open().flatMap((stream) => executionsOf(stream.input))).toEqual([3]);
    expect(b.messages).not.toContainEqual({ type: 'reset' });
    hub.receive(b, { type: 'heartbeat' });
    expect(b.messages).toContainEqual({ type: 'reset' });
  });

  it('opens another stream past 50 executions', () => {
    const { server, open } = fakeServer();
    const hub = new LiveHub(server, () => now);
    const a = tab();
    for (let executionId = 1; executionId <= 60; executionId++) {
      hub.receive(a, { type: 'subscribe', id: String(executionId), want: { kind: 'events', executionId, lastEventId: null } });
    }
    settle();
    expect(open().map((stream) => stream.input.executions.length)).toEqual([50, 10]);
  });
});

const feedItem = (id: number, eventType: 'prompt-start' | 'execution-complete', assistantName = 'Research Brief Writer') => ({
  event: { ...event(id, 1, eventType), id },
  assistantName,
  userName: 'demo',
});
const feedRows = (messages: HubMessage[]) => messages.flatMap((message) => (message.type === 'feed' ? [message.item.event.id] : []));
const feedWant = (
  want: { types?: Array<'prompt-start' | 'execution-complete'>; assistantName?: string; backlog?: number; afterRowId?: string | null } = {},
) => ({
  kind: 'feed' as const,
  types: want.types,
  assistantName: want.assistantName,
  backlog: want.backlog ?? 50,
  afterRowId: want.afterRowId ?? null,
});

describe('LiveHub: the admin feed on the same stream', () => {
  it('carries the feed beside the executions on one stream, filtered per subscription as the server filters', () => {
    const { server, streams, open, send } = fakeServer();
    const hub = new LiveHub(server, () => now);
    const [a, b] = [tab(), tab()];
    hub.receive(a, { type: 'subscribe', id: 'events', want: { kind: 'events', executionId: 7, lastEventId: null } });
    hub.receive(a, { type: 'subscribe', id: 'all', want: feedWant() });
    hub.receive(b, { type: 'subscribe', id: 'done', want: feedWant({ types: ['execution-complete'], assistantName: 'brief WRITER' }) });
    settle();
    expect(streams).toHaveLength(1);
    expect(open()[0]!.input).toEqual({
      executions: [{ executionId: 7, lastEventId: null, output: false }],
      feed: { types: undefined, backlog: 500, afterRowId: null },
    });
    send({ kind: 'feed-live' });
    send({ kind: 'event', event: event(7, 1) });
    send({ kind: 'feed', item: feedItem(10, 'prompt-start') });
    send({ kind: 'feed', item: feedItem(11, 'execution-complete', 'Other') });
    send({ kind: 'feed', item: feedItem(12, 'execution-complete') });
    expect(sequences(a.of('events'))).toEqual([1]);
    expect(feedRows(a.of('all'))).toEqual([10, 11, 12]);
    expect(feedRows(b.of('done'))).toEqual([12]);
  });

  it('gives a tab that opens the feed late its own backlog from a new subscription, the open ones nothing twice', () => {
    const { server, streams, open, send } = fakeServer();
    const hub = new LiveHub(server, () => now);
    const [a, b] = [tab(), tab()];
    hub.receive(a, { type: 'subscribe', id: 'all', want: feedWant({ backlog: 1 }) });
    settle();
    send({ kind: 'feed', item: feedItem(1, 'prompt-start') });
    send({ kind: 'feed', item: feedItem(2, 'prompt-start') });
    send({ kind: 'feed-live' });
    send({ kind: 'feed', item: feedItem(3, 'execution-complete') });
    send({ kind: 'feed', item: feedItem(4, 'prompt-start') });
    expect(feedRows(a.of('all'))).toEqual([2, 3, 4]);

    hub.receive(b, { type: 'subscribe', id: 'done', want: feedWant({ types: ['execution-complete'], backlog: 2 }) });
    settle();
    expect(streams).toHaveLength(2);
    expect(open()).toHaveLength(1);
    expect(open()[0]!.input.feed).toEqual({ types: undefined, backlog: 500, afterRowId: null });
    for (const row of [1, 2, 3, 4]) send({ kind: 'feed', item: feedItem(row, row === 3 ? 'execution-complete' : 'prompt-start') });
    send({ kind: 'feed', item: feedItem(5, 'execution-complete') });
    expect(feedRows(b.of('done'))).toEqual([]);
    send({ kind: 'feed-live' });
    send({ kind: 'feed', item: feedItem(6, 'execution-complete') });
    expect(feedRows(b.of('done'))).toEqual([3, 5, 6]);
    expect(feedRows(a.of('all'))).toEqual([2, 3, 4, 5, 6]);

    // Once nobody follows the feed, the stream drops it; one resuming later asks after its own row.
    hub.receive(a, { type: 'unsubscribe', id: 'all' });
    hub.receive(b, { type: 'unsubscribe', id: 'done' });
    settle();
    expect(open()).toEqual([]);
    hub.receive(a, { type: 'subscribe', id: 'again', want: feedWant({ afterRowId: '6' }) });
    settle();
    expect(open()[0]!.input).toEqual({ executions: [], feed: { types: undefined, backlog: 0, afterRowId: '6' } });
  });

  it('gives a tab that opens the feed while the backlog is still coming its whole backlog from the next subscription', () => {
    const { server, open, send } = fakeServer();
    const hub = new LiveHub(server, () => now);
    const [a, b] = [tab(), tab()];
    hub.receive(a, { type: 'subscribe', id: 'all', want: feedWant({ backlog: 3 }) });
    settle();
    send({ kind: 'feed', item: feedItem(1, 'prompt-start') });
    hub.receive(b, { type: 'subscribe', id: 'late', want: feedWant({ backlog: 3 }) });
    send({ kind: 'feed', item: feedItem(2, 'prompt-start') });
    send({ kind: 'feed-live' });
    expect(feedRows(a.of('all'))).toEqual([1, 2]);
    expect(feedRows(b.of('late'))).toEqual([]);
    settle();
    expect(open()[0]!.input.feed).toEqual({ types: undefined, backlog: 500, afterRowId: null });
    for (const row of [1, 2]) send({ kind: 'feed', item: feedItem(row, 'prompt-start') });
    send({ kind: 'feed-live' });
    expect(feedRows(b.of('late'))).toEqual([1, 2]);
    expect(feedRows(a.of('all'))).toEqual([1, 2]);
  });

  it('ends the feed subscriptions with the server’s refusal while the executions go on', () => {
    const { server, send } = fakeServer();
    const hub = new LiveHub(server, () => now);
    const a = tab();
    hub.receive(a, { type: 'subscribe', id: 'events', want: { kind: 'events', executionId: 7, lastEventId: null } });
    hub.receive(a, { type: 'subscribe', id: 'feed', want: feedWant() });
    settle();
    send({ kind: 'feed-error', code: 'FORBIDDEN', message: 'Only admins may do this' });
    send({ kind: 'event', event: event(7, 1) });
    expect(a.of('feed').at(-1)).toEqual({
      type: 'error',
      id: 'feed',
      error: { message: 'Only admins may do this', code: -32003, data: { code: 'FORBIDDEN', httpStatus: 403 } },
    });
    expect(sequences(a.of('events'))).toEqual([1]);
  });
});
