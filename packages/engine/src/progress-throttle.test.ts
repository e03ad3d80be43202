import { describe, expect, it } from 'vitest';
import { createProgressThrottle } from './progress-throttle.ts';

describe('progress throttle', () => {
  it('lets at most one step through per interval, but always the first and the last', () => {
    let now = 0;
    const throttle = createProgressThrottle(250, () => now);
    const passed: number[] = [];
    for (let step = 1; step <= 20; step++) {
      now += 40;
      if (throttle.shouldEmit(step, 20)) passed.push(step);
    }
    // 20 steps over 800 ms: the first, one per 250 ms after it, and the last.
    expect(passed).toEqual([1, 8, 15, 20]);
  });
});
