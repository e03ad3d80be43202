import type { AppRouter } from '@aae/api';
import { parseEventId } from '@aae/events';
import type { TRPCClient } from '@trpc/client';
import { type FeedItem, type FeedWant, type HubMessage, type LiveWant, type SerializedError, type TabMessage, TAB_SILENCE_LIMIT_MS } from './live-messages.ts';

type OnLive = TRPCClient<AppRouter>['events']['onLive'];
type LiveInput = Parameters<OnLive['subscribe']>[0];
type LiveItem = Parameters<NonNullable<Parameters<OnLive['subscribe']>[1]['onData']>>[0]['data'];
type FeedInput = NonNullable<LiveInput['feed']>;

/** The server's limit on executions per `events.onLive` stream (`MAX_LIVE_EXECUTIONS`): past it, another stream. */
const EXECUTIONS_PER_STREAM = 50;
/** Changes arriving together (a page with twenty rows) make one new subscription; dropping waits longer, as the next page often adds. */
const ADD_DEBOUNCE_MS = 40;
const DROP_DEBOUNCE_MS = 1_500;
/** The server's largest feed backlog: the earlier events a tab opening the feed picks its own backlog from. */
const FEED_BACKLOG = 500;

/** Where a hub sends a tab's messages: a MessagePort. */
export interface TabPort {
  postMessage(message: HubMessage): void;
}

interface Subscription {
  port: TabPort;
  id: string;
  want: Exclude<LiveWant, FeedWant>;
  /** Events: the last sequence delivered to it. */
  cursor: number;
  live: boolean;
}

/**
 * A tab's admin feed: `cursor` is the last row id it has passed (null while it waits for its
 * backlog, kept in `pending`); `awaiting` once the open stream was asked for that backlog.
 */
interface FeedSubscription {
  port: TabPort;
  id: string;
  want: FeedWant;
  cursor: number | null;
  pending: FeedItem[];
  awaiting: boolean;
}

interface Stream {
  executions: Map<number, { output: boolean }>;
  /** Whether it carries the admin feed (one stream at most does), and which types it asked for (undefined: all). */
  feed: { types: FeedInput['types'] } | null;
  started: boolean;
  unsubscribe(): void;
}

const sequenceOf = (lastEventId: string | null) => (lastEventId ? (parseEventId(lastEventId)?.sequence ?? 0) : 0);

/** A client error as it crosses a port (see `SerializedError`). */
export function serializeError(error: unknown): SerializedError {
  const shaped = error as { message?: string; data?: SerializedError['data'] | null; shape?: { code?: number } | null };
  return { message: shaped.message ?? String(error), data: { ...shaped.data }, code: shaped.shape?.code ?? -32603 };
}

const JSON_RPC = { NOT_FOUND: [-32004, 404], FORBIDDEN: [-32003, 403], BAD_REQUEST: [-32600, 400] } as const;

const isFeed = (subscription: Subscription | FeedSubscription): subscription is FeedSubscription => subscription.want.kind === 'feed';

/** The feed's filter as the server applies it (`feedWants`): first by type (which the backlog counts), then by assistant. */
const typeWanted = (want: FeedWant, item: FeedItem) => !want.types || want.types.length === 0 || want.types.includes(item.event.eventType);
const assistantWanted = (want: FeedWant, item: FeedItem) => !want.assistantName || item.assistantName.toLowerCase().includes(want.assistantName.toLowerCase());

/**
 * One live connection for every tab: holds `events.onLive` streams for the union of what the
 * connected tabs' subscriptions follow, hands each item to the subscriptions that want it, and
 * when that union changes subscribes again with each execution's cursor (debounced). Each
 * subscription gets each event once and in order: an event is given only to a subscription whose
 * last sequence is the one before it; one that needs events the stream already passed makes the
 * hub subscribe again from there.
 *
 * The admin feed (`events.onAnyEvent`) rides on one of the streams, unfiltered by assistant and
 * for the union of the types the tabs want; the hub filters it per subscription as the server
 * would. A tab opening the feed makes the hub subscribe again with the server's largest backlog
 * (`FEED_BACKLOG`), from which that tab takes its own latest `backlog` events (the server says
 * when the backlog ends, `feed-live`); the feeds already open skip the rows they passed.
 */
