import type { AppRouter } from '@aae/api';
import { TRPCClientError, type TRPCLink } from '@trpc/client';
import { observable } from '@trpc/server/observable';
import { serveLocally } from './hub-host.ts';
import { type FeedWant, HEARTBEAT_MS, type HubMessage, LIVE_PATHS, type LiveWant, type SerializedError, type TabMessage } from './live-messages.ts';

/** The tab's end of the hub: where to send, and a way to hear back. */
export interface HubConnection {
  send(message: TabMessage): void;
  listen(handler: (message: HubMessage) => void): void;
}

/** The error as `httpSubscriptionLink` would have built it from the server's answer: its shape, `data.code` and all. */
const toClientError = (error: SerializedError) =>
  new TRPCClientError<AppRouter>(error.message, { result: { error: error as unknown as TRPCClientError<AppRouter>['shape'] & object } });

/** The live subscriptions the hub answers, by procedure path. */
const KIND_OF_PATH = new Map<string, LiveWant['kind']>([
  [LIVE_PATHS.events, 'events'],
  [LIVE_PATHS.output, 'output'],
  [LIVE_PATHS.feed, 'feed'],
]);

/** What a subscription asks the hub for, from its input (`onAnyEvent`'s defaults, and its `lastEventId` winning over `afterRowId`). */
function wantOf(kind: LiveWant['kind'], input: unknown): LiveWant {
  if (kind === 'feed') {
    const feed = (input ?? {}) as {
      types?: FeedWant['types'];
      assistantName?: string;
      backlog?: number;
      afterRowId?: string | null;
      lastEventId?: string | null;
    };
    return {
      kind,
      types: feed.types,
      assistantName: feed.assistantName?.trim(),
      backlog: feed.backlog ?? 50,
      afterRowId: feed.lastEventId ?? feed.afterRowId ?? null,
    };
  }
  const execution = input as { executionId: number; lastEventId?: string | null };
  return kind === 'events'
    ? { kind, executionId: execution.executionId, lastEventId: execution.lastEventId ?? null }
    : { kind, executionId: execution.executionId };
}

/**
 * Answers `events.onExecutionEvent`, `events.onExecutionOutput` and `events.onAnyEvent` subscriptions from the live hub
 * (one connection for every tab of the browser, see `LiveHub`) with what `httpSubscriptionLink`
 * would send: the same data, `started` and connection states, completion after the terminal
 * event, errors with their `data.code`. Every other operation goes on down the chain.
 */
export function liveLink(hub: HubConnection): TRPCLink<AppRouter> {
  const handlers = new Map<string, (message: HubMessage) => void>();
  /** What each open subscription follows now (its cursor moves on), to subscribe again if the hub forgets this tab. */
  const wants = new Map<string, LiveWant>();
  hub.listen((message) => {
    if (message.type === 'reset') {
      for (const [id, want] of wants) hub.send({ type: 'subscribe', id, want });
    } else handlers.get(message.id)?.(message);
  });
  let nextId = 0;
  return () =>
    ({ op, next }) => {
      const kind = op.type === 'subscription' ? KIND_OF_PATH.get(op.path) : undefined;
      if (kind === undefined) return next(op);
      return observable((observer) => {
        const id = String(++nextId);
        const want = wantOf(kind, op.input);
        wants.set(id, want);
        handlers.set(id, (message) => {
          switch (message.type) {
            case 'state':
              if (message.state === 'pending') {
                observer.next({ result: { type: 'started' } });
                observer.next({ result: { type: 'state', state: 'pending', error: null } });
              } else observer.next({ result: { type: 'state', state: 'connecting', error: message.error ? toClientError(message.error) : null } });
              return;
            case 'event': {
              const eventId = message.event.eventData.eventId;
              wants.set(id, { ...want, lastEventId: eventId } as LiveWant);
              observer.next({ result: { id: eventId, data: { id: eventId, data: message.event } } });
              return;
            }
            case 'output':
              observer.next({ result: { data: { promptId: message.promptId, text: message.text, replace: message.replace } } });
              return;
            case 'feed': {
              const rowId = String(message.item.event.id);
              wants.set(id, { ...want, afterRowId: rowId } as LiveWant);
              observer.next({ result: { id: rowId, data: { id: rowId, data: message.item } } });
              return;
            }
            case 'complete':
              forget();
              observer.next({ result: { type: 'stopped' } });
              observer.next({ result: { type: 'state', state: 'idle', error: null } });
              observer.complete();
              return;
            case 'error':
              forget();
              observer.error(toClientError(message.error));
              return;
          }
        });
        const forget = () => {
          handlers.delete(id);
          wants.delete(id);
        };
        observer.next({ result: { type: 'state', state: 'connecting', error: null } });
        hub.send({ type: 'subscribe', id, want });
        return () => {
          if (!handlers.has(id)) return;
          forget();
          hub.send({ type: 'unsubscribe', id });
        };
      });
    };
}

/**
 * The tab's connection to the hub: the browser's shared worker, so every tab of the app shares
 * one stream (browsers allow six connections per server over HTTP/1.1, fewer than tabs people
 * open); where there are no shared workers, a hub of the tab's own, still one stream for the tab.
 * Says it is alive every `HEARTBEAT_MS` and goodbye on `pagehide`; back from the back-forward
 * cache, it subscribes again.
 */
export function connectToHub(): HubConnection {
  let port: MessagePort;
  if (typeof SharedWorker === 'function') {
    const worker = new SharedWorker(new URL('./live-worker.ts', import.meta.url), { type: 'module', name: 'aae-live' });
    port = worker.port;
  } else {
    const channel = new MessageChannel();
    serveLocally(channel.port2);
    port = channel.port1;
  }
  const send = (message: TabMessage) => port.postMessage(message);
  const listeners: Array<(message: HubMessage) => void> = [];
  port.addEventListener('message', (event: MessageEvent<HubMessage>) => {
    for (const listener of listeners) listener(event.data);
  });
  port.start();
  setInterval(() => send({ type: 'heartbeat' }), HEARTBEAT_MS);
  window.addEventListener('pagehide', () => send({ type: 'bye' }));
  // The hub dropped this tab at `pagehide`: a heartbeat makes it answer `reset`, and the link subscribes again.
  window.addEventListener('pageshow', (event) => {
    if (event.persisted) send({ type: 'heartbeat' });
  });
  return { send, listen: (handler) => listeners.push(handler) };
}
