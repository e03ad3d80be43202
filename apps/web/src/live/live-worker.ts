import { createHub, servePort } from './hub-host.ts';

/**
 * The shared worker every tab of the app connects to: one hub, so the browser holds one live
 * stream for all of them (see `LiveHub`).
 */
const hub = createHub();

self.addEventListener('connect', (event) => {
  const [port] = (event as MessageEvent).ports;
  if (port) servePort(hub, port);
});
