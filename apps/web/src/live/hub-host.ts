import type { AppRouter } from '@aae/api';
import { createLinks } from '@aae/client/links';
import { createTRPCClient } from '@trpc/client';
import { LiveHub } from './live-hub.ts';
import type { TabMessage } from './live-messages.ts';

/** A hub with its own typed client, on the page's origin (cookies go with its stream), forgetting silent tabs now and then. */
export function createHub(): LiveHub {
  const client = createTRPCClient<AppRouter>({ links: createLinks({ baseUrl: self.location.origin, retryQueries: false }) });
  const hub = new LiveHub(client.events.onLive);
  setInterval(() => hub.sweep(), 30_000);
  return hub;
}

/** Serves one tab's port (see `LiveHub.receive`). */
export function servePort(hub: LiveHub, port: MessagePort): void {
  port.addEventListener('message', (event: MessageEvent<TabMessage>) => hub.receive(port, event.data));
  port.start();
}

/** Where there are no shared workers: a hub of the tab's own, on the other end of a MessageChannel. */
export function serveLocally(port: MessagePort): void {
  servePort(createHub(), port);
}
