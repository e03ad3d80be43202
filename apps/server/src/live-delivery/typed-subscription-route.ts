import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  appRouter,
  assertScope,
  domainError,
  executionEventInput,
  findUnstorableText,
  resumeSequence,
  streamScope,
  watchAccess,
  type Context,
  type StreamScope,
} from '@aae/api';
import { transformer } from '@aae/api/transformer';
import { getTRPCErrorFromUnknown } from '@trpc/server';
import { getErrorShape, parseConnectionParamsFromString } from '@trpc/server/unstable-core-do-not-import';
import type { SseResponses } from './sse-responses.ts';
import { trpcErrorMessage, trpcFormat } from './wire-formats.ts';

/** The typed subscription this process answers from its fan-out core rather than through tRPC's responder. */
export const TYPED_EVENTS_PATH = '/trpc/events.onExecutionEvent';
const PROCEDURE = 'events.onExecutionEvent';

export interface TypedSubscriptionRouteOptions {
  responses: SseResponses;
  /** The API's context for this request, with the connection parameters tRPC's link sent. */
  createContext(req: IncomingMessage, connectionParams: Readonly<Record<string, string | undefined>> | null): Promise<Context>;
  /** tRPC's own handler: it answers everything this route does not stream (every refusal, with tRPC's own error). */
  fallback(req: IncomingMessage, res: ServerResponse): void;
}

/** The input as tRPC reads it from a subscription's URL: `?input=` through the transformer, the last event id merged in. */
function readInput(req: IncomingMessage, url: URL): unknown {
  const text = url.searchParams.get('input');
  let input: unknown = text === null ? undefined : transformer.input.deserialize(JSON.parse(text));
  const header = req.headers['last-event-id'];
  const lastEventId = (Array.isArray(header) ? header[0] : header) ?? url.searchParams.get('lastEventId') ?? url.searchParams.get('Last-Event-Id');
  if (lastEventId) {
    if (input !== null && typeof input === 'object' && !Array.isArray(input)) input = { ...input, lastEventId };
    else input ??= { lastEventId };
  }
  return input;
}

/**
 * `events.onExecutionEvent` over SSE (tRPC's `httpSubscriptionLink`), written by the fan-out
 * core in tRPC's wire format: the same messages tRPC's responder would send (a conformance test
 * compares them), at the cost of the seed's endpoint. The route only streams: any request it
 * would refuse (no identity, no access, bad input, a limit) goes to tRPC's own handler, which
 * checks it again and answers with tRPC's own error.
 */
export async function handleTypedEventSubscription(req: IncomingMessage, res: ServerResponse, options: TypedSubscriptionRouteOptions): Promise<void> {
  const gone = new AbortController();
  const onClose = () => gone.abort();
  res.once('close', onClose);
  let scope: StreamScope | null = null;
  let streaming = false;
  try {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const rawInput = readInput(req, url);
    if (findUnstorableText(rawInput)) throw new Error('unstorable input');
    const input = executionEventInput.parse(rawInput);
    const params = url.searchParams.get('connectionParams');
    const ctx = await options.createContext(req, params === null ? null : parseConnectionParamsFromString(params));
    const { identity } = ctx;
    if (!identity) throw new Error('not signed in');
    assertScope(identity, 'executions:read', { watch: true });
    const after = resumeSequence(input.executionId, input.lastEventId);
    const opened = await streamScope({ services: ctx.services, identity }, gone.signal);
    scope = opened;
    // Gone while it was being checked: nothing to stream to.
    if (gone.signal.aborted) {
      opened.close();
      return;
    }
    const requestId = ctx.requestId;
    const endWithError = (cause: unknown) => {
      const error = domainError(cause) ?? getTRPCErrorFromUnknown(cause);
      if (error.code === 'INTERNAL_SERVER_ERROR') console.error(`[trpc] ${PROCEDURE} (request ${requestId}):`, cause);
      // Only what the error formatter reads of the context: the stream does not keep the request's.
      const shape = getErrorShape({ config: appRouter._def._config, error, type: 'subscription', path: PROCEDURE, input, ctx: { requestId } as Context });
      stream.endWith(trpcErrorMessage(shape));
    };
    const stream = options.responses.open(res, trpcFormat, endWithError);
    // Access ended: the error tRPC's stream would end with (one its link retries at once when only a recheck is needed).
    const onRevoked = () => {
      if (!opened.revoked() || res.writableEnded) return;
      try {
        opened.throwIfRevoked();
      } catch (error) {
        endWithError(error);
      }
    };
    if (opened.signal.aborted) onRevoked();
    else opened.signal.addEventListener('abort', onRevoked, { once: true });
    res.once('close', () => opened.close());
    const outcome = await ctx.services.live.watch({
      access: watchAccess(identity),
      executionId: input.executionId,
      after,
      sink: stream.sink,
      signal: opened.signal,
    });
    streaming = true;
    if (outcome === 'ended') stream.sink.finish();
    else stream.start();
  } catch {
    scope?.close();
    if (streaming || res.headersSent) {
      res.destroy();
      return;
    }
    // Anything refused (or failed) is answered by tRPC itself, exactly as it answers it, and logged there.
    options.fallback(req, res);
  } finally {
    res.off('close', onClose);
  }
}
