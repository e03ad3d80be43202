/**
 * Svix's schedule (which Standard Webhooks points to): the first attempt at once, then 5 s, 5 min,
 * 30 min, 2 h, 5 h, 10 h and 10 h after each failure; eight attempts over about 28 hours.
 */
export const WEBHOOK_RETRY_SCHEDULE_MS: readonly number[] = [0, 5_000, 5 * 60_000, 30 * 60_000, 2 * 3_600_000, 5 * 3_600_000, 10 * 3_600_000, 10 * 3_600_000];

/**
 * How long after a failed attempt the next one is due, given the attempts made so far (the failed
 * one included); null when the schedule is spent and the delivery fails for good.
 */
export function retryDelayMs(schedule: readonly number[], attemptsMade: number): number | null {
  return attemptsMade >= 1 && attemptsMade < schedule.length ? schedule[attemptsMade]! : null;
}
