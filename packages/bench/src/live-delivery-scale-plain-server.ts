/**
 * The baseline for live-delivery-scale: a plain Node `http` SSE server in the seed's frame format.
 * Each event is serialized once into one Buffer, written to every connection watching its
 * execution with one `res.write` each; no framework, database, identity or bus.
 */
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { formatEventId } from '@aae/events';
import { reportStartFailure, serveParent } from './child-server.ts';
import { wallClockMs } from './clock.ts';
import { progressDraft } from './progress-draft.ts';

const EVENTS_PATH = /^\/events\/(\d+)$/;

function plainServerMethods(server: Server, watchers: Map<number, Set<ServerResponse>>) {
  return {
    /** One `progress` event (sequence `sequence` of `total`) to each execution's watchers; returns when each was written, by event id. */
    publish({ executionIds, sequence, total }: { executionIds: number[]; sequence: number; total: number }): Record<string, number> {
      const emitted: Record<string, number> = {};
      for (const executionId of executionIds) {
        const emittedAt = wallClockMs();
        const eventId = formatEventId(executionId, sequence);
        const { eventType, eventData } = progressDraft(sequence, total);
        const data = JSON.stringify({ ...eventData, timestamp: new Date(emittedAt).toISOString(), eventId });
        const frame = Buffer.from(`event: ${eventType}\nid: ${eventId}\ndata: ${data}\n\n`);
        for (const res of watchers.get(executionId) ?? []) res.write(frame);
        emitted[eventId] = emittedAt;
      }
      return emitted;
    },

    cpu(): number {
      const usage = process.cpuUsage();
      return usage.user + usage.system;
    },

    async stop(): Promise<void> {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export type PlainScaleServerMethods = ReturnType<typeof plainServerMethods>;

async function main() {
  const watchers = new Map<number, Set<ServerResponse>>();
  const server = createServer((req, res) => {
    const match = EVENTS_PATH.exec(req.url ?? '');
    if (!match) {
      res.writeHead(404).end();
      return;
    }
    const executionId = Number(match[1]);
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive' });
    res.write('retry: 1000\n\n');
    const set = watchers.get(executionId) ?? new Set();
    watchers.set(executionId, set);
    set.add(res);
    res.on('close', () => set.delete(res));
  });
  // The default backlog (511) is what the product's server has too.
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  serveParent(`http://127.0.0.1:${port}`, plainServerMethods(server, watchers));
}

main().catch(reportStartFailure);
