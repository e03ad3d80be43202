import { createHash } from 'node:crypto';
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

/** The session cookie among a request's cookies (the rest do not change who it is). */
const SESSION_COOKIE = /(?:^|;\s*)((?:__Secure-)?aae\.session_token=[^;]*)/;

/** What names a request's credential: the token sent, or the session cookie, and whether another site sent it. */
function credentialKey(source: CredentialSource): string {
  const cookie = SESSION_COOKIE.exec(source.headers.get('cookie') ?? '')?.[1] ?? '';
  const credential = `${source.crossSite ? 1 : 0}\u0000${source.token ?? ''}\u0000${source.headers.get('authorization') ?? ''}\u0000${cookie}`;
  return createHash('sha256').update(credential).digest('base64url');
}

/**
 * Reuses an identity proved for the same credential a moment ago, so a burst of requests or
 * reconnecting streams with one token or session costs one lookup, not one each (lookups already
 * under way are shared too). Never past the credential's expiry, and never once its access was
 * revoked, here or in another process as soon as that process's revocation has reached this one
 * (while the processes are out of touch, for at most `ttlMs`).
 */
export function cacheIdentities(resolve: IdentityResolver, bus: Pick<EventBus, 'abortOnRevoke'>, options: IdentityCacheOptions = {}): IdentityResolver {
  const ttlMs = options.ttlMs ?? 10_000;
  const maxEntries = options.maxEntries ?? 10_000;
  const proved = new Map<string, { identity: Identity; until: number }>();
  const underWay = new Map<string, Promise<IdentityResult>>();

  const revokedSince = (identity: Identity) => {
    const probe = new AbortController();
    bus.abortOnRevoke(accessKeysOf(identity), probe, identity.checkedAt ?? 0)();
    return probe.signal.aborted;
  };

  return async function resolveIdentity(source: CredentialSource): Promise<IdentityResult> {
    const key = credentialKey(source);
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
    let lookup = underWay.get(key);
    if (!lookup) {
      lookup = resolve(source).then((result) => {
        if (result.identity) {
          proved.set(key, { identity: { ...result.identity }, until: now + ttlMs });
          if (proved.size > maxEntries) proved.delete(proved.keys().next().value!);
        }
        return result;
      });
      underWay.set(key, lookup);
      void lookup.finally(() => underWay.delete(key)).catch(() => {});
    }
    const result = await lookup;
    return result.identity ? { identity: { ...result.identity }, problem: null } : result;
  };
}
