import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { appRouter, createContext, type AppServices } from '@aae/api';
import { createHTTPHandler } from '@trpc/server/adapters/standalone';
import sirv from 'sirv';
import { handleExport } from './export-routes.ts';

export interface HttpServerOptions {
  services: AppServices;
  port: number;
  host: string;
  /** The built web app; served with an index.html fallback for client-side routes. */
  webDist?: string | undefined;
}

export interface RunningHttpServer {
  server: Server;
  url: string;
  close(): Promise<void>;
}

export async function startHttpServer(options: HttpServerOptions): Promise<RunningHttpServer> {
  const trpc = createHTTPHandler({
    router: appRouter,
    basePath: '/trpc/',
    createContext: ({ req }) => createContext(options.services, req.headers),
    onError({ error, path }) {
      if (error.code === 'INTERNAL_SERVER_ERROR') console.error(`[trpc] ${path ?? '?'}:`, error);
    },
  });
  const web =
    options.webDist && existsSync(options.webDist)
      ? sirv(options.webDist, { single: true, etag: true, gzip: false })
      : null;

  const server = createServer((req, res) => {
    const path = req.url ?? '/';
    if (path.startsWith('/trpc/')) return trpc(req, res);
    if (path.startsWith('/api/')) {
      void handleExport(options.services, req, res).then((handled) => {
        if (!handled) notFound(res);
      });
      return;
    }
    if (path === '/healthz') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ ok: true, buffer: options.services.buffer.getStats() }));
      return;
    }
    if (web) return web(req, res, () => notFound(res));
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('The web app is not built: run `pnpm start` (it builds it) or `pnpm -F @aae/web build`.\n');
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    server,
    url: `http://${options.host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Open SSE streams would keep close() waiting forever.
        server.closeAllConnections();
      }),
  };
}

function notFound(res: import('node:http').ServerResponse) {
  res.writeHead(404, { 'content-type': 'text/plain' });
  res.end('Not found\n');
}
