import { useEffect } from 'react';
import { trpc } from '../trpc.ts';

export const ANALYTICS_RANGES = [
  { key: '24h', label: 'Last 24 hours', ms: 86_400_000, bucket: 'hour' as const },
  { key: '7d', label: 'Last 7 days', ms: 7 * 86_400_000, bucket: 'day' as const },
  { key: '30d', label: 'Last 30 days', ms: 30 * 86_400_000, bucket: 'day' as const },
  { key: 'all', label: 'All time', ms: null, bucket: 'day' as const },
];

export type AnalyticsRange = (typeof ANALYTICS_RANGES)[number];

/** The range the page opens on. */
export const DEFAULT_ANALYTICS_RANGE = ANALYTICS_RANGES[1]!;

/** The assistants the page offers as a filter. */
export const ANALYTICS_ASSISTANTS_INPUT = { limit: 100 };

/**
 * How long the page's answers stay fresh: analytics are not live, and a minute is how finely `from`
 * moves. Long enough, too, that answers asked for while the page's code loads are still fresh when
 * it mounts, however slowly it loaded.
 */
export const ANALYTICS_STALE_MS = 60_000;

const recentInputs = new Map<string, { madeAt: number; input: ReturnType<typeof makeInput> }>();

/**
 * The questions' input for a range and filters. `from` is rounded to the minute, and the same input
 * is handed out for a minute after it was made, so the queries' keys stay stable while the page is
 * open, and the page's keys are the prefetch's even across a minute's turn.
 */
export function analyticsInput(range: AnalyticsRange, assistantId: number | undefined, userId: number | undefined) {
  const key = `${range.key}:${assistantId ?? ''}:${userId ?? ''}`;
  const now = Date.now();
  const recent = recentInputs.get(key);
  if (recent && now - recent.madeAt < ANALYTICS_STALE_MS) return recent.input;
  const input = makeInput(range, assistantId, userId, now);
  recentInputs.set(key, { madeAt: now, input });
  return input;
}

function makeInput(range: AnalyticsRange, assistantId: number | undefined, userId: number | undefined, now: number) {
  return {
    ...(range.ms === null ? {} : { from: new Date(Math.floor((now - range.ms) / 60_000) * 60_000) }),
    ...(assistantId === undefined ? {} : { assistantId }),
    ...(userId === undefined ? {} : { userId }),
  };
}

/**
 * Asks for the analytics page's opening answers while its code (the charts) is still loading, so
 * the request does not wait for it: the page then finds them answered or on their way.
 */
export function AnalyticsPrefetch(): null {
  const utils = trpc.useUtils();
  useEffect(() => {
    const input = analyticsInput(DEFAULT_ANALYTICS_RANGE, undefined, undefined);
    const fresh = { staleTime: ANALYTICS_STALE_MS };
    void utils.assistants.list.prefetch(ANALYTICS_ASSISTANTS_INPUT, fresh);
    void utils.users.list.prefetch(undefined, fresh);
    void utils.analytics.executionsOverTime.prefetch({ ...input, bucket: DEFAULT_ANALYTICS_RANGE.bucket }, fresh);
    void utils.analytics.executionTimeByAssistant.prefetch(input, fresh);
    void utils.analytics.errorRateByAssistant.prefetch(input, fresh);
    void utils.analytics.durationPercentiles.prefetch(input, fresh);
    void utils.analytics.averagePromptDuration.prefetch(input, fresh);
    void utils.analytics.tokensByModel.prefetch(input, fresh);
    void utils.analytics.mostUsedRepositories.prefetch(input, fresh);
  }, [utils]);
  return null;
}
