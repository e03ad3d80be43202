import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestServices, readSubscription, runDemoToEnd, type TestServices } from '../testing/test-services.ts';

let t: TestServices;
const durations: number[] = [];
const promptDurations: number[] = [];
let outputTokens = 0;

beforeAll(async () => {
  t = await createTestServices();
  const demo = await t.caller('demo');
  for (const topic of ['peat bogs', 'sea ice']) {
    const { events } = await runDemoToEnd(demo, t.demoAssistantId, { topic });
    for (const event of events) {
      if (event.eventType === 'execution-complete') durations.push(event.eventData.duration);
      if (event.eventType === 'prompt-complete') {
        promptDurations.push(event.eventData.duration);
        outputTokens += event.eventData.outputTokens;
      }
    }
  }
  // An assistant whose model does not exist (saved around the API's check): its run fails.
  const broken = await t.services.assistants.create({
    name: 'Broken',
    visibility: 'shared',
    inputVariables: [],
    prompts: [{ name: 'Only', position: 1, modelId: 'retired-model', content: 'Hello' }],
  });
  const { executionId } = await demo.executions.execute({ assistantId: broken.id, input: {} });
  await readSubscription(demo, { executionId });
});
afterAll(() => t?.close());

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = (sorted.length - 1) / 2;
  return (sorted[Math.floor(mid)]! + sorted[Math.ceil(mid)]!) / 2;
};

describe('analytics', () => {
  it('answers the seed’s “error rate by tool”, by assistant', async () => {
    const admin = await t.caller('admin');
    expect(await admin.analytics.errorRateByAssistant()).toEqual([
      { assistantName: 'Broken', errorRate: 1, executions: 1, errors: 1 },
      { assistantName: 'Research Brief Writer', errorRate: 0, executions: 2, errors: 0 },
    ]);
  });

  it('answers the seed’s “average execution time by tool”, by assistant, for completed runs', async () => {
    const admin = await t.caller('admin');
    const rows = await admin.analytics.executionTimeByAssistant();
    expect(rows.map((row) => [row.assistantName, row.executions])).toEqual([['Research Brief Writer', 2]]);
    expect(rows[0]!.avgDurationMs).toBeGreaterThanOrEqual(0);
  });

  it('reports p50 and p95 of execution durations from the events', async () => {
    const admin = await t.caller('admin');
    const { overall, byAssistant } = await admin.analytics.durationPercentiles();
    expect(overall.executions).toBe(2);
    expect(overall.p50Ms).toBeCloseTo(median(durations), 6);
    expect(overall.p95Ms).toBeGreaterThanOrEqual(overall.p50Ms!);
    expect(byAssistant.map((row) => row.assistantName)).toEqual(['Research Brief Writer']);
  });

  it('sums output tokens by model and averages prompt durations', async () => {
    const admin = await t.caller('admin');
    expect(await admin.analytics.tokensByModel()).toEqual([{ modelId: 'local', outputTokens, prompts: 6, cachedPrompts: 0 }]);
    const average = await admin.analytics.averagePromptDuration();
    expect(average.runs).toBe(6);
    expect(average.avgDurationMs).toBeCloseTo(promptDurations.reduce((a, b) => a + b, 0) / promptDurations.length, 6);
    expect(average.byPrompt.map((row) => row.promptName).sort()).toEqual(['Draft', 'Outline', 'Summary']);
  });

  it('counts executions over time by outcome, within a range', async () => {
    const admin = await t.caller('admin');
    const [today] = await admin.analytics.executionsOverTime({ bucket: 'day' });
    expect(today).toMatchObject({ started: 3, completed: 2, failed: 1 });
    const future = await admin.analytics.executionsOverTime({ bucket: 'hour', from: new Date(Date.now() + 3_600_000) });
    expect(future).toEqual([]);
    expect(await admin.analytics.mostUsedRepositories()).toEqual([]);
  });

  it('is for admins only, and checks its range', async () => {
    const demo = await t.caller('demo');
    await expect(demo.analytics.errorRateByAssistant()).rejects.toMatchObject({ code: 'FORBIDDEN' });
    const admin = await t.caller('admin');
    await expect(admin.analytics.tokensByModel({ from: new Date(2026, 1, 2), to: new Date(2026, 1, 1) })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
      message: expect.stringContaining('`from` must be before `to`'),
    });
  });
});
