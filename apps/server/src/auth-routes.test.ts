import { describe, expect, it } from 'vitest';
import { carriesNul } from './auth-routes.ts';

const json = (value: unknown) => Buffer.from(JSON.stringify(value));

describe('carriesNul', () => {
  it('finds U+0000 in the decoded path, query, JSON and form fields', () => {
    expect(carriesNul('/api/auth/x%00y', undefined, undefined)).toBe(true);
    expect(carriesNul('/api/auth/callback/sso?code=a%00b', undefined, undefined)).toBe(true);
    expect(carriesNul('/api/auth/sign-in/email', 'application/json', json({ email: 'a@b.c', password: 'pass\u0000word' }))).toBe(true);
    expect(carriesNul('/api/auth/sign-in/email', 'application/json; charset=utf-8', json({ nested: [{ 'k\u0000': 1 }] }))).toBe(true);
    expect(carriesNul('/api/auth/sign-in/email', 'application/x-www-form-urlencoded', Buffer.from('email=a%00b'))).toBe(true);
    expect(carriesNul('/api/auth/sign-in/email', 'text/plain', Buffer.from('a\u0000b'))).toBe(true);
    // Deep nesting is walked without recursion, and refused rather than overflowing the stack.
    expect(carriesNul('/api/auth/sign-in/email', 'application/json', Buffer.from(`${'['.repeat(30_000)}${']'.repeat(30_000)}`))).toBe(true);
    // Any type the parser takes for JSON.
    for (const type of ['application/json-seq', 'application/vnd.api+json', 'APPLICATION/JSON']) {
      expect(carriesNul('/api/auth/sign-in/email', type, json({ email: 'a\u0000@b.c' }))).toBe(true);
    }
  });

  it('lets through text that only spells a NUL out', () => {
    // A password may contain the six characters \u0000 or %00: they are not a NUL.
    expect(carriesNul('/api/auth/sign-in/email', 'application/json', json({ email: 'a@b.c', password: 'my \\u0000 and %00 pass' }))).toBe(false);
    expect(carriesNul('/api/auth/sign-in/email', 'application/x-www-form-urlencoded', Buffer.from('password=%2500'))).toBe(false);
    expect(carriesNul('/api/auth/get-session?disableRefresh=true', undefined, undefined)).toBe(false);
    expect(carriesNul('/api/auth/sign-in/email', 'application/json', Buffer.from('{not json'))).toBe(false);
  });
});