export class LiveHub {
  private readonly ports = new Map<TabPort, { lastSeen: number; subscriptions: Map<string, Subscription | FeedSubscription> }>();
  private readonly feeds = new Set<FeedSubscription>();
  /** The last row id the open feed delivered (or resumed after); null before its backlog. */
  private feedPosition: number | null = null;
  /** A feed subscription came that the open streams do not serve. */
  private feedChanged = false;
  private readonly byExecution = new Map<number, Set<Subscription>>();
  private streams: Stream[] = [];
  /** Per execution, the last sequence the open streams delivered (or resumed after). */
  private position = new Map<number, number>();
  private timer: ReturnType<typeof setTimeout> | null = null;
  private dueAt = Number.POSITIVE_INFINITY;

  constructor(
    private readonly onLive: Pick<OnLive, 'subscribe'>,
    private readonly now: () => number = Date.now,
  ) {}

  /** Handles a tab's message; `port` is how to answer it. */
  receive(port: TabPort, message: TabMessage): void {
    const known = this.ports.get(port);
    if (message.type === 'bye') {
      this.dropPort(port);
      return;
    }
    if (!known && message.type === 'heartbeat') {
      // Forgotten after a long silence (a frozen tab): it subscribes again with its cursors.
      port.postMessage({ type: 'reset' });
    }
    const entry = known ?? { lastSeen: 0, subscriptions: new Map<string, Subscription | FeedSubscription>() };
    entry.lastSeen = this.now();
    this.ports.set(port, entry);
    if (message.type === 'subscribe') this.subscribe(port, entry.subscriptions, message.id, message.want);
    else if (message.type === 'unsubscribe') {
      const subscription = entry.subscriptions.get(message.id);
      if (subscription) this.remove(subscription);
    }
  }

  /** Forgets tabs silent for longer than `TAB_SILENCE_LIMIT_MS` (closed without a `bye`); the process calls it now and then. */
  sweep(): void {
    for (const [port, entry] of this.ports) {
      if (this.now() - entry.lastSeen > TAB_SILENCE_LIMIT_MS) this.dropPort(port);
    }
  }

  /** How many `events.onLive` streams are open. */
  get streamCount(): number {
    return this.streams.length;
  }

  private subscribe(port: TabPort, subscriptions: Map<string, Subscription | FeedSubscription>, id: string, want: LiveWant): void {
    const existing = subscriptions.get(id);
    if (existing) this.remove(existing);
    if (want.kind === 'feed') {
      this.subscribeFeed(port, subscriptions, id, want);
      return;
    }
    const subscription: Subscription = { port, id, want, cursor: want.kind === 'events' ? sequenceOf(want.lastEventId) : 0, live: false };
    subscriptions.set(id, subscription);
    let forExecution = this.byExecution.get(want.executionId);
    if (!forExecution) {
      forExecution = new Set();
      this.byExecution.set(want.executionId, forExecution);
    }
    forExecution.add(subscription);
    const stream = this.streams.find((candidate) => candidate.executions.has(want.executionId));
    const covered =
      stream !== undefined &&
      (want.kind === 'output' ? stream.executions.get(want.executionId)!.output : subscription.cursor >= (this.position.get(want.executionId) ?? 0));
    if (covered) {
      subscription.live = stream.started;
      if (stream.started) port.postMessage({ type: 'state', id, state: 'pending', error: null });
    } else this.schedule(ADD_DEBOUNCE_MS);
  }

