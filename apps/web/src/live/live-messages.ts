import type { EventType, StoredEvent } from '@aae/events';

/**
 * What tabs and the live hub (the shared worker, or the tab's own where there is none) say to
 * each other over a MessagePort. Every tab subscription has an id the tab chose.
 */

/** An error as it crosses a port: enough to build the `TRPCClientError` the page shows. */
export interface SerializedError {
  message: string;
  /** The error's `data` (`code`, `httpStatus`, `limit`, `retryAfterSeconds`…), as the server formatted it. */
  data: { code?: string; httpStatus?: number } & Record<string, unknown>;
  /** The JSON-RPC error code. */
  code: number;
}

/** The admin feed as `events.onAnyEvent` takes it: which events, how many earlier ones, and the row id to resume after. */
export interface FeedWant {
  kind: 'feed';
  types?: EventType[] | undefined;
  assistantName?: string | undefined;
  backlog: number;
  afterRowId: string | null;
}

/** One item of the admin feed: an event with its execution's assistant and user. */
export interface FeedItem {
  event: StoredEvent;
  assistantName: string;
  userName: string;
}

/** What a subscription follows: an execution's events after `lastEventId`, the text its models write, or the admin feed. */
export type LiveWant = { kind: 'events'; executionId: number; lastEventId: string | null } | { kind: 'output'; executionId: number } | FeedWant;

export type TabMessage =
  | { type: 'subscribe'; id: string; want: LiveWant }
  | { type: 'unsubscribe'; id: string }
  /** Sent every few seconds: a port quiet for long belongs to a tab that went away without saying so. */
  | { type: 'heartbeat' }
  /** The tab is going (`pagehide`): drop its subscriptions now. */
  | { type: 'bye' };

export type HubMessage =
  /** `pending`: the stream is up (again); `connecting`: it dropped and is being opened again. */
  | { type: 'state'; id: string; state: 'connecting' | 'pending'; error: SerializedError | null }
  | { type: 'event'; id: string; event: StoredEvent }
  | { type: 'output'; id: string; promptId: number; text: string; replace: boolean }
  | { type: 'feed'; id: string; item: FeedItem }
  /** The execution ended and every event was sent. */
  | { type: 'complete'; id: string }
  | { type: 'error'; id: string; error: SerializedError }
  /** The hub had forgotten this tab (it was quiet too long): it subscribes again to what it still wants. */
  | { type: 'reset' };

/** The subscriptions the hub answers instead of the server, by procedure path. */
export const LIVE_PATHS = { events: 'events.onExecutionEvent', output: 'events.onExecutionOutput', feed: 'events.onAnyEvent' } as const;

/** How often a tab says it is still there, and how long a silent one is kept (background tabs' timers run as rarely as once a minute). */
export const HEARTBEAT_MS = 10_000;
export const TAB_SILENCE_LIMIT_MS = 150_000;
