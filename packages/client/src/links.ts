import type { AppRouter } from '@aae/api';
import { transformer } from '@aae/api/transformer';
import {
  httpBatchStreamLink,
  httpSubscriptionLink,
  splitLink,
  type TRPCLink,
} from '@trpc/client';

export interface LinkOptions {
  /** The server's origin, e.g. `http://127.0.0.1:3000`; the tRPC endpoint is `/trpc` under it. */
  baseUrl: string;
  /** The user to act as (sent as the `x-aae-user` header). Browsers may rely on the cookie instead. */
  user?: string;
  /** An EventSource implementation for runtimes without one (Node 20): `import { EventSource } from 'eventsource'`. */
  EventSource?: Parameters<typeof httpSubscriptionLink>[0]['EventSource'];
}

/** Subscriptions over SSE, everything else over one streamed batch link, one transformer for both. */
export function createLinks(options: LinkOptions): TRPCLink<AppRouter>[] {
  const url = `${options.baseUrl.replace(/\/$/, '')}/trpc`;
  const userHeaders: Record<string, string> = options.user ? { 'x-aae-user': options.user } : {};
  return [
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
