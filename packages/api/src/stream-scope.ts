import { setMaxListeners } from 'node:events';
import type { Identity } from '@aae/auth';
import { AccessRevokedError } from '@aae/db';
import { accessKeysOf } from './identity-cache.ts';
import { TRPCError } from '@trpc/server';
import type { AppServices } from './services.ts';
import { STREAM_MAX_DURATION_MS } from './trpc.ts';

/**
 * A stream's own signal: aborted when its client goes, when it ends, or when the access it was
 * opened with ends (account disabled or role changed, token revoked, in any process; the
 * credential expiring).
 */
export async function streamScope(ctx: { services: AppServices; identity: Identity }, requestSignal: AbortSignal | undefined) {
  const { identity } = ctx;
  // Refused (429) past the person's number of open streams, before anything is held.
  const releaseStream = await ctx.services.usageLimits.openStream(identity.user);
  const stop = new AbortController();
  // A live stream may follow many executions, each listening on this signal.
  setMaxListeners(0, stop.signal);
  const onAbort = () => stop.abort();
  // Its client may have gone while its identity was being checked.
  if (requestSignal?.aborted) stop.abort();
  else requestSignal?.addEventListener('abort', onAbort, { once: true });
  const keys = accessKeysOf(identity);
  const stopOnRevoke = ctx.services.bus.abortOnRevoke(keys, stop, identity.checkedAt);
  const untilExpiry = identity.expiresAt ? identity.expiresAt.getTime() - Date.now() : Number.POSITIVE_INFINITY;
  const expiry = untilExpiry < STREAM_MAX_DURATION_MS ? setTimeout(() => stop.abort(new AccessRevokedError('expired')), Math.max(untilExpiry, 0)) : null;
  const revoked = () => stop.signal.reason instanceof AccessRevokedError;
  const throwIfRevoked = () => {
    const reason: unknown = stop.signal.reason;
    if (reason instanceof AccessRevokedError) {
      throw new TRPCError({ code: reason.recheck ? 'SERVICE_UNAVAILABLE' : 'UNAUTHORIZED', message: reason.message });
    }
  };
  return {
    signal: stop.signal,
    /** The access it was opened with ended: nothing more is sent. */
    revoked,
    /**
     * Ends a revoked stream with an error, so its client does not take the end for completion:
     * one its client retries at once (resuming after the last event) when only what the access
     * allows must be checked again, one that stops it otherwise.
     */
    throwIfRevoked,
    /** The items of a live source until the access ends; a revoked stream then ends with its error (see `throwIfRevoked`). */
    async *untilRevoked<T>(source: AsyncIterable<T>): AsyncGenerator<T, void, undefined> {
      for await (const item of source) {
        if (revoked()) break;
        yield item;
      }
      throwIfRevoked();
    },
    /** Releases what the stream holds; calling it again does nothing more. */
    close() {
      releaseStream();
      requestSignal?.removeEventListener('abort', onAbort);
      stopOnRevoke();
      if (expiry) clearTimeout(expiry);
      stop.abort();
    },
  };
}

export type StreamScope = Awaited<ReturnType<typeof streamScope>>;

/** A stream run under its scope (see `streamScope`), which is closed however the stream ends. */
export async function* scopedStream<T>(
  ctx: { services: AppServices; identity: Identity },
  requestSignal: AbortSignal | undefined,
  body: (scope: StreamScope) => AsyncIterable<T>,
): AsyncGenerator<T, void, undefined> {
  const scope = await streamScope(ctx, requestSignal);
  try {
    yield* body(scope);
  } finally {
    scope.close();
  }
}
