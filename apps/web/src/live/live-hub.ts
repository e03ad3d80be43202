import type { AppRouter } from '@aae/api';
import { parseEventId } from '@aae/events';
import type { TRPCClient } from '@trpc/client';
import { type HubMessage, type LiveWant, type SerializedError, type TabMessage, TAB_SILENCE_LIMIT_MS } from './live-messages.ts';

type OnLive = TRPCClient<AppRouter>['events']['onLive'];
type LiveInput = Parameters<OnLive['subscribe']>[0];
type LiveItem = Parameters<NonNullable<Parameters<OnLive['subscribe']>[1]['onData']>>[0]['data'];

/** The server's limit on executions per `events.onLive` stream (`MAX_LIVE_EXECUTIONS`): past it, another stream. */
const EXECUTIONS_PER_STREAM = 50;
/** Changes arriving together (a page with twenty rows) make one new subscription; dropping waits longer, as the next page often adds. */
const ADD_DEBOUNCE_MS = 40;
const DROP_DEBOUNCE_MS = 1_500;

/** Where a hub sends a tab's messages: a MessagePort. */
export interface TabPort {
  postMessage(message: HubMessage): void;
}

interface Subscription {
  port: TabPort;
  id: string;
  want: LiveWant;
  /** Events: the last sequence delivered to it. */
  cursor: number;
  live: boolean;
}

interface Stream {
  executions: Map<number, { output: boolean }>;
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

/**
 * One live connection for every tab: holds `events.onLive` streams for the union of what the
 * connected tabs' subscriptions follow, hands each item to the subscriptions that want it, and
 * when that union changes subscribes again with each execution's cursor (debounced). Each
 * subscription gets each event once and in order: an event is given only to a subscription whose
 * last sequence is the one before it; one that needs events the stream already passed makes the
 * hub subscribe again from there.
 */
export class LiveHub {
  private readonly ports = new Map<TabPort, { lastSeen: number; subscriptions: Map<string, Subscription> }>();
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
    const entry = known ?? { lastSeen: 0, subscriptions: new Map<string, Subscription>() };
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

  private subscribe(port: TabPort, subscriptions: Map<string, Subscription>, id: string, want: LiveWant): void {
    const existing = subscriptions.get(id);
    if (existing) this.remove(existing);
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

  private remove(subscription: Subscription): void {
    this.ports.get(subscription.port)?.subscriptions.delete(subscription.id);
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
      [...wanted].every(([executionId, want]) => open.get(executionId)?.output === want.output && want.after >= (this.position.get(executionId) ?? 0));
    if (unchanged) return;
    for (const stream of this.streams) stream.unsubscribe();
    this.streams = [];
    this.position = new Map([...wanted].map(([executionId, want]) => [executionId, want.after]));
    for (const subscriptions of this.byExecution.values()) for (const subscription of subscriptions) subscription.live = false;
    const entries = [...wanted];
    for (let start = 0; start < entries.length; start += EXECUTIONS_PER_STREAM) this.open(entries.slice(start, start + EXECUTIONS_PER_STREAM));
  }

  private open(entries: Array<[number, { after: number; output: boolean }]>): void {
    const input: LiveInput = {
      executions: entries.map(([executionId, want]) => ({
        executionId,
        lastEventId: want.after > 0 ? `evt_${executionId}_${String(want.after).padStart(6, '0')}` : null,
        output: want.output,
      })),
    };
    const stream: Stream = {
      executions: new Map(entries.map(([executionId, want]) => [executionId, { output: want.output }])),
      started: false,
      unsubscribe: () => {},
    };
    const isOpen = () => this.streams.includes(stream);
    const started = () => {
      stream.started = true;
      this.toSubscriptionsOf(stream, (subscription) => {
        subscription.live = true;
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
      },
      onComplete: () => {
        this.streams = this.streams.filter((other) => other !== stream);
      },
    });
    stream.unsubscribe = unsubscribe;
    this.streams.push(stream);
  }

  private toSubscriptionsOf(stream: Stream, message: (subscription: Subscription) => HubMessage): void {
    for (const executionId of stream.executions.keys()) {
      for (const subscription of this.byExecution.get(executionId) ?? []) subscription.port.postMessage(message(subscription));
    }
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
