import { describe, expect, it } from 'vitest';
import { retryDelayMs, WEBHOOK_RETRY_SCHEDULE_MS } from './retry-schedule.ts';

describe('the webhook retry schedule', () => {
  it("is Svix's: at once, then 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h", () => {
    expect(WEBHOOK_RETRY_SCHEDULE_MS).toEqual([0, 5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000]);
  });

  it('gives the delay after each failed attempt, and none after the eighth', () => {
    const delays = [1, 2, 3, 4, 5, 6, 7, 8].map((attempts) => retryDelayMs(WEBHOOK_RETRY_SCHEDULE_MS, attempts));
    expect(delays).toEqual([5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000, null]);
  });

  it('follows a shorter schedule as given', () => {
    expect(retryDelayMs([0, 10], 1)).toBe(10);
    expect(retryDelayMs([0, 10], 2)).toBeNull();
    expect(retryDelayMs([0], 1)).toBeNull();
  });
});
