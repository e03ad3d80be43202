import { describe, expect, it } from 'vitest';
import { createSignInThrottle } from './sign-in-throttle.ts';

describe('sign-in throttle', () => {
  it('locks an account after its limit of failures, whatever the address, and a success clears it', async () => {
    const throttle = createSignInThrottle({ store: 'memory', maxFailuresPerAccount: 3, maxFailuresPerAddress: 100, windowSeconds: 60 });
    for (let attempt = 1; attempt <= 3; attempt++) {
      expect(await throttle.retryAfterMs('Ada@example.test', `10.0.0.${attempt}`)).toBe(0);
      await throttle.failed('Ada@example.test', `10.0.0.${attempt}`);
    }
    const wait = await throttle.retryAfterMs('ada@example.test', '10.0.0.9');
    expect(wait).toBeGreaterThan(0);
    expect(wait).toBeLessThanOrEqual(60_000);
    expect(await throttle.retryAfterMs('grace@example.test', '10.0.0.9')).toBe(0);
    await throttle.succeeded('ADA@example.test', '10.0.0.1');
    expect(await throttle.retryAfterMs('ada@example.test', '10.0.0.9')).toBe(0);
  });

  it('locks an address after its limit of failures, whatever the account', async () => {
    const throttle = createSignInThrottle({ store: 'memory', maxFailuresPerAccount: 100, maxFailuresPerAddress: 4, windowSeconds: 60 });
    for (let attempt = 1; attempt <= 4; attempt++) await throttle.failed(`person${attempt}@example.test`, '203.0.113.5');
    expect(await throttle.retryAfterMs('someone-new@example.test', '203.0.113.5')).toBeGreaterThan(0);
    expect(await throttle.retryAfterMs('someone-new@example.test', '203.0.113.6')).toBe(0);
  });
});
