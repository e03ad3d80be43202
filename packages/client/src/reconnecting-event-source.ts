/** What of an EventSource this needs (a browser's, or the `eventsource` package's in Node). */
interface EventSourceInstance {
  readonly readyState: number;
  addEventListener(type: string, listener: (event: object) => void): void;
  removeEventListener(type: string, listener: (event: object) => void): void;
  close(): void;
}

type Listener = (event: object) => void;

const CONNECTING = 0;
const OPEN = 1;
const CLOSED = 2;

/** The longest wait between attempts while the server stays unreachable. */
const MAX_RECONNECT_DELAY_MS = 10_000;

/**
 * How long to wait before connecting again after `failures` drops in a row: a random time between
 * 250 and 1,000 ms after the first, the range doubling with each further one up to 2.5–10 s, so
 * clients of a restarting server come back spread out.
 */
export function reconnectDelayMs(failures: number, random: () => number = Math.random): number {
  const ceiling = Math.min(1_000 * 2 ** Math.max(0, failures - 1), MAX_RECONNECT_DELAY_MS);
  return Math.round(ceiling / 4 + random() * ((ceiling * 3) / 4));
}

/** `url` naming where to resume (read by the server as the `Last-Event-ID` header is). */
export function withLastEventId(url: string, lastEventId: string | null): string {
  if (!lastEventId) return url;
  return `${url}${url.includes('?') ? '&' : '?'}lastEventId=${encodeURIComponent(lastEventId)}`;
}

/**
 * An EventSource that reconnects on its own schedule: an EventSource whose connection drops
 * waits its `retry` time (3 s unless the server says otherwise) and then tries at that pace for
 * ever; this one connects again after `delayMs(failures in a row)`, resuming after the last event
 * id it received. A connection the EventSource gives up on (an error status) stays closed.
 */
export function reconnectingEventSource<Init, Instance extends EventSourceInstance>(
  Inner: new (url: string, init?: Init) => Instance,
  delayMs: (failures: number) => number = reconnectDelayMs,
) {
  return class ReconnectingEventSource {
    static readonly CONNECTING = CONNECTING;
    static readonly OPEN = OPEN;
    static readonly CLOSED = CLOSED;
    readonly CONNECTING = CONNECTING;
    readonly OPEN = OPEN;
    readonly CLOSED = CLOSED;
    readyState: number = CONNECTING;
    readonly url: string;
    #init: Init | undefined;
    #inner: Instance | null = null;
    #listeners = new Map<string, Set<Listener>>();
    /** One forwarder per event type, attached to each connection in turn. */
    #forwarders = new Map<string, Listener>();
    #failures = 0;
    #lastEventId: string | null = null;
    #timer: ReturnType<typeof setTimeout> | undefined;

    constructor(url: string, init?: Init) {
      this.url = url;
      this.#init = init;
      this.#connect();
    }

    addEventListener(type: string, listener: Listener): void {
      let listeners = this.#listeners.get(type);
      if (!listeners) {
        listeners = new Set();
        this.#listeners.set(type, listeners);
        if (type !== 'open' && type !== 'error') this.#forward(type);
      }
      listeners.add(listener);
    }

    removeEventListener(type: string, listener: Listener): void {
      this.#listeners.get(type)?.delete(listener);
    }

    close(): void {
      clearTimeout(this.#timer);
      this.readyState = CLOSED;
      this.#inner?.close();
      this.#inner = null;
    }

    #connect() {
      const inner = new Inner(withLastEventId(this.url, this.#lastEventId), this.#init);
      this.#inner = inner;
      const on = (type: string, listener: Listener) => inner.addEventListener(type, listener);
      on('open', (event) => {
        this.#failures = 0;
        this.readyState = OPEN;
        this.#emit('open', event);
      });
      on('error', (event) => this.#onError(inner, event));
      for (const [type, forwarder] of this.#forwarders) on(type, forwarder);
    }

    #forward(type: string) {
      const forwarder: Listener = (event) => {
        const id = (event as { lastEventId?: unknown }).lastEventId;
        if (typeof id === 'string' && id !== '') this.#lastEventId = id;
        this.#emit(type, event);
      };
      this.#forwarders.set(type, forwarder);
      this.#inner?.addEventListener(type, forwarder);
    }

    #onError(inner: Instance, event: object) {
      if (inner !== this.#inner) return;
      if (inner.readyState === CLOSED) {
        this.readyState = CLOSED;
        this.#inner = null;
      } else {
        // Dropped: the inner EventSource would retry at its own pace; this one decides instead.
        inner.close();
        this.readyState = CONNECTING;
        this.#failures++;
        this.#timer = setTimeout(() => {
          if (this.readyState !== CLOSED) this.#connect();
        }, delayMs(this.#failures));
      }
      this.#emit('error', event);
    }

    #emit(type: string, event: object) {
      for (const listener of this.#listeners.get(type) ?? []) listener(event);
    }
  };
}
