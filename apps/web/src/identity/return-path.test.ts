import { describe, expect, it } from 'vitest';
import { HOME_PATH, safeReturnPath, signInPath } from './return-path.ts';

describe('safeReturnPath', () => {
  it('follows a path of this app, with its query and hash', () => {
    expect(safeReturnPath('/executions?userName=demo#top')).toBe('/executions?userName=demo#top');
  });

  it('never leads to another site', () => {
    for (const next of [
      'https://evil.example/',
      '//evil.example/x',
      '/\\evil.example',
      'javascript:alert(1)',
      'executions',
      '/.//evil.example',
      '/a/..//evil.example',
    ]) {
      expect(safeReturnPath(next)).toBe(HOME_PATH);
    }
  });

  it('does not return to the sign-in or set-up page, and starts at home without a wish', () => {
    expect(safeReturnPath('/sign-in?next=%2Fx')).toBe(HOME_PATH);
    expect(safeReturnPath('/setup')).toBe(HOME_PATH);
    expect(safeReturnPath(null)).toBe(HOME_PATH);
  });
});

describe('signInPath', () => {
  it('remembers the wanted page, and round-trips through safeReturnPath', () => {
    const path = signInPath({ pathname: '/executions', search: '?status=failed' });
    expect(path).toBe('/sign-in?next=%2Fexecutions%3Fstatus%3Dfailed');
    expect(safeReturnPath(new URL(path, 'http://x').searchParams.get('next'))).toBe('/executions?status=failed');
  });

  it('leaves out the root and the auth pages themselves', () => {
    expect(signInPath({ pathname: '/', search: '' })).toBe('/sign-in');
    expect(signInPath({ pathname: '/sign-in', search: '?next=%2Fx' })).toBe('/sign-in');
  });
});