  private subscribeFeed(port: TabPort, subscriptions: Map<string, Subscription | FeedSubscription>, id: string, want: FeedWant): void {
    const subscription: FeedSubscription = { port, id, want, cursor: want.afterRowId ? Number(want.afterRowId) : null, pending: [], awaiting: false };
    subscriptions.set(id, subscription);
    this.feeds.add(subscription);
    const stream = this.streams.find((candidate) => candidate.feed !== null);
    const types = stream?.feed?.types;
    // A tab resuming at or after where the open feed is, for types it carries, needs nothing new.
    const covered =
      stream !== undefined &&
      subscription.cursor !== null &&
      this.feedPosition !== null &&
      subscription.cursor >= this.feedPosition &&
      (!types || (want.types !== undefined && want.types.length > 0 && want.types.every((type) => types.includes(type))));
    if (covered) {
      if (stream.started) port.postMessage({ type: 'state', id, state: 'pending', error: null });
      return;
    }
    this.feedChanged = true;
    this.schedule(ADD_DEBOUNCE_MS);
  }

  private remove(subscription: Subscription | FeedSubscription): void {
    this.ports.get(subscription.port)?.subscriptions.delete(subscription.id);
    if (isFeed(subscription)) {
      this.feeds.delete(subscription);
      if (this.feeds.size === 0) this.schedule(DROP_DEBOUNCE_MS);
      return;
    }
    const forExecution = this.byExecution.get(subscription.want.executionId);
    forExecution?.delete(subscription);
    if (forExecution?.size === 0) {
      this.byExecution.delete(subscription.want.executionId);
      this.schedule(DROP_DEBOUNCE_MS);
    }
  }

  private dropPort(port: TabPort): void {
    const entry = this.ports.get(port);
    this.ports.delete(port);
    for (const subscription of entry?.subscriptions.values() ?? []) this.remove(subscription);
  }

