import type { AppRouter } from '@aae/api';
import { transformer } from '@aae/api/transformer';
import { httpBatchStreamLink, httpSubscriptionLink, retryLink, splitLink, type TRPCLink } from '@trpc/client';

export interface LinkOptions {
  /** The server's origin, e.g. `http://127.0.0.1:3000`; the tRPC endpoint is `/trpc` under it. */
  baseUrl: string;
  /** The user to act as (sent as the `x-aae-user` header). Browsers may rely on the cookie instead. */
  user?: string;
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
function isTransient(error: { data?: { code?: string } | null | undefined }): boolean {
  const code = error.data?.code;
  return code === undefined || code === 'INTERNAL_SERVER_ERROR' || code === 'TOO_MANY_REQUESTS' || code === 'SERVICE_UNAVAILABLE';
}

/**
 * Subscriptions over SSE, everything else over one streamed batch link, one transformer for both.
 * A subscription whose connection fails is opened again from the last event id it received, so
 * its reader sees every event once; mutations are never sent twice.
 */
export function createLinks(options: LinkOptions): TRPCLink<AppRouter>[] {
  const url = `${options.baseUrl.replace(/\/$/, '')}/trpc`;
  const userHeaders: Record<string, string> = options.user ? { 'x-aae-user': options.user } : {};
  const retryQueries = options.retryQueries ?? true;
  return [
    retryLink({
      retry({ op, error, attempts }) {
        if (!isTransient(error)) return false;
        if (op.type === 'subscription') return attempts <= 30;
        return op.type === 'query' && retryQueries && attempts <= 3;
      },
      retryDelayMs: (attempt) => Math.min(200 * 2 ** attempt, 5_000),
    }),
    splitLink({
      condition: (op) => op.type === 'subscription',
      true: httpSubscriptionLink({
        url,
        transformer,
        ...(options.EventSource ? { EventSource: options.EventSource } : {}),
        // The `eventsource` package accepts a fetch to send headers with; browsers send the cookie.
        ...(options.user
          ? {
              eventSourceOptions: {
                fetch: (input: string | URL, init?: RequestInit) =>
                  fetch(input, { ...init, headers: { ...(init?.headers as Record<string, string>), ...userHeaders } }),
              },
            }
          : {}),
      }),
      false: httpBatchStreamLink({ url, transformer, headers: () => userHeaders }),
    }),
  ];
}
