import type { AppRouter } from '@aae/api';
import { TRPCClientError, type TRPCLink } from '@trpc/client';
import { observable } from '@trpc/server/observable';
import { serveLocally } from './hub-host.ts';
import { HEARTBEAT_MS, type HubMessage, LIVE_PATHS, type LiveWant, type SerializedError, type TabMessage } from './live-messages.ts';

/** The tab's end of the hub: where to send, and a way to hear back. */
export interface HubConnection {
  send(message: TabMessage): void;
  listen(handler: (message: HubMessage) => void): void;
}

/** The error as `httpSubscriptionLink` would have built it from the server's answer: its shape, `data.code` and all. */
const toClientError = (error: SerializedError) =>
  new TRPCClientError<AppRouter>(error.message, { result: { error: error as unknown as TRPCClientError<AppRouter>['shape'] & object } });

/**
 * Answers `events.onExecutionEvent` and `events.onExecutionOutput` subscriptions from the live hub
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
      const kind = op.type !== 'subscription' ? null : op.path === LIVE_PATHS.events ? 'events' : op.path === LIVE_PATHS.output ? 'output' : null;
      if (kind === null) return next(op);
      return observable((observer) => {
        const input = op.input as { executionId: number; lastEventId?: string | null };
        const id = String(++nextId);
        const want: LiveWant =
          kind === 'events' ? { kind, executionId: input.executionId, lastEventId: input.lastEventId ?? null } : { kind, executionId: input.executionId };
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
