import { createHash } from 'node:crypto';
import { errors, jwtVerify, SignJWT } from 'jose';

/** The longest a watch token lives. */
export const MAX_WATCH_TOKEN_SECONDS = 15 * 60;
/** Watch tokens start with this, so they are told apart from personal access tokens (and found by secret scanners). */
export const WATCH_TOKEN_PREFIX = 'aae_watch_';
const AUDIENCE = 'aae:watch';

export interface WatchTokenClaims {
  userId: number;
  executionId: number;
  expiresAt: Date;
}

export class WatchTokenError extends Error {
  override name = 'WatchTokenError';
}

/**
 * Short-lived tokens that read one execution's events and output, signed (HS256) with a key
 * derived from the deployment's secret: any process verifies them, nothing is stored.
 */
export function createWatchTokens(secret: string, clock: { now(): number } = Date) {
  const key = createHash('sha256').update(`aae watch tokens\u0000${secret}`).digest();
  return {
    async issue(input: { userId: number; executionId: number; ttlSeconds?: number }): Promise<{ token: string; expiresAt: Date }> {
      const ttl = Math.min(Math.max(Math.floor(input.ttlSeconds ?? MAX_WATCH_TOKEN_SECONDS), 1), MAX_WATCH_TOKEN_SECONDS);
      const issuedAt = Math.floor(clock.now() / 1000);
      const expiresAt = new Date((issuedAt + ttl) * 1000);
      const jwt = await new SignJWT({ exe: input.executionId })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject(String(input.userId))
        .setAudience(AUDIENCE)
        .setIssuedAt(issuedAt)
        .setExpirationTime(Math.floor(expiresAt.getTime() / 1000))
        .sign(key);
      return { token: `${WATCH_TOKEN_PREFIX}${jwt}`, expiresAt };
    },

    async verify(token: string): Promise<WatchTokenClaims> {
      if (!token.startsWith(WATCH_TOKEN_PREFIX)) throw new WatchTokenError('Not a watch token');
      try {
        const { payload } = await jwtVerify(token.slice(WATCH_TOKEN_PREFIX.length), key, {
          audience: AUDIENCE,
          algorithms: ['HS256'],
          currentDate: new Date(clock.now()),
        });
        const userId = Number(payload.sub);
        const executionId = payload.exe;
        if (!Number.isSafeInteger(userId) || typeof executionId !== 'number' || !Number.isSafeInteger(executionId) || payload.exp === undefined) {
          throw new WatchTokenError('The watch token is not valid');
        }
        return { userId, executionId, expiresAt: new Date(payload.exp * 1000) };
      } catch (error) {
        if (error instanceof WatchTokenError) throw error;
        if (error instanceof errors.JWTExpired) throw new WatchTokenError('The watch token has expired; ask for a new one');
        throw new WatchTokenError('The watch token is not valid');
      }
    },
  };
}

export type WatchTokens = ReturnType<typeof createWatchTokens>;
