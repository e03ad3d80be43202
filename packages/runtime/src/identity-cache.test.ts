import type { CredentialSource, Identity, IdentityResult } from '@aae/auth';
import { createInProcessEventBus } from '@aae/db';
import { describe, expect, it } from 'vitest';
import { cacheIdentities } from './identity-cache.ts';

function identity(overrides: Partial<Identity> = {}): Identity {
  return {
    user: { id: 4, role: 'member' } as Identity['user'],
    via: 'token',
    scopes: new Set(['executions:read']) as Identity['scopes'],
    executionId: null,
    sessionId: null,
    tokenId: 9,
    expiresAt: null,
    checkedAt: Date.now(),
    ...overrides,
  };
}

/** A resolver that counts its lookups and answers with `answer()`. */
function counting(answer: () => IdentityResult) {
  const calls = { count: 0 };
  const resolve = async (_source: CredentialSource) => {
    calls.count += 1;
    await Promise.resolve();
    return answer();
  };
  return { resolve, calls };
}

/** Revocations and checks are compared by millisecond: let the clock move on past a revocation. */
function nextMillisecond() {
  const now = Date.now();
  while (Date.now() === now) {
    // The clock's next tick (at most a millisecond).
  }
}

const bearer = (token: string, extra: Record<string, string> = {}): CredentialSource => ({
  headers: new Headers({ authorization: `Bearer ${token}`, ...extra }),
});

describe('the identity cache', () => {
  it('looks a credential up once for a burst, sharing a lookup under way', async () => {
    const bus = createInProcessEventBus();
    const { resolve, calls } = counting(() => ({ identity: identity(), problem: null }));
    const cached = cacheIdentities(resolve, bus);
    const answers = await Promise.all(Array.from({ length: 50 }, () => cached(bearer('aae_pat_a'))));
    expect(answers.every((answer) => answer.identity?.user.id === 4)).toBe(true);
    await cached(bearer('aae_pat_a', { cookie: 'theme=dark' }));
    expect(calls.count).toBe(1);
    // Another credential, or the same sent by another site, is its own lookup.
    await cached(bearer('aae_pat_b'));
    await cached({ ...bearer('aae_pat_a'), crossSite: true });
    expect(calls.count).toBe(3);
  });

  it('looks again once the access is revoked, the credential expires, or the time is up', async () => {
    const bus = createInProcessEventBus();
    let expiresAt: Date | null = null;
    const { resolve, calls } = counting(() => ({ identity: identity({ expiresAt, checkedAt: Date.now() }), problem: null }));
    const cached = cacheIdentities(resolve, bus, { ttlMs: 60_000 });
    await cached(bearer('aae_pat_a'));
    bus.revokeAccess('token:9', 'token-revoked');
    nextMillisecond();
    await cached(bearer('aae_pat_a'));
    expect(calls.count).toBe(2);
    // A revocation of someone else changes nothing.
    bus.revokeAccess('user:5', 'disabled');
    await cached(bearer('aae_pat_a'));
    expect(calls.count).toBe(2);
    bus.revokeAccess('user:4', 'role-changed');
    nextMillisecond();
    await cached(bearer('aae_pat_a'));
    expect(calls.count).toBe(3);

    expiresAt = new Date(Date.now() - 1);
    const expiring = cacheIdentities(resolve, bus);
    await expiring(bearer('aae_pat_c'));
    await expiring(bearer('aae_pat_c'));
    expect(calls.count).toBe(5);

    const brief = cacheIdentities(resolve, bus, { ttlMs: 0 });
    expiresAt = null;
    await brief(bearer('aae_pat_d'));
    await brief(bearer('aae_pat_d'));
    expect(calls.count).toBe(7);
  });

  it('never keeps a refusal', async () => {
    const bus = createInProcessEventBus();
    const { resolve, calls } = counting(() => ({ identity: null, problem: 'This token was revoked' }));
    const cached = cacheIdentities(resolve, bus);
    expect(await cached(bearer('aae_pat_x'))).toEqual({ identity: null, problem: 'This token was revoked' });
    await cached(bearer('aae_pat_x'));
    expect(calls.count).toBe(2);
  });
});
