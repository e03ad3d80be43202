import { appRouter } from '@aae/api';
import { transformer } from '@aae/api/transformer';
import type { StoredEvent } from '@aae/events';

/**
 * How events are written on one kind of stream. Each event is turned into bytes once per format
 * (not once per watcher), and a page of history read by many watchers once per format too.
 */
export interface WireFormat {
  readonly headers: Readonly<Record<string, string>>;
  /** Written right after the headers. */
  preamble(): string;
  event(event: StoredEvent): Buffer;
  events(events: readonly StoredEvent[]): Buffer;
  /** Written after this long without a write (proxies close silent connections). */
  readonly pingMs: number;
  readonly ping: Buffer;
  /** Written after the terminal event, before the stream ends (none: it just ends). */
  readonly ending: Buffer | null;
}

function cachedFormat(spec: Omit<WireFormat, 'event' | 'events'> & { frame(event: StoredEvent): string }): WireFormat {
  const frames = new WeakMap<StoredEvent, Buffer>();
  const pages = new WeakMap<readonly StoredEvent[], Buffer>();
  const event = (stored: StoredEvent) => {
    let frame = frames.get(stored);
    if (!frame) {
      frame = Buffer.from(spec.frame(stored));
      frames.set(stored, frame);
    }
    return frame;
  };
  return {
    headers: spec.headers,
    preamble: spec.preamble,
    pingMs: spec.pingMs,
    ping: spec.ping,
    ending: spec.ending,
    event,
    events(stored) {
      let page = pages.get(stored);
      if (!page) {
        page = Buffer.concat(stored.map(event));
        pages.set(stored, page);
      }
      return page;
    },
  };
}

/** How long a browser waits before reconnecting: under a second, spread so a restarting server is not stormed. */
export const retryMs = (random: () => number = Math.random) => 500 + Math.floor(random() * 500);

/** One SSE message of the seed's endpoint: the event's type as its name, its id, and the seed's payload. */
export function formatSeedEvent(event: StoredEvent): string {
  return `event: ${event.eventType}\nid: ${event.eventData.eventId}\ndata: ${JSON.stringify(event.eventData)}\n\n`;
}

/**
 * The seed's endpoint, read by a browser's EventSource with a listener per event type:
 *   event: <eventType>
 *   id: evt_<execution>_<sequence>
 *   data: <the event's eventData as JSON>
 */
export const seedFormat: WireFormat = cachedFormat({
  headers: {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  },
  preamble: () => `retry: ${retryMs()}\n\n`,
  frame: formatSeedEvent,
  pingMs: 15_000,
  ping: Buffer.from(': ping\n\n'),
  ending: null,
});

const sse = appRouter._def._config.sse;

/**
 * One message as tRPC's own SSE responder writes it (`sseStreamProducer` in @trpc/server 11.19:
 * each field on its line, then two more newlines). A conformance test compares the two.
 */
const trpcMessage = (fields: { event?: string; data: string; id?: string }) =>
  `${fields.event === undefined ? '' : `event: ${fields.event}\n`}data: ${fields.data}\n${fields.id === undefined ? '' : `id: ${fields.id}\n`}\n\n`;

/** A tRPC error shape (as the router's error formatter made it), as tRPC ends a subscription with it. */
export const trpcErrorMessage = (shape: unknown) => trpcMessage({ event: 'serialized-error', data: JSON.stringify(transformer.output.serialize(shape)) });

/**
 * The typed subscription `events.onExecutionEvent` in tRPC's wire format, so `httpSubscriptionLink`
 * and `useSubscription` read it unchanged: the event serialized by the API's transformer, its id
 * tracked for resuming.
 */
export const trpcFormat: WireFormat = cachedFormat({
  // As tRPC's node adapter sets them (from `sseHeaders`).
  headers: {
    'content-type': 'text/event-stream',
    'cache-control': 'no-cache, no-transform',
    'x-accel-buffering': 'no',
    connection: 'keep-alive',
  },
  preamble: () => trpcMessage({ event: 'connected', data: JSON.stringify(sse?.client ?? {}) }),
  frame: (event) => trpcMessage({ data: JSON.stringify(transformer.output.serialize(event)), id: event.eventData.eventId }),
  pingMs: sse?.ping?.intervalMs ?? 10_000,
  ping: Buffer.from(trpcMessage({ event: 'ping', data: '' })),
  ending: Buffer.from(trpcMessage({ event: 'return', data: '' })),
});
