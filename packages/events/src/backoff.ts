export interface BackoffPolicy {
  /** The wait after the first failure. */
  baseMs: number;
  /** No wait is longer. */
  maxMs: number;
}

/** Exponential backoff: the wait before retrying after failed attempt `attempt` (1, 2, …), doubling up to `maxMs`. */
export function backoffDelay(attempt: number, policy: BackoffPolicy): number {
  return Math.min(policy.maxMs, policy.baseMs * 2 ** (attempt - 1));
}
