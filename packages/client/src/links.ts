import type { AppRouter } from '@aae/api';
import { transformer } from '@aae/api/transformer';
import { httpBatchStreamLink, httpLink, httpSubscriptionLink, retryLink, splitLink, type TRPCLink } from '@trpc/client';
import { reconnectingEventSource } from './reconnecting-event-source.ts';

export interface LinkOptions {
  /** The server's origin, e.g. `http://127.0.0.1:3000`; the tRPC endpoint is `/trpc` under it. */
  baseUrl: string;
  /**
   * A personal access token (`aae_pat_…`, made in the web app under Tokens) or a watch token for
   * one execution (`aae_watch_…`), sent as `Authorization: Bearer`. Browsers signed in to the
   * web app send their session cookie instead; a browser's EventSource cannot send headers, so
   * there streams carry only a watch token (in the URL) or the cookie.
   */
  token?: string;
  /** More headers for every request (in Node, subscriptions too): a proxy's, or a session cookie. */
  headers?: Record<string, string>;
  /** An EventSource implementation for runtimes without one (Node 20): `import { EventSource } from 'eventsource'`. */
  EventSource?: Parameters<typeof httpSubscriptionLink>[0]['EventSource'];
  /**
   * Retry queries that fail on the network or with a server error (default true). React Query
   * retries on its own, so the web app turns this off. Subscriptions are always resumed.
   */
  retryQueries?: boolean;
}

/**
 * A request that may succeed if sent again: no answer at all (network), or the server's own
 * failure. Refusals (bad input, not found, forbidden) are final.
 */
function isTransient(error: { data?: { code?: string; limit?: string } | null | undefined }): boolean {
  const code = error.data?.code;
  // Past the number of open streams, waiting frees nothing: the person must close some.
  if (code === 'TOO_MANY_REQUESTS') return error.data?.limit !== 'streamsPerPerson';
  return code === undefined || code === 'INTERNAL_SERVER_ERROR' || code === 'SERVICE_UNAVAILABLE';
}

/** How long a refusal asked to wait before trying again (its `retryAfterSeconds`), if it did. */
function retryAfterMs(error: { data?: { code?: string; retryAfterSeconds?: unknown } | null | undefined }): number | null {
  const seconds = error.data?.retryAfterSeconds;
  return typeof seconds === 'number' && Number.isFinite(seconds) && seconds > 0 ? seconds * 1_000 : null;
}

/**
 * Calls sent alone, never batched: each carries up to a megabyte or so (a document import), and a
 * batch of several could pass the server's limit on a request body, refused before tRPC sees it.
 */
const UNBATCHED_PATHS = new Set(['knowledge.documents.import', 'knowledge.documents.add']);

/**
 * Subscriptions over SSE, everything else over one streamed batch link (large calls alone), one transformer for all.
 * A subscription whose connection fails is opened again from the last event id it received, so
 * its reader sees every event once (a dropped one within a second, see `reconnectingEventSource`);
 * mutations are never sent twice.
 */
export function createLinks(options: LinkOptions): TRPCLink<AppRouter>[] {
  let serverAskedWaitMs: number | null = null;
  const url = `${options.baseUrl.replace(/\/$/, '')}/trpc`;
  const authHeaders: Record<string, string> = { ...options.headers, ...(options.token ? { authorization: `Bearer ${options.token}` } : {}) };
  const sendsHeaders = Object.keys(authHeaders).length > 0;
  const retryQueries = options.retryQueries ?? true;
  // A dropped stream comes back within a second (spread, and slower while the server stays away),
  // not after the EventSource's own 3 s.
  const BaseEventSource: LinkOptions['EventSource'] = options.EventSource ?? globalThis.EventSource;
  const EventSource = BaseEventSource ? reconnectingEventSource(BaseEventSource) : undefined;
  return [
    retryLink({
      retry({ op, error, attempts }) {
        if (!isTransient(error)) return false;
        // Read by `retryDelayMs`, which the link calls right after this, in the same turn.
        serverAskedWaitMs = retryAfterMs(error);
        // A long wait is the person's to decide on: they see the refusal.
        if (serverAskedWaitMs !== null && serverAskedWaitMs > 10_000) return false;
        if (op.type === 'subscription') return attempts <= 30;
        return op.type === 'query' && retryQueries && attempts <= 3;
      },
      // As long as a refusal (429) asked, otherwise backing off from 400 ms to 5 s.
      retryDelayMs: (attempt) => serverAskedWaitMs ?? Math.min(200 * 2 ** attempt, 5_000),
    }),
    splitLink({
      condition: (op) => op.type === 'subscription',
      true: httpSubscriptionLink({
        url,
        transformer,
        ...(EventSource ? { EventSource } : {}),
        // The `eventsource` package (Node) accepts a fetch to send the header with; a browser's
        // EventSource cannot send headers, so there the token travels as a connection parameter.
        ...(sendsHeaders && options.EventSource
          ? {
              eventSourceOptions: {
                fetch: (input: string | URL, init?: RequestInit) =>
                  fetch(input, { ...init, headers: { ...(init?.headers as Record<string, string>), ...authHeaders } }),
              },
            }
          : {}),
        // Only a watch token: the server never takes a personal access token from a URL.
        ...(options.token?.startsWith('aae_watch_') && !options.EventSource ? { connectionParams: { token: options.token } } : {}),
      }),
      false: splitLink({
        condition: (op) => UNBATCHED_PATHS.has(op.path),
        true: httpLink({ url, transformer, headers: () => authHeaders }),
        false: httpBatchStreamLink({ url, transformer, headers: () => authHeaders, maxItems: 20, maxURLLength: 8_000 }),
      }),
    }),
  ];
}
