import { describe, expect, it } from 'vitest';
import { createWatchTokens, MAX_WATCH_TOKEN_SECONDS, WATCH_TOKEN_PREFIX } from './watch-tokens.ts';

const SECRET = 'a secret of at least thirty-two characters';

describe('watch tokens', () => {
  it('carry who asked and the one execution, for at most 15 minutes', async () => {
    let now = Date.parse('2026-11-30T12:00:00Z');
    const tokens = createWatchTokens(SECRET, { now: () => now });
    const { token, expiresAt } = await tokens.issue({ userId: 7, executionId: 42, ttlSeconds: 3600 });
    expect(token.startsWith(WATCH_TOKEN_PREFIX)).toBe(true);
    expect(expiresAt.getTime() - now).toBe(MAX_WATCH_TOKEN_SECONDS * 1000);
    await expect(tokens.verify(token)).resolves.toEqual({ userId: 7, executionId: 42, expiresAt });
    now += MAX_WATCH_TOKEN_SECONDS * 1000 + 1_000;
    await expect(tokens.verify(token)).rejects.toThrow('The watch token has expired; ask for a new one');
  });

  it('refuses a token signed with another secret, altered, or not a watch token', async () => {
    const tokens = createWatchTokens(SECRET);
    const { token } = await tokens.issue({ userId: 7, executionId: 42 });
    await expect(createWatchTokens(`${SECRET} but another`).verify(token)).rejects.toThrow('The watch token is not valid');
    const [header, payload, signature] = token.slice(WATCH_TOKEN_PREFIX.length).split('.');
    const forged = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload!, 'base64url').toString()), exe: 43 })).toString('base64url');
    await expect(tokens.verify(`${WATCH_TOKEN_PREFIX}${header}.${forged}.${signature}`)).rejects.toThrow('The watch token is not valid');
    await expect(tokens.verify('aae_pat_something')).rejects.toThrow('Not a watch token');
  });
});
