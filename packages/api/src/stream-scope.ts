import { setMaxListeners } from 'node:events';
import type { Identity } from '@aae/auth';
import { AccessRevokedError } from '@aae/db';
import { accessKeysOf, type AppServices } from '@aae/runtime';
import { TRPCError } from '@trpc/server';
import { STREAM_MAX_DURATION_MS } from './trpc.ts';

/**
 * A stream's own signal: aborted when its client goes, when it ends, or when the access it was
 * opened with ends (account disabled or role changed, token revoked, in any process; the
 * credential expiring). A class, so the thousands of open streams share its methods.
 */
export class StreamScope {
  private readonly stop = new AbortController();
  private readonly stopOnRevoke: () => void;
  private readonly expiry: NodeJS.Timeout | null;
  private closed = false;

  constructor(
    identity: Identity,
    bus: AppServices['bus'],
    private readonly releaseStream: () => void,
    private readonly requestSignal: AbortSignal | undefined,
  ) {
    // A live stream may follow many executions, each listening on this signal.
    setMaxListeners(0, this.stop.signal);
    // Its client may have gone while its identity was being checked.
    if (requestSignal?.aborted) this.stop.abort();
    else requestSignal?.addEventListener('abort', this, { once: true });
    this.stopOnRevoke = bus.abortOnRevoke(accessKeysOf(identity), this.stop, identity.checkedAt);
    const untilExpiry = identity.expiresAt ? identity.expiresAt.getTime() - Date.now() : Number.POSITIVE_INFINITY;
    this.expiry = untilExpiry < STREAM_MAX_DURATION_MS ? setTimeout(() => this.stop.abort(new AccessRevokedError('expired')), Math.max(untilExpiry, 0)) : null;
  }

  /** The client went (the request's signal, listened to with the scope itself). */
  handleEvent(): void {
    this.stop.abort();
  }

  get signal(): AbortSignal {
    return this.stop.signal;
  }

  /** The access it was opened with ended: nothing more is sent. */
  revoked(): boolean {
    return this.stop.signal.reason instanceof AccessRevokedError;
  }

  /**
   * Ends a revoked stream with an error, so its client does not take the end for completion:
   * one its client retries at once (resuming after the last event) when only what the access
   * allows must be checked again, one that stops it otherwise.
   */
  throwIfRevoked(): void {
    const reason: unknown = this.stop.signal.reason;
    if (reason instanceof AccessRevokedError) {
      throw new TRPCError({ code: reason.recheck ? 'SERVICE_UNAVAILABLE' : 'UNAUTHORIZED', message: reason.message });
    }
  }

  /** The items of a live source until the access ends; a revoked stream then ends with its error (see `throwIfRevoked`). */
  async *untilRevoked<T>(source: AsyncIterable<T>): AsyncGenerator<T, void, undefined> {
    for await (const item of source) {
      if (this.revoked()) break;
      yield item;
    }
    this.throwIfRevoked();
  }

  /** Releases what the stream holds; calling it again does nothing more. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.releaseStream();
    this.requestSignal?.removeEventListener('abort', this);
    this.stopOnRevoke();
    if (this.expiry) clearTimeout(this.expiry);
    this.stop.abort();
  }
}

/** Opens a stream's scope (see `StreamScope`); refused (429) past the person's number of open streams, before anything is held. */
export async function streamScope(ctx: { services: AppServices; identity: Identity }, requestSignal: AbortSignal | undefined): Promise<StreamScope> {
  const releaseStream = await ctx.services.usageLimits.openStream(ctx.identity.user);
  return new StreamScope(ctx.identity, ctx.services.bus, releaseStream, requestSignal);
}

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
