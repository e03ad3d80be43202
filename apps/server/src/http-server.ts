import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { appRouter, createContext } from '@aae/api';
import { LimitReachedError, type AppServices } from '@aae/runtime';
import { createHTTPHandler } from '@trpc/server/adapters/standalone';
import { addressKey } from '@aae/auth';
import helmet from 'helmet';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import sirv from 'sirv';
import { handleAuth } from './auth-routes.ts';
import { handleExecutionEvents } from './execution-events-route.ts';
import { handleExport } from './export-routes.ts';
import type { SseResponses } from './live-delivery/sse-responses.ts';
import { handleOperations, type OperationsRoutes } from './operations-routes.ts';
import { handleTypedEventSubscription, TYPED_EVENTS_PATH } from './live-delivery/typed-subscription-route.ts';
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
/** Twenty a second, sustained for a minute: far above a person's pages, well below a flood. */
export const DEFAULT_REQUESTS_PER_MINUTE_PER_ADDRESS = 1_200;

const requestIds = new WeakMap<object, string>();
/** The id a request is logged under (and its answer's `x-request-id`). */
export const requestIdOf = (req: object) => requestIds.get(req) ?? 'unknown';

export interface RequestHandlerOptions {
  services: AppServices;
  /** `/healthz`, `/readyz` and `/metrics`. */
  operations: OperationsRoutes;
  /** Where people reach the server: sign-in requests are built on it. */
  baseURL: string;
  trustProxy: TrustProxy;
  /** The built web app; served with an index.html fallback for client-side routes. */
  webDist?: string | undefined;
  /** Other origins the web app may be opened from (a session cookie from any other is not used). */
  trustedOrigins?: readonly string[];
  /** Requests one client address (an IPv6 one by its /64) may make per minute; 0 for no limit. */
  requestsPerMinutePerAddress?: number;
  /** Every SSE stream of this process is written by the fan-out core through these. */
  responses: SseResponses;
  logger?: Pick<Console, 'warn'>;
}

