import { describe, expect, it } from 'vitest';
import { backoffDelay } from './backoff.ts';

describe('backoffDelay', () => {
  it('doubles from the base with each attempt, up to the ceiling', () => {
    const policy = { baseMs: 50, maxMs: 500 };
    expect([1, 2, 3, 4, 5, 6].map((attempt) => backoffDelay(attempt, policy))).toEqual([50, 100, 200, 400, 500, 500]);
  });
});
