/**
 * The baseline for live-delivery-latency: a plain Node `http` server that writes the product's
 * serialized events as SSE lines to every open response, with no framework, database or bus.
 */
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { reportStartFailure, serveParent } from './child-server.ts';
import { wallClockMs } from './clock.ts';

export interface ScheduledEvent {
  eventId: string;
  /** The SSE `data:` line's content, exactly as the product sends it. */
  data: string;
  /** When to send it, relative to the first event. */
  atMs: number;
}

const WAIT_LIMIT_MS = 60_000;

function plainSseServerMethods(server: Server, open: Set<ServerResponse>) {
  return {
    async awaitSubscribers({ subscribers }: { subscribers: number }): Promise<void> {
      const deadline = Date.now() + WAIT_LIMIT_MS;
      while (open.size < subscribers) {
        if (Date.now() > deadline) throw new Error(`only ${open.size} of ${subscribers} subscribers connected`);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    },

    /** Sends the events at the product run's pace; returns when each was handed to the sockets and how long that took. */
    async broadcast({ events }: { events: ScheduledEvent[] }): Promise<Array<{ eventId: string; publishedAt: number; fanOutMs: number }>> {
      const published: Array<{ eventId: string; publishedAt: number; fanOutMs: number }> = [];
      const start = wallClockMs();
      for (const event of events) {
        const wait = start + event.atMs - wallClockMs();
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
        const publishedAt = wallClockMs();
        const frame = `data: ${event.data}\nid: ${event.eventId}\n\n`;
        for (const res of open) res.write(frame);
        published.push({ eventId: event.eventId, publishedAt, fanOutMs: wallClockMs() - publishedAt });
      }
      return published;
    },

    closeAll(): void {
      for (const res of open) res.end();
      open.clear();
    },

    async stop(): Promise<void> {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export type PlainSseServerMethods = ReturnType<typeof plainSseServerMethods>;

async function main() {
  const open = new Set<ServerResponse>();
  const server = createServer((req, res) => {
    if (req.url !== '/events') {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    res.flushHeaders();
    open.add(res);
    res.on('close', () => open.delete(res));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  serveParent(`http://127.0.0.1:${port}/events`, plainSseServerMethods(server, open));
}

main().catch(reportStartFailure);