  private schedule(delayMs: number): void {
    const dueAt = this.now() + delayMs;
    if (this.timer !== null && this.dueAt <= dueAt) return;
    if (this.timer !== null) clearTimeout(this.timer);
    this.dueAt = dueAt;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.dueAt = Number.POSITIVE_INFINITY;
      this.resubscribe();
    }, delayMs);
  }

  /** What the tabs want: per execution, where its events must resume and whether its output is wanted. */
  private wanted(): Map<number, { after: number; output: boolean }> {
    const wanted = new Map<number, { after: number; output: boolean }>();
    for (const [executionId, subscriptions] of this.byExecution) {
      const cursors = [...subscriptions].filter((s) => s.want.kind === 'events').map((s) => s.cursor);
      const after = cursors.length > 0 ? Math.min(...cursors) : (this.position.get(executionId) ?? 0);
      wanted.set(executionId, { after, output: [...subscriptions].some((s) => s.want.kind === 'output') });
    }
    return wanted;
  }

  /** Opens streams for what is wanted now, if that differs from what the open ones follow; closes the old ones first. */
  private resubscribe(): void {
    const wanted = this.wanted();
    const open = new Map(this.streams.flatMap((stream) => [...stream.executions]));
    const unchanged =
      wanted.size === open.size &&
      [...wanted].every(([executionId, want]) => open.get(executionId)?.output === want.output && want.after >= (this.position.get(executionId) ?? 0)) &&
      !this.feedChanged &&
      this.feeds.size > 0 === this.streams.some((stream) => stream.feed !== null);
    if (unchanged) return;
    for (const stream of this.streams) stream.unsubscribe();
    this.streams = [];
    this.position = new Map([...wanted].map(([executionId, want]) => [executionId, want.after]));
    for (const subscriptions of this.byExecution.values()) for (const subscription of subscriptions) subscription.live = false;
    const feed = this.feedInput();
    const entries = [...wanted];
    if (entries.length === 0 && feed) this.open([], feed);
    for (let start = 0; start < entries.length; start += EXECUTIONS_PER_STREAM) {
      this.open(entries.slice(start, start + EXECUTIONS_PER_STREAM), start === 0 ? feed : undefined);
    }
  }

  /**
   * The feed the tabs want now, if any: with the largest backlog when one waits for its own
   * (the others skip rows they passed), otherwise after the earliest row a subscription passed.
   */
  private feedInput(): FeedInput | undefined {
    this.feedChanged = false;
    if (this.feeds.size === 0) return undefined;
    const feeds = [...this.feeds];
    const types = feeds.some((feed) => !feed.want.types || feed.want.types.length === 0)
      ? undefined
      : [...new Set(feeds.flatMap((feed) => feed.want.types ?? []))];
    const cursors = feeds.flatMap((feed) => (feed.cursor === null ? [] : [feed.cursor]));
    for (const feed of feeds) {
      if (feed.cursor !== null) continue;
      feed.pending = [];
      feed.awaiting = true;
    }
    if (cursors.length < feeds.length) {
      this.feedPosition = null;
      return { types, backlog: FEED_BACKLOG, afterRowId: null };
    }
    const after = Math.min(...cursors);
    this.feedPosition = after > 0 ? after : null;
    return { types, backlog: 0, afterRowId: after > 0 ? String(after) : null };
  }

  private open(entries: Array<[number, { after: number; output: boolean }]>, feed?: FeedInput): void {
    const input: LiveInput = {
      executions: entries.map(([executionId, want]) => ({
        executionId,
        lastEventId: want.after > 0 ? `evt_${executionId}_${String(want.after).padStart(6, '0')}` : null,
        output: want.output,
      })),
      ...(feed ? { feed } : {}),
    };
    const stream: Stream = {
      executions: new Map(entries.map(([executionId, want]) => [executionId, { output: want.output }])),
      feed: feed ? { types: feed.types } : null,
      started: false,
      unsubscribe: () => {},
    };
    const isOpen = () => this.streams.includes(stream);
    const started = () => {
      stream.started = true;
      this.toSubscriptionsOf(stream, (subscription) => {
        if (!isFeed(subscription)) subscription.live = true;
        return { type: 'state', id: subscription.id, state: 'pending', error: null };
      });
    };
    const { unsubscribe } = this.onLive.subscribe(input, {
      onStarted: () => isOpen() && started(),
      onData: ({ data }) => isOpen() && this.deliver(stream, data),
      onConnectionStateChange: (state) => {
        if (!isOpen()) return;
        if (state.state === 'pending') started();
        else if (state.state === 'connecting' && state.error) {
          const error = serializeError(state.error);
          this.toSubscriptionsOf(stream, (subscription) => ({ type: 'state', id: subscription.id, state: 'connecting', error }));
        }
      },
      onError: (error) => {
        if (!isOpen()) return;
        this.streams = this.streams.filter((other) => other !== stream);
        const serialized = serializeError(error);
        for (const executionId of stream.executions.keys()) this.finish(executionId, (id) => ({ type: 'error', id, error: serialized }));
        if (stream.feed) this.finishFeeds(serialized);
      },
      onComplete: () => {
        this.streams = this.streams.filter((other) => other !== stream);
      },
    });
    stream.unsubscribe = unsubscribe;
    this.streams.push(stream);
  }

  private toSubscriptionsOf(stream: Stream, message: (subscription: Subscription | FeedSubscription) => HubMessage): void {
    for (const executionId of stream.executions.keys()) {
      for (const subscription of this.byExecution.get(executionId) ?? []) subscription.port.postMessage(message(subscription));
    }
    if (stream.feed) for (const subscription of this.feeds) subscription.port.postMessage(message(subscription));
  }

  private deliver(stream: Stream, item: LiveItem): void {
    switch (item.kind) {
      case 'event': {
        const { event } = item;
        this.position.set(event.executionId, Math.max(this.position.get(event.executionId) ?? 0, event.sequence));
        for (const subscription of this.byExecution.get(event.executionId) ?? []) {
          // The next one it lacks, nothing else: a repeat is dropped; one after a gap waits for the stream that fills it.
          if (subscription.want.kind !== 'events' || event.sequence !== subscription.cursor + 1) continue;
          subscription.cursor = event.sequence;
          subscription.port.postMessage({ type: 'event', id: subscription.id, event });
        }
        return;
      }
      case 'output':
        for (const subscription of this.byExecution.get(item.executionId) ?? []) {
          if (subscription.want.kind !== 'output') continue;
          subscription.port.postMessage({ type: 'output', id: subscription.id, promptId: item.promptId, text: item.text, replace: item.replace });
        }
        return;
      case 'end':
        stream.executions.delete(item.executionId);
        this.finish(
          item.executionId,
          (id) => ({ type: 'complete', id }),
          (subscription) => subscription.want.kind === 'output' || subscription.cursor >= (this.position.get(item.executionId) ?? 0),
        );
        return;
      case 'error': {
        stream.executions.delete(item.executionId);
        const [code, httpStatus] = JSON_RPC[item.code];
        const error: SerializedError = { message: item.message, code, data: { code: item.code, httpStatus } };
        this.finish(item.executionId, (id) => ({ type: 'error', id, error }));
        return;
      }
      case 'feed':
        this.deliverFeed(item.item);
        return;
      case 'feed-live':
        // The backlog is complete: each tab that waited for it takes its own latest events, then goes live.
        for (const subscription of this.feeds) {
          if (subscription.cursor !== null || !subscription.awaiting) continue;
          for (const pending of subscription.pending) {
            if (assistantWanted(subscription.want, pending)) subscription.port.postMessage({ type: 'feed', id: subscription.id, item: pending });
          }
          subscription.pending = [];
          subscription.cursor = this.feedPosition ?? 0;
        }
        return;
      case 'feed-error': {
        stream.feed = null;
        const [code, httpStatus] = JSON_RPC[item.code];
        this.finishFeeds({ message: item.message, code, data: { code: item.code, httpStatus } });
        return;
      }
    }
  }

  /** A feed event: kept for the tabs waiting for their backlog, sent to the others that have not passed its row and want it. */
  private deliverFeed(item: FeedItem): void {
    const rowId = item.event.id;
    this.feedPosition = Math.max(this.feedPosition ?? 0, rowId);
    for (const subscription of this.feeds) {
      if (subscription.cursor === null) {
        // One that came after the open stream started gets its backlog from the next one.
        if (!subscription.awaiting) continue;
        const last = subscription.pending.at(-1);
        if (!typeWanted(subscription.want, item) || (last && last.event.id >= rowId)) continue;
        subscription.pending.push(item);
        if (subscription.pending.length > subscription.want.backlog) subscription.pending.shift();
      } else if (rowId > subscription.cursor) {
        subscription.cursor = rowId;
        if (typeWanted(subscription.want, item) && assistantWanted(subscription.want, item)) {
          subscription.port.postMessage({ type: 'feed', id: subscription.id, item });
        }
      }
    }
  }

  /** Ends every feed subscription with `error`. */
  private finishFeeds(error: SerializedError): void {
    for (const subscription of [...this.feeds]) {
      subscription.port.postMessage({ type: 'error', id: subscription.id, error });
      this.remove(subscription);
    }
  }

  /** Ends an execution's subscriptions (those `which` picks) with `message`; the others wait for a stream that serves them. */
  private finish(executionId: number, message: (id: string) => HubMessage, which: (subscription: Subscription) => boolean = () => true): void {
    for (const subscription of [...(this.byExecution.get(executionId) ?? [])]) {
      if (!which(subscription)) continue;
      subscription.port.postMessage(message(subscription.id));
      this.remove(subscription);
    }
    if (this.byExecution.has(executionId)) this.schedule(ADD_DEBOUNCE_MS);
  }
}
