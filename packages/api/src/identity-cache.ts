import type { CredentialSource, Identity, IdentityResolver, IdentityResult } from '@aae/auth';
import type { AccessKey, EventBus } from '@aae/db';

export interface IdentityCacheOptions {
  /** How long a proved identity is reused for the same credential. */
  ttlMs?: number;
  /** Credentials remembered at most (the oldest are forgotten first). */
  maxEntries?: number;
}

/** Whose access an identity stands on: what a revocation names (see `streamScope`). */
export function accessKeysOf(identity: Identity): AccessKey[] {
  return [
    'all',
    `user:${identity.user.id}`,
    ...(identity.sessionId === null ? [] : [`session:${identity.sessionId}` as const]),
    ...(identity.tokenId === null ? [] : [`token:${identity.tokenId}` as const]),
  ];
}

/**
 * Reuses an identity proved for the same credential a moment ago, so a burst of requests or
 * reconnecting streams with one token or session costs one lookup, not one each. Never past the
 * credential's expiry, and never once its access was revoked in any process (the bus remembers
 * revocations, so one after the identity was checked is seen here).
 */
export function cacheIdentities(resolve: IdentityResolver, bus: Pick<EventBus, 'abortOnRevoke'>, options: IdentityCacheOptions = {}): IdentityResolver {
  const ttlMs = options.ttlMs ?? 10_000;
  const maxEntries = options.maxEntries ?? 10_000;
  const proved = new Map<string, { identity: Identity; until: number }>();

  const revokedSince = (identity: Identity) => {
    const probe = new AbortController();
    bus.abortOnRevoke(accessKeysOf(identity), probe, identity.checkedAt ?? 0)();
    return probe.signal.aborted;
  };

  return async function resolveIdentity(source: CredentialSource): Promise<IdentityResult> {
    const key = `${source.crossSite ? 1 : 0}\u0000${source.token ?? ''}\u0000${source.headers.get('authorization') ?? ''}\u0000${source.headers.get('cookie') ?? ''}`;
    const now = Date.now();
    const known = proved.get(key);
    if (known) {
      const { identity } = known;
      if (known.until > now && (!identity.expiresAt || identity.expiresAt.getTime() > now) && !revokedSince(identity)) {
        // A copy: callers may stamp their own request's details on it.
        return { identity: { ...identity }, problem: null };
      }
      proved.delete(key);
    }
    const result = await resolve(source);
    if (result.identity) {
      proved.set(key, { identity: { ...result.identity }, until: now + ttlMs });
      if (proved.size > maxEntries) proved.delete(proved.keys().next().value!);
    }
    return result;
  };
}
