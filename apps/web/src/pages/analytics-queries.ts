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
 * The questions' input for a range and filters. `from` is rounded to the minute, so the queries'
 * keys stay stable while the page is open, and the prefetch's keys are the page's.
 */
export function analyticsInput(range: AnalyticsRange, assistantId: number | undefined, userId: number | undefined) {
  return {
    ...(range.ms === null ? {} : { from: new Date(Math.floor((Date.now() - range.ms) / 60_000) * 60_000) }),
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
    void utils.assistants.list.prefetch(ANALYTICS_ASSISTANTS_INPUT);
    void utils.users.list.prefetch();
    void utils.analytics.executionsOverTime.prefetch({ ...input, bucket: DEFAULT_ANALYTICS_RANGE.bucket });
    void utils.analytics.executionTimeByAssistant.prefetch(input);
    void utils.analytics.errorRateByAssistant.prefetch(input);
    void utils.analytics.durationPercentiles.prefetch(input);
    void utils.analytics.averagePromptDuration.prefetch(input);
    void utils.analytics.tokensByModel.prefetch(input);
    void utils.analytics.mostUsedRepositories.prefetch(input);
  }, [utils]);
  return null;
}
