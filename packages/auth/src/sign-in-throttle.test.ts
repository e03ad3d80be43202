import { describe, expect, it } from 'vitest';
import { addressKey, createSignInThrottle, type SignInThrottleOptions } from './sign-in-throttle.ts';

const throttle = (limits: Partial<SignInThrottleOptions> = {}) =>
  createSignInThrottle({
    store: 'memory',
    maxAttemptsPerAccountAndAddress: 3,
    maxAttemptsPerAddress: 100,
    maxAttemptsPerAccount: 100,
    windowSeconds: 60,
    ...limits,
  });

describe('sign-in throttle', () => {
  it('refuses the attempt after the limit on an account from one address, with the wait; a success clears it', async () => {
    const limits = throttle();
    for (let attempt = 1; attempt <= 3; attempt++) expect(await limits.attempt('Ada@example.test', '10.0.0.1')).toEqual({ allowed: true });
    const refused = await limits.attempt('ada@example.test', '10.0.0.1');
    expect(refused).toMatchObject({ allowed: false, newlyLocked: true });
    expect(refused.allowed === false && refused.retryAfterMs).toBeGreaterThan(0);
    expect(refused.allowed === false && refused.retryAfterMs).toBeLessThanOrEqual(60_000);
    expect(await limits.attempt('ada@example.test', '10.0.0.1')).toMatchObject({ allowed: false, newlyLocked: false });
    // The same account from elsewhere, and another account from here, are not locked by it.
    expect(await limits.attempt('ada@example.test', '10.0.0.2')).toEqual({ allowed: true });
    expect(await limits.attempt('grace@example.test', '10.0.0.1')).toEqual({ allowed: true });

    const other = throttle();
    await other.attempt('ada@example.test', '10.0.0.1');
    await other.attempt('ada@example.test', '10.0.0.1');
    await other.succeeded('ADA@example.test', '10.0.0.1');
    for (let attempt = 1; attempt <= 3; attempt++) expect(await other.attempt('ada@example.test', '10.0.0.1')).toEqual({ allowed: true });
  });

  it('counts attempts before the password is checked: parallel guesses cannot pass the limit', async () => {
    const limits = throttle();
    const answers = await Promise.all(Array.from({ length: 40 }, () => limits.attempt('ada@example.test', '10.0.0.1')));
    expect(answers.filter((answer) => answer.allowed)).toHaveLength(3);
  });

  it('locks an address after its limit, whatever the account, and an account after its own, whatever the address', async () => {
    const byAddress = throttle({ maxAttemptsPerAddress: 4 });
    for (let attempt = 1; attempt <= 4; attempt++) await byAddress.attempt(`person${attempt}@example.test`, '203.0.113.5');
    expect((await byAddress.attempt('someone-new@example.test', '203.0.113.5')).allowed).toBe(false);
    expect((await byAddress.attempt('someone-new@example.test', '203.0.113.6')).allowed).toBe(true);

    const byAccount = throttle({ maxAttemptsPerAccount: 5 });
    for (let attempt = 1; attempt <= 5; attempt++) await byAccount.attempt('ada@example.test', `198.51.100.${attempt}`);
    expect((await byAccount.attempt('ada@example.test', '198.51.100.99')).allowed).toBe(false);
  });

  it('takes any address or account text as a key, however long or odd', async () => {
    const limits = throttle();
    expect(await limits.attempt(`${'x'.repeat(8_000)}\u0000@example.test`, null)).toEqual({ allowed: true });
  });

  it('does not let a guesser locked out at their address go on to lock the account for everyone', async () => {
    const limits = throttle({ maxAttemptsPerAccount: 5 });
    for (let attempt = 1; attempt <= 50; attempt++) await limits.attempt('ada@example.test', '203.0.113.9');
    expect(await limits.attempt('ada@example.test', '198.51.100.7')).toEqual({ allowed: true });
  });

  it('counts an IPv6 /64 as one address', async () => {
    expect(addressKey('2001:db8:1:2:aaaa::1')).toBe(addressKey('2001:0db8:0001:0002:bbbb:cccc:dddd:eeee'));
    expect(addressKey('2001:db8:1:3::1')).not.toBe(addressKey('2001:db8:1:2::1'));
    expect(addressKey('::ffff:203.0.113.5')).toBe('203.0.113.5');
    const limits = throttle({ maxAttemptsPerAddress: 3 });
    for (let host = 1; host <= 3; host++) await limits.attempt(`person${host}@example.test`, `2001:db8:1:2::${host}`);
    expect((await limits.attempt('someone@example.test', '2001:db8:1:2::99')).allowed).toBe(false);
  });
});
