import type { PrismaClient } from '@aae/db';
import { RateLimiterMemory, RateLimiterPrisma, type RateLimiterAbstract } from 'rate-limiter-flexible';

/** Counts failed sign-ins per account and per address, and says how long to wait once over a limit. */
export interface SignInThrottle {
  /** Milliseconds until an attempt for this account from this address may be made, or 0. */
  retryAfterMs(account: string, address: string | null): Promise<number>;
  failed(account: string, address: string | null): Promise<void>;
  /** A successful sign-in clears the account's count (not the address's). */
  succeeded(account: string, address: string | null): Promise<void>;
  /** Drops counts whose window has passed (the process calls it now and then). */
  purgeExpired(): Promise<void>;
}

export interface SignInThrottleOptions {
  /** Where counts live: the database (shared by every process) or this process's memory. */
  store: { prisma: PrismaClient } | 'memory';
  /** Failed attempts on one account before it is locked for `windowSeconds`. */
  maxFailuresPerAccount: number;
  /** Failed attempts from one address, whatever the account, before it is locked. */
  maxFailuresPerAddress: number;
  windowSeconds: number;
}

/**
 * The brute-force protection rate-limiter-flexible documents for login endpoints: consecutive
 * failures by account, and failures by address; each locks for the window once reached.
 */
export function createSignInThrottle(options: SignInThrottleOptions): SignInThrottle {
  const limiter = (keyPrefix: string, points: number): RateLimiterAbstract => {
    const common = { keyPrefix, points, duration: options.windowSeconds, blockDuration: options.windowSeconds };
    return options.store === 'memory'
      ? new RateLimiterMemory(common)
      : new RateLimiterPrisma({ ...common, storeClient: options.store.prisma, tableName: 'rateLimit', clearExpiredByTimeout: false });
  };
  const byAccount = limiter('sign-in-account', options.maxFailuresPerAccount);
  const byAddress = limiter('sign-in-address', options.maxFailuresPerAddress);
  const accountKey = (account: string) => account.trim().toLowerCase();

  /** Time left once `limit`'s count for `key` reached its points. */
  async function lockedFor(limit: RateLimiterAbstract, key: string): Promise<number> {
    const state = await limit.get(key);
    return state && state.consumedPoints >= limit.points ? Math.max(state.msBeforeNext, 1) : 0;
  }

  /** Counts one failure; a consume past the limit rejects (with the lock's state), which is expected. */
  async function count(limit: RateLimiterAbstract, key: string): Promise<void> {
    await limit.consume(key).catch((rejection: unknown) => {
      if (rejection instanceof Error) throw rejection;
    });
  }

  return {
    async retryAfterMs(account, address) {
      const [forAccount, forAddress] = await Promise.all([
        lockedFor(byAccount, accountKey(account)),
        address ? lockedFor(byAddress, address) : 0,
      ]);
      return Math.max(forAccount, forAddress);
    },
    async failed(account, address) {
      await Promise.all([count(byAccount, accountKey(account)), address ? count(byAddress, address) : undefined]);
    },
    async succeeded(account) {
      await byAccount.delete(accountKey(account));
    },
    async purgeExpired() {
      if (options.store !== 'memory') await options.store.prisma.rateLimit.deleteMany({ where: { expire: { lt: new Date() } } });
    },
  };
}
