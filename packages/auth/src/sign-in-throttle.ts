import { createHash } from 'node:crypto';
import type { PrismaClient } from '@aae/db';
import ipaddr from 'ipaddr.js';
import { RateLimiterMemory, RateLimiterPrisma, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';

export type SignInAttempt =
  | { allowed: true }
  | { allowed: false; retryAfterMs: number /** The attempt that reached a limit (later ones are refused quietly). */; newlyLocked: boolean };

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
 * Where attempts come from: an IPv4 address, or an IPv6 one's /64 (one subscriber usually holds a
 * whole /64, so counting single IPv6 addresses would count nothing).
 */
export function addressKey(address: string): string {
  if (!ipaddr.isValid(address)) return address;
  const parsed = ipaddr.process(address);
  if (parsed.kind() === 'ipv4') return parsed.toString();
  return `${(parsed as ipaddr.IPv6).parts
    .slice(0, 4)
    .map((part) => part.toString(16))
    .join(':')}::/64`;
}

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
  const who = (account: string) => account.trim().toLowerCase();
  const counters = (account: string, address: string | null) => {
    const where = address ? addressKey(address) : '';
    return {
      accountAndAddress: [perAccountAndAddress, keyOf(who(account), where)] as const,
      address: address ? ([perAddress, keyOf(where)] as const) : null,
      account: [perAccount, keyOf(who(account))] as const,
    };
  };
  type Counter = readonly [RateLimiterAbstract, string];

  /** Consumes a point from each counter; the refusals, or none. */
  async function consume(list: readonly Counter[]): Promise<Array<{ res: RateLimiterRes; points: number }>> {
    const results = await Promise.allSettled(list.map(([limit, key]) => limit.consume(key)));
    return results.flatMap((result, index) => {
      if (result.status === 'fulfilled') return [];
      // A refusal comes as the counter's state; anything else is the store failing.
      if (!(result.reason instanceof RateLimiterRes)) throw result.reason;
      return [{ res: result.reason, points: list[index]![0].points }];
    });
  }

  return {
    async attempt(account, address) {
      const counter = counters(account, address);
      // The account's own count moves only for attempts its tighter per-address count let through,
      // so a guesser locked out at their address cannot go on to lock the account for everyone.
      let refused = await consume([counter.accountAndAddress, ...(counter.address ? [counter.address] : [])]);
      if (refused.length === 0) refused = await consume([counter.account]);
      if (refused.length === 0) return { allowed: true };
      return {
        allowed: false,
        retryAfterMs: Math.max(...refused.map(({ res }) => res.msBeforeNext), 1),
        newlyLocked: refused.some(({ res, points }) => res.consumedPoints === points + 1),
      };
    },
    async succeeded(account, address) {
      const counter = counters(account, address);
      const [limit, key] = counter.accountAndAddress;
      await Promise.all([limit.delete(key), ...[counter.account, counter.address].flatMap((item) => (item ? [item[0].reward(item[1], 1)] : []))]);
    },
    async purgeExpired() {
      if (options.store !== 'memory') await options.store.prisma.rateLimit.deleteMany({ where: { expire: { lt: new Date() } } });
    },
  };
}