/** Routes: `/trpc/*` the API, `/api/auth/*` sign-in, `/api/assistant-architect/events/:id` the seed's event stream, `/api/…` downloads, `/healthz`, `/readyz`, `/metrics`, else the web app. */
export function createRequestHandler(options: RequestHandlerOptions): RequestListener {
  const { services } = options;
  const allowedOrigins = [new URL(options.baseURL).origin, ...(options.trustedOrigins ?? [])];
  const contextFor = (req: IncomingMessage, connectionParams: Readonly<Record<string, string | undefined>> | null) => {
    const ipAddress = clientAddress(req, options.trustProxy);
    const url = new URL(req.url ?? '/', 'http://localhost');
    return createContext(services, {
      headers: requestHeaders(req, ipAddress),
      // EventSource cannot send headers: a watch token in tRPC's connection params or the URL.
      token: watchTokenInUrl(connectionParams?.token) ?? watchTokenInUrl(url.searchParams.get('token')),
      ipAddress,
      requestId: requestIdOf(req),
      allowedOrigins,
    });
  };
  const { responses } = options;
  const trpc = createHTTPHandler({
    router: appRouter,
    basePath: '/trpc/',
    maxBodySize: MAX_API_BODY_BYTES,
    maxBatchSize: MAX_BATCH_SIZE,
    // A limit's refusal says when to come back.
    responseMeta({ errors }) {
      const limited = errors.find((error) => error.cause instanceof LimitReachedError)?.cause as LimitReachedError | undefined;
      return limited ? { headers: { 'retry-after': String(limited.retryAfterSeconds) } } : {};
    },
    createContext: ({ req, info }) => contextFor(req, info.connectionParams),
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

  const noSniff = (_req: IncomingMessage, res: ServerResponse, next: () => void) => {
    res.setHeader('x-content-type-options', 'nosniff');
    next();
  };
  const isEventStream = (req: IncomingMessage) => {
    if (req.method !== 'GET' || !req.url) return false;
    const path = req.url.split('?')[0]!;
    return path === TYPED_EVENTS_PATH || path.startsWith('/api/assistant-architect/events/');
  };

  const perAddress = options.requestsPerMinutePerAddress ? new RateLimiterMemory({ points: options.requestsPerMinutePerAddress, duration: 60 }) : null;

  // Addresses already warned about (a bounded number: anyone can send the header).
  const warnedProxies = new Set<string>();

  return (req, res) => {
    const peer = req.socket.remoteAddress;
    if (peer && req.headers['x-forwarded-for'] !== undefined && warnedProxies.size < 20 && !warnedProxies.has(peer) && !options.trustProxy(peer, 0)) {
      warnedProxies.add(peer);
      (options.logger ?? console).warn(
        `[proxy] requests from ${peer} carry X-Forwarded-For, which is not believed (TRUST_PROXY does not name that address): usage limits, sign-in throttling and the audit log see ${peer} as the client. If ${peer} is your own reverse proxy, set TRUST_PROXY to it (for example \`loopback\`); otherwise nothing needs doing.`,
      );
    }
    const requestId = randomUUID();
    requestIds.set(req, requestId);
    res.setHeader('x-request-id', requestId);
    // An event stream is read by EventSource, never rendered: of helmet's headers it needs only
    // `nosniff`, and each open stream would otherwise keep the other dozen (about 4 KB each).
    const headers = isEventStream(req) ? noSniff : securityHeaders;
    headers(req, res, () => {
      const url = req.url ?? '/';
      const isTrpc = url.startsWith('/trpc/');
      // The API is counted; the web app's files, health checks and metrics are not.
      if (!perAddress || !(isTrpc || url.startsWith('/api/'))) return route(req, res);
      // A batch counts each of its calls (`/trpc/a,b,c?batch=1`).
      const calls = isTrpc && url.includes('batch=1') ? url.split('?')[0]!.split(',').length : 1;
      perAddress.consume(addressKey(clientAddress(req, options.trustProxy) ?? 'unknown'), calls).then(
        () => route(req, res),
        (refusal: unknown) => {
          if (!(refusal instanceof RateLimiterRes)) return failed(req, res, '[limits]', refusal);
          const wait = Math.max(1, Math.ceil(refusal.msBeforeNext / 1000));
          const message = `Too many requests from your address; try again in ${wait} s`;
          res.writeHead(429, { 'content-type': 'application/json', 'retry-after': String(wait) });
          // Shaped as tRPC's own errors on /trpc, so its clients read the code and the wait.
          const data = { code: 'TOO_MANY_REQUESTS', httpStatus: 429, limit: 'requestsPerMinutePerAddress', retryAfterSeconds: wait, requestId };
          res.end(JSON.stringify(isTrpc ? { error: { json: { message, code: -32029, data } } } : { error: { message, ...data } }));
        },
      );
    });
  };

  function route(req: IncomingMessage, res: ServerResponse) {
    const path = req.url ?? '/';
    if (path.startsWith('/trpc/')) {
      if (!decodable(path.split('?')[0]!)) return badRequest(res, 'The procedure name in the URL is not valid percent-encoded UTF-8');
      // Refused before a byte is read when it says it is too large (tRPC stops reading at the limit otherwise).
      if (Number(req.headers['content-length'] ?? 0) > MAX_API_BODY_BYTES) return tooLarge(res, MAX_API_BODY_BYTES);
      // The events of one execution are streamed by the fan-out core, in tRPC's own format.
      if (req.method === 'GET' && path.split('?')[0] === TYPED_EVENTS_PATH) {
        void handleTypedEventSubscription(req, res, { responses, createContext: contextFor, fallback: trpc }).catch((error: unknown) =>
          failed(req, res, '[trpc]', error),
        );
        return;
      }
      return trpc(req, res);
    }
    if (path.startsWith('/api/auth/') || path === '/api/auth') {
      const address = clientAddress(req, options.trustProxy);
      void handleAuth(services.auth, options.baseURL, req, res, requestHeaders(req, address)).catch((error: unknown) => failed(req, res, '[auth]', error));
      return;
    }
    if (path.startsWith('/api/assistant-architect/events/')) {
      void handleExecutionEvents(services, req, res, { trustProxy: options.trustProxy, allowedOrigins, responses })
        .then((handled) => {
          if (!handled) notFound(res);
        })
        .catch((error: unknown) => failed(req, res, '[events]', error));
      return;
    }
    if (path.startsWith('/api/')) {
      void handleExport(services, req, res, options.trustProxy, allowedOrigins)
        .then((handled) => {
          if (!handled) notFound(res);
        })
        .catch((error: unknown) => failed(req, res, '[export]', error));
      return;
    }
    if (handleOperations(req, res, options.operations)) return;
    if (web) return web(req, res, () => notFound(res));
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('The web app is not built: run `pnpm start` (it builds it) or `pnpm -F @aae/web build`.\n');
  }
}

/** A worker process (`ROLE=worker`) serves no API: only its health, readiness and metrics. */
export function createWorkerRequestHandler(operations: OperationsRoutes): RequestListener {
  return (req, res) => {
    if (handleOperations(req, res, operations)) return;
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('This process is a worker (ROLE=worker): it runs executions and serves no API. Reach the API on a process with ROLE=all or ROLE=api.\n');
  };
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
