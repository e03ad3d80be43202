import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  assertScope,
  createContext,
  domainError,
  executionEventStream,
  idSchema,
  LimitReachedError,
  resumeSequence,
  streamScope,
  unauthorized,
  type AppServices,
} from '@aae/api';
import type { StoredEvent } from '@aae/events';
import { TRPCError } from '@trpc/server';
import { getHTTPStatusCodeFromError } from '@trpc/server/http';
import { clientAddress, requestHeaders, watchTokenInUrl, type TrustProxy } from './request-identity.ts';

/**
 * The seed's endpoint: `GET /api/assistant-architect/events/:executionId`, an execution's events
 * as server-sent events a browser's EventSource reads with a listener per event type:
 *   event: <eventType>
 *   id: evt_<execution>_<sequence>
 *   data: <the event's eventData as JSON>
 * Resumes after `Last-Event-ID` (or `?lastEventId=`); ends after the terminal event; answers 204,
 * which stops an EventSource, once the execution has ended and everything was sent.
 */
export const EXECUTION_EVENTS_ROUTE = /^\/api\/assistant-architect\/events\/(\d+)$/;

/** How long a browser waits before reconnecting: under a second, spread so a restarting server is not stormed. */
export const retryMs = (random: () => number = Math.random) => 500 + Math.floor(random() * 500);

export interface ExecutionEventsRouteOptions {
  trustProxy: TrustProxy;
  allowedOrigins?: readonly string[];
  /** A `: ping` comment after this long without a write (proxies close silent connections). */
  pingIntervalMs?: number;
}

const DEFAULT_PING_MS = 15_000;

/** One SSE message: the event's type as its name, its id, and the seed's payload. */
export function formatSeedEvent(event: StoredEvent): string {
  return `event: ${event.eventType}\nid: ${event.eventData.eventId}\ndata: ${JSON.stringify(event.eventData)}\n\n`;
}

/** The caller, with the API's identity and rules: a session cookie, a bearer token with `executions:read`, or a watch token (also as `?token=`). */
async function authenticate(services: AppServices, req: IncomingMessage, url: URL, options: ExecutionEventsRouteOptions) {
  const ipAddress = clientAddress(req, options.trustProxy);
  const context = await createContext(services, {
    headers: requestHeaders(req, ipAddress),
    token: watchTokenInUrl(url.searchParams.get('token')),
    ipAddress,
    ...(options.allowedOrigins ? { allowedOrigins: options.allowedOrigins } : {}),
  });
  if (!context.identity) throw unauthorized(context.authProblem);
  assertScope(context.identity, 'executions:read', { watch: true });
  return context.identity;
}

/** Resolves when `res` can take more, or when `signal` aborts. */
function drained(res: ServerResponse, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      signal.removeEventListener('abort', done);
      resolve();
    };
    res.on('drain', done);
    signal.addEventListener('abort', done, { once: true });
  });
}

/** Handles `/api/assistant-architect/events/…`; returns false for any other path. */
export async function handleExecutionEvents(
  services: AppServices,
  req: IncomingMessage,
  res: ServerResponse,
  options: ExecutionEventsRouteOptions,
): Promise<boolean> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const match = EXECUTION_EVENTS_ROUTE.exec(url.pathname);
  if (!match) return false;
  const gone = new AbortController();
  const onClose = () => gone.abort();
  res.once('close', onClose);
  try {
    if (req.method !== 'GET') throw new TRPCError({ code: 'METHOD_NOT_SUPPORTED', message: 'Events are read with GET' });
    const identity = await authenticate(services, req, url, options);
    const executionId = Number(match[1]);
    // Not an id the database could hold: no such execution (rather than a failed query).
    if (!idSchema.safeParse(executionId).success) {
      throw new TRPCError({ code: 'NOT_FOUND', message: `Execution ${match[1]} does not exist` });
    }
    const header = req.headers['last-event-id'];
    const lastEventId = (Array.isArray(header) ? header[0] : header) || url.searchParams.get('lastEventId');
    resumeSequence(executionId, lastEventId);
    const scope = await streamScope({ services, identity }, gone.signal);
    try {
      const events = await executionEventStream(services, identity, scope, { executionId, lastEventId });
      if (!events) {
        res.writeHead(204);
        res.end();
        return true;
      }
      await sendEvents(res, events, scope.signal, options.pingIntervalMs ?? DEFAULT_PING_MS);
    } finally {
      scope.close();
    }
  } catch (error) {
    answerError(res, error);
  } finally {
    res.off('close', onClose);
  }
  return true;
}

async function sendEvents(res: ServerResponse, events: AsyncGenerator<StoredEvent, void, undefined>, signal: AbortSignal, pingIntervalMs: number) {
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  res.write(`retry: ${retryMs()}\n\n`);
  const ping = setTimeout(function pingAgain() {
    res.write(': ping\n\n');
    ping.refresh();
  }, pingIntervalMs);
  try {
    for await (const event of events) {
      if (signal.aborted) break;
      ping.refresh();
      // Back-pressure: a slow client slows the reading rather than filling memory.
      if (!res.write(formatSeedEvent(event))) await drained(res, signal);
    }
  } catch (error) {
    // Access ended (revoked, expired): the stream ends, and the reconnecting client is asked again who it is.
    if (!(error instanceof TRPCError) || !signal.aborted) throw error;
  } finally {
    clearTimeout(ping);
  }
  res.end();
}

/** An error before the stream starts, as the API answers it (plain text); once streaming, the response is cut. */
function answerError(res: ServerResponse, error: unknown) {
  const known = domainError(error);
  if (!known) console.error('[events]', error);
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const status = known ? getHTTPStatusCodeFromError(known) : 500;
  const headers: Record<string, string> = { 'content-type': 'text/plain; charset=utf-8' };
  if (known?.cause instanceof LimitReachedError) headers['retry-after'] = String(known.cause.retryAfterSeconds);
  res.writeHead(status, headers);
  res.end(`${known ? known.message : 'The server failed; its log has the details'}\n`);
}
