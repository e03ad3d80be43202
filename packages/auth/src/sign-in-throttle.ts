import { createHash } from 'node:crypto';
import type { PrismaClient } from '@aae/db';
import { RateLimiterMemory, RateLimiterPrisma, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';

export type SignInAttempt = { allowed: true } | { allowed: false; retryAfterMs: number; /** The attempt that reached a limit (later ones are refused quietly). */ newlyLocked: boolean };

/**
 * Counts password sign-in attempts before the password is checked (so parallel guesses cannot
 * slip past a limit), per account from one address, per address and per account, and says how
 * long to wait once one is reached.
 */
export interface SignInThrottle {
  attempt(account: string, address: string | null): Promise<SignInAttempt>;
  /** A successful sign-in gives its point back and clears the account's count from that address. */
  succeeded(account: string, address: string | null): Promise<void>;
  /** Drops counts whose window has passed (the process calls it now and then). */
  purgeExpired(): Promise<void>;
}

export interface SignInThrottleOptions {
  /** Where counts live: the database (shared by every process) or this process's memory. */
  store: { prisma: PrismaClient } | 'memory';
  /** Attempts on one account from one address (a person's typos) before it is locked there. */
  maxAttemptsPerAccountAndAddress: number;
  /** Attempts from one address, whatever the account (one guesser, many accounts). */
  maxAttemptsPerAddress: number;
  /** Attempts on one account, whatever the address (many guessers, one account). */
  maxAttemptsPerAccount: number;
  windowSeconds: number;
}

/** Keys are hashed: an address of any length or content makes a short, storable key. */
const keyOf = (...parts: string[]) => createHash('sha256').update(parts.join('\u0000')).digest('base64url');

/**
 * rate-limiter-flexible's brute-force protection for logins: counters with a lock of one window
 * once reached. The account-and-address counter is the tight one, so a stranger's guesses lock
 * the account for a person only once the looser per-account limit is reached.
 */
export function createSignInThrottle(options: SignInThrottleOptions): SignInThrottle {
  const limiter = (keyPrefix: string, points: number): RateLimiterAbstract => {
    const common = { keyPrefix, points, duration: options.windowSeconds, blockDuration: options.windowSeconds };
    return options.store === 'memory'
      ? new RateLimiterMemory(common)
      : new RateLimiterPrisma({ ...common, storeClient: options.store.prisma, tableName: 'rateLimit', clearExpiredByTimeout: false });
  };
  const perAccountAndAddress = limiter('sign-in-account-address', options.maxAttemptsPerAccountAndAddress);
  const perAddress = limiter('sign-in-address', options.maxAttemptsPerAddress);
  const perAccount = limiter('sign-in-account', options.maxAttemptsPerAccount);
  const keys = (account: string, address: string | null) => {
    const who = account.trim().toLowerCase();
    return [
      [perAccountAndAddress, keyOf(who, address ?? '')],
      [perAccount, keyOf(who)],
      ...(address ? [[perAddress, keyOf(address)] as const] : []),
    ] as const;
  };

  return {
    async attempt(account, address) {
      const counters = keys(account, address);
      const results = await Promise.allSettled(counters.map(([limit, key]) => limit.consume(key)));
      const refused = results.flatMap((result, index) => {
        if (result.status === 'fulfilled') return [];
        // A refusal comes as the counter's state; anything else is the store failing.
        if (!(result.reason instanceof RateLimiterRes)) throw result.reason;
        return [{ res: result.reason, points: counters[index]![0].points }];
      });
      if (refused.length === 0) return { allowed: true };
      return {
        allowed: false,
        retryAfterMs: Math.max(...refused.map(({ res }) => res.msBeforeNext), 1),
        newlyLocked: refused.some(({ res, points }) => res.consumedPoints === points + 1),
      };
    },
    async succeeded(account, address) {
      const [[accountAndAddress, accountAndAddressKey], ...others] = keys(account, address);
      await Promise.all([accountAndAddress.delete(accountAndAddressKey), ...others.map(([limit, key]) => limit.reward(key, 1))]);
    },
    async purgeExpired() {
      if (options.store !== 'memory') await options.store.prisma.rateLimit.deleteMany({ where: { expire: { lt: new Date() } } });
    },
  };
}
