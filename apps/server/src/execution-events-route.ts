import type { IncomingMessage, ServerResponse } from 'node:http';
import { assertScope, createContext, domainError, idSchema, resumeSequence, streamScope, unauthorized, watchAccess, type StreamScope } from '@aae/api';
import { LimitReachedError, type AppServices } from '@aae/runtime';
import { TRPCError } from '@trpc/server';
import { getHTTPStatusCodeFromError } from '@trpc/server/http';
import type { SseResponses } from './live-delivery/sse-responses.ts';
import { seedFormat } from './live-delivery/wire-formats.ts';
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

export interface ExecutionEventsRouteOptions {
  trustProxy: TrustProxy;
  allowedOrigins?: readonly string[];
  /** Where the stream is written (shared with the other SSE streams of the process). */
  responses: SseResponses;
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
  let scope: StreamScope | null = null;
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
    const after = resumeSequence(executionId, lastEventId);
    const opened = await streamScope({ services, identity }, gone.signal);
    scope = opened;
    // Gone while it was being checked: nothing to stream to.
    if (gone.signal.aborted) {
      opened.close();
      return true;
    }
    const stream = options.responses.open(res, seedFormat, (error: unknown) => {
      // Its history could not be read: cut, and the EventSource connects again.
      if (!domainError(error)) console.error('[events]', error);
      res.destroy();
    });
    // Access ended (revoked, expired): the stream ends, and the reconnecting client is asked again who it is.
    const onRevoked = () => {
      if (opened.revoked() && !res.writableEnded) res.end();
    };
    if (opened.signal.aborted) onRevoked();
    else opened.signal.addEventListener('abort', onRevoked, { once: true });
    res.once('close', () => opened.close());
    const outcome = await services.live.watch({ access: watchAccess(identity), executionId, after, sink: stream.sink, signal: opened.signal });
    if (gone.signal.aborted) return true;
    if (outcome === 'ended') {
      opened.close();
      if (!res.headersSent) {
        res.writeHead(204);
        res.end();
      }
      return true;
    }
    stream.start();
  } catch (error) {
    scope?.close();
    answerError(res, error);
  } finally {
    res.off('close', onClose);
  }
  return true;
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
