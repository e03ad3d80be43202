import { describe, expect, it } from 'vitest';
import { deferred } from './deferred.ts';

describe('deferred', () => {
  it('settles its promise from outside, with the value given', async () => {
    const answer = deferred<number>();
    answer.resolve(42);
    await expect(answer.promise).resolves.toBe(42);
  });

  it('rejects its promise from outside, with the reason given', async () => {
    const failure = deferred<void>();
    const reason = new Error('no');
    failure.reject(reason);
    await expect(failure.promise).rejects.toBe(reason);
  });
});
