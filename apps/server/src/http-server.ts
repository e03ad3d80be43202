import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { appRouter, createContext, type AppServices } from '@aae/api';
import { createHTTPHandler } from '@trpc/server/adapters/standalone';
import helmet from 'helmet';
import sirv from 'sirv';
import { handleAuth } from './auth-routes.ts';
import { handleExport } from './export-routes.ts';
import { clientAddress, requestHeaders, watchTokenInUrl, type TrustProxy } from './request-identity.ts';

export interface RunningHttpServer {
  server: Server;
  url: string;
  /** Starts answering with `handler`; until then every request gets 503 (starting). */
  serve(handler: RequestListener): void;
  close(): Promise<void>;
}

/**
 * Listens first, so the server's own URL is known before the services that need it are built;
 * requests that arrive meanwhile are told to come back.
 */
export async function startHttpServer(options: { port: number; host: string }): Promise<RunningHttpServer> {
  let handler: RequestListener = (_req, res) => {
    res.writeHead(503, { 'content-type': 'application/json', 'retry-after': '1' });
    res.end(JSON.stringify({ ok: false, starting: true }));
  };
  const server = createServer((req, res) => handler(req, res));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  return {
    server,
    url: `http://${host}:${port}`,
    serve(next) {
      handler = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Open SSE streams would keep close() waiting forever.
        server.closeAllConnections();
      }),
  };
}

/** The largest request body the API reads (document imports are the big ones). */
export const MAX_API_BODY_BYTES = 8 * 1024 * 1024;
/** Calls in one batched request; the clients batch at most this many. */
export const MAX_BATCH_SIZE = 20;

const requestIds = new WeakMap<object, string>();
/** The id a request is logged under (and its answer's `x-request-id`). */
export const requestIdOf = (req: object) => requestIds.get(req) ?? 'unknown';

export interface RequestHandlerOptions {
  services: AppServices;
  /** Where people reach the server: sign-in requests are built on it. */
  baseURL: string;
  trustProxy: TrustProxy;
  /** The built web app; served with an index.html fallback for client-side routes. */
  webDist?: string | undefined;
}

/** Routes: `/trpc/*` the API, `/api/auth/*` sign-in, `/api/…` downloads, `/healthz`, else the web app. */
export function createRequestHandler(options: RequestHandlerOptions): RequestListener {
  const { services } = options;
  const trpc = createHTTPHandler({
    router: appRouter,
    basePath: '/trpc/',
    maxBodySize: MAX_API_BODY_BYTES,
    maxBatchSize: MAX_BATCH_SIZE,
    createContext: ({ req, info }) => {
      const ipAddress = clientAddress(req, options.trustProxy);
      const url = new URL(req.url ?? '/', 'http://localhost');
      return createContext(services, {
        headers: requestHeaders(req, ipAddress),
        // EventSource cannot send headers: a watch token in tRPC's connection params or the URL.
        token: watchTokenInUrl(info.connectionParams?.['token']) ?? watchTokenInUrl(url.searchParams.get('token')),
        ipAddress,
        requestId: requestIdOf(req),
      });
    },
    onError({ error, path, req }) {
      if (error.code === 'INTERNAL_SERVER_ERROR') console.error(`[trpc] ${path ?? '?'} (request ${requestIdOf(req)}):`, error);
    },
  });
  const web = options.webDist && existsSync(options.webDist) ? sirv(options.webDist, { single: true, etag: true, gzip: false }) : null;
  const https = options.baseURL.startsWith('https:');
  // helmet's headers on every answer: a policy the web app passes (its own scripts, styles and
  // API only), never framed, no sniffing, no referrer (watch tokens can sit in URLs).
  const securityHeaders = helmet({
    contentSecurityPolicy: {
      useDefaults: true,
      directives: {
        'default-src': ["'self'"],
        'script-src': ["'self'"],
        'style-src': ["'self'"],
        'img-src': ["'self'", 'data:'],
        'font-src': ["'self'"],
        'connect-src': ["'self'"],
        'frame-ancestors': ["'none'"],
        'form-action': ["'self'"],
        'upgrade-insecure-requests': https ? [] : null,
      },
    },
    frameguard: { action: 'deny' },
    referrerPolicy: { policy: 'no-referrer' },
    strictTransportSecurity: https ? { maxAge: 31_536_000 } : false,
  });

  return (req, res) => {
    const requestId = randomUUID();
    requestIds.set(req, requestId);
    res.setHeader('x-request-id', requestId);
    securityHeaders(req, res, () => route(req, res));
  };

  function route(req: IncomingMessage, res: ServerResponse) {
    const path = req.url ?? '/';
    if (path.startsWith('/trpc/')) {
      if (!decodable(path.split('?')[0]!)) return badRequest(res, 'The procedure name in the URL is not valid percent-encoded UTF-8');
      // Refused before a byte is read when it says it is too large (tRPC stops reading at the limit otherwise).
      if (Number(req.headers['content-length'] ?? 0) > MAX_API_BODY_BYTES) return tooLarge(res, MAX_API_BODY_BYTES);
      return trpc(req, res);
    }
    if (path.startsWith('/api/auth/') || path === '/api/auth') {
      const address = clientAddress(req, options.trustProxy);
      void handleAuth(services.auth, options.baseURL, req, res, requestHeaders(req, address)).catch((error: unknown) => failed(req, res, '[auth]', error));
      return;
    }
    if (path.startsWith('/api/')) {
      void handleExport(services, req, res, options.trustProxy)
        .then((handled) => {
          if (!handled) notFound(res);
        })
        .catch((error: unknown) => failed(req, res, '[export]', error));
      return;
    }
    if (path === '/healthz') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ ok: true, buffer: services.buffer.getStats() }));
      return;
    }
    if (web) return web(req, res, () => notFound(res));
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('The web app is not built: run `pnpm start` (it builds it) or `pnpm -F @aae/web build`.\n');
  }
}

function notFound(res: ServerResponse) {
  res.writeHead(404, { 'content-type': 'text/plain' });
  res.end('Not found\n');
}

function decodable(text: string): boolean {
  try {
    decodeURIComponent(text);
    return true;
  } catch {
    return false;
  }
}

function badRequest(res: ServerResponse, message: string) {
  res.writeHead(400, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ error: { message, code: 'BAD_REQUEST' } }));
}

function tooLarge(res: ServerResponse, limit: number) {
  res.writeHead(413, { 'content-type': 'application/json', connection: 'close' });
  res.end(JSON.stringify({ error: { message: `The request body is larger than ${limit} bytes`, code: 'PAYLOAD_TOO_LARGE' } }));
}

/** A request that failed on the server's side: logged under its id, answered with a plain 500 that quotes it and nothing of the cause. */
function failed(req: IncomingMessage, res: ServerResponse, label: string, error: unknown) {
  const requestId = requestIdOf(req);
  console.error(`${label} (request ${requestId})`, error);
  if (!res.headersSent) {
    res.writeHead(500, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: `The server failed (request ${requestId}); its log has the details`, requestId }));
  } else res.destroy();
}
