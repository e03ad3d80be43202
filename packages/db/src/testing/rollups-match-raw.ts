import { expect } from 'vitest';
import { type Analytics, type AnalyticsFilters, createAnalytics } from '../analytics.ts';
import type { PrismaClient } from '../generated/prisma/client.ts';
import { createRawAnalytics } from './raw-analytics.ts';

/** Every analytics question under `filters` (repositories unlimited, both buckets over time). */
async function answerAll(analytics: Analytics, filters: AnalyticsFilters) {
  return {
    executionTimeByAssistant: await analytics.executionTimeByAssistant(filters),
    errorRateByAssistant: await analytics.errorRateByAssistant(filters),
    mostUsedRepositories: await analytics.mostUsedRepositories(filters, 1_000_000),
    averagePromptDuration: await analytics.averagePromptDuration(filters),
    executionsByHour: await analytics.executionsOverTime({ ...filters, bucket: 'hour' }),
    executionsByDay: await analytics.executionsOverTime({ ...filters, bucket: 'day' }),
    durationPercentiles: await analytics.durationPercentiles(filters),
    tokensByModel: await analytics.tokensByModel(filters),
  };
}

/**
 * Asserts that every analytics question answered from the rollup tables equals its answer from
 * the events table (`createRawAnalytics`) under `filters`, and returns the answers, for tests to
 * check they are not trivially empty.
 */
export async function expectRollupsMatchRaw(prisma: PrismaClient, filters: AnalyticsFilters = {}) {
  const fromRollups = await answerAll(createAnalytics(prisma), filters);
  const fromEvents = await answerAll(createRawAnalytics(prisma), filters);
  expect(fromRollups).toEqual(fromEvents);
  return fromRollups;
}
