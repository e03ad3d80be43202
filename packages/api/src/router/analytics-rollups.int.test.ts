import { createEventRecorder, createEventStore, type PendingEvent, SYSTEM_VIEWER } from '@aae/db';
import { bindExecutionId, expectRollupsMatchRaw, SEED_SQL } from '@aae/db/testing';
import { seedFieldGuide } from '@aae/runtime';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type Caller, createTestServices, readSubscription, runDemoToEnd, type TestServices } from '../testing/test-services.ts';

let t: TestServices;
/** The executions of each kind this file makes. */
const ids = {
  completed: 0,
  otherCompleted: 0,
  knowledge: 0,
  modelError: 0,
  cancelled: 0,
  closedByRecovery: 0,
  resumed: 0,
  insertedInOrder: 0,
  insertedOutOfOrder: 0,
  insertedRunning: 0,
};
let fieldGuideId = 0;
let importedAssistantId = 0;
/** The day the events inserted by plain SQL happened on. */
const IMPORTED_DAY = new Date('2026-11-20T00:00:00Z');

const prisma = () => t.services.database.prisma;

beforeAll(async () => {
  // Slow enough that a run can be cancelled between its prompts.
  t = await createTestServices({ localModel: { chunkDelayMs: 30 } });
  await seedFieldGuide(t.services);
  const demo = await t.caller('demo');
  const other = await t.caller('other');
  ids.completed = (await runDemoToEnd(demo, t.demoAssistantId, { topic: 'kelp forests' })).executionId;
  ids.otherCompleted = (await runDemoToEnd(other, t.demoAssistantId, { topic: 'glacier moraines' })).executionId;
  const fieldGuide = (await t.services.assistants.list(SYSTEM_VIEWER)).find((assistant) => assistant.name === 'Field Guide');
  fieldGuideId = fieldGuide!.id;
  ids.knowledge = (await runDemoToEnd(other, fieldGuideId, { question: 'Why are there two tides a day?' })).executionId;
  ids.modelError = await runBrokenAssistant(demo);
  ids.cancelled = await cancelBetweenPrompts(demo);
  ids.closedByRecovery = await interruptedExecution(99);
  ids.resumed = await interruptedExecution(1);
  await t.services.runner.recoverInterrupted(0);
  await until(async () => expect(await statusOf(ids.closedByRecovery)).toBe('failed'));
  await until(async () => expect(await statusOf(ids.resumed)).toBe('completed'));
  await insertWithPlainSql();
});
afterAll(() => t?.close());

/** Waits until `check` passes (setup runs outside a test, where `expect.poll` is refused). */
const until = (check: () => Promise<void>) => vi.waitFor(check, { timeout: 60_000, interval: 20 });

async function statusOf(executionId: number) {
  return (await prisma().execution.findUniqueOrThrow({ where: { id: executionId } })).status;
}

/** An assistant whose model does not exist (saved around the API's check): its run fails. */
async function runBrokenAssistant(caller: Caller): Promise<number> {
  const broken = await t.services.assistants.create({
    name: 'Broken',
    visibility: 'shared',
    inputVariables: [],
    prompts: [{ name: 'Only', position: 1, modelId: 'retired-model', content: 'Hello' }],
  });
  const { executionId } = await caller.executions.execute({ assistantId: broken.id, input: {} });
  await readSubscription(caller, { executionId });
  return executionId;
}

/** Four prompts in a row, cancelled once the first is stored as complete. */
async function cancelBetweenPrompts(caller: Caller): Promise<number> {
  const slow = await t.services.assistants.create({
    name: 'Slow',
    visibility: 'shared',
    inputVariables: [],
    prompts: [1, 2, 3, 4].map((position) => ({
      name: `Step ${position}`,
      position,
      modelId: 'local',
      content: `Step ${position}: compare tides, fjords, moraines, kelp and drumlins`,
    })),
  });
  const { executionId } = await caller.executions.execute({ assistantId: slow.id, input: {} });
  await until(async () => expect((await t.services.events.getExecutionEventsByType(executionId, 'prompt-complete')).length).toBeGreaterThan(0));
  await caller.executions.cancel({ executionId });
  const events = await readSubscription(caller, { executionId });
  expect(events.at(-1)?.event).toMatchObject({ eventType: 'execution-error', eventData: { recoverable: true } });
  return executionId;
}

/**
 * A demo run whose worker died during its first prompt: its row still running under a worker
 * that is gone, its execution-start and first prompt-start stored. Recovery closes it past
 * `attempts` of the cap, else queues it again and a worker resumes it (a second prompt-start).
 */
async function interruptedExecution(attempts: number): Promise<number> {
  const assistant = await t.services.assistants.get(t.demoAssistantId, SYSTEM_VIEWER);
  const first = assistant!.prompts[0]!;
  return prisma().$transaction(async (tx) => {
    const { id } = await tx.execution.create({
      data: {
        assistantId: t.demoAssistantId,
        assistantVersion: 1,
        userId: t.people.demo.id,
        input: { topic: 'drumlins' },
        status: 'running',
        startedAt: new Date(),
        heartbeatAt: new Date(Date.now() - 3_600_000),
        workerId: 'a worker that is gone',
        attempts,
        claims: 1,
      },
      select: { id: true },
    });
    const pending: PendingEvent[] = [];
    const recorder = createEventRecorder({ executionId: id, enqueue: (event) => pending.push(event) });
    recorder.emit({ eventType: 'execution-start', eventData: { executionId: id, totalPrompts: assistant!.prompts.length, toolName: assistant!.name } });
    recorder.emit({
      eventType: 'prompt-start',
      eventData: {
        promptId: first.id,
        promptName: first.name,
        position: first.position,
        totalPrompts: assistant!.prompts.length,
        modelId: first.modelId,
        hasKnowledge: false,
        hasTools: false,
      },
    });
    await createEventStore(tx).insertEvents(pending);
    return id;
  });
}

/** One row of `assistant_architect_events` as a plain INSERT gives it. */
type Row = [executionId: number, sequence: number, eventType: string, eventData: Record<string, unknown>, secondsIntoDay: number];

/** Inserts rows in one plain SQL statement, as the seed's table takes them from any writer. */
async function insertRows(rows: Row[]) {
  const values = rows.map(
    (_, index) =>
      `($${index * 5 + 1}::int, $${index * 5 + 2}::int, $${index * 5 + 3}::assistant_event_type, $${index * 5 + 4}::jsonb, $${index * 5 + 5}::timestamptz)`,
  );
  const params = rows.flatMap(([executionId, sequence, eventType, eventData, seconds]) => [
    executionId,
    sequence,
    eventType,
    JSON.stringify(eventData),
    new Date(IMPORTED_DAY.getTime() + seconds * 1000).toISOString(),
  ]);
  await prisma().$executeRawUnsafe(
    `INSERT INTO assistant_architect_events (execution_id, sequence, event_type, event_data, created_at) VALUES ${values.join(', ')}`,
    ...params,
  );
}

/**
 * Executions whose events were written by plain SQL, not the product: one in order in a single
 * statement, one whose completions arrive a statement before their starts (and a prompt started
 * twice, the second start last), one still running.
 */
async function insertWithPlainSql() {
  const imported = await t.services.assistants.create({
    name: 'Imported',
    visibility: 'shared',
    inputVariables: [],
    prompts: [{ name: 'Import', position: 1, modelId: 'local', content: 'x' }],
  });
  importedAssistantId = imported.id;
  const repository = await prisma().knowledgeRepository.findFirstOrThrow({ select: { id: true } });
  const row = async (status: 'completed' | 'failed' | 'running') =>
    (await prisma().execution.create({ data: { assistantId: imported.id, assistantVersion: 1, userId: t.people.other.id, status }, select: { id: true } })).id;
  ids.insertedInOrder = await row('failed');
  ids.insertedOutOfOrder = await row('completed');
  ids.insertedRunning = await row('running');
  const start = (promptId: number, name: string, modelId: string) => ({ promptId, promptName: name, position: 1, totalPrompts: 2, modelId });
  const complete = (promptId: number, duration: number, outputTokens: number, cached: boolean) => ({ promptId, duration, outputTokens, cached });

  const a = ids.insertedInOrder;
  await insertRows([
    [a, 1, 'execution-start', { executionId: a, totalPrompts: 1, toolName: 'Imported' }, 3600],
    [a, 2, 'prompt-start', start(501, 'Import', 'imported-model'), 3601],
    [a, 3, 'knowledge-retrieval-start', { promptId: 501, repositories: [repository.id, 987654], searchType: 'hybrid' }, 3602],
    [a, 4, 'prompt-complete', complete(501, 1200, 40, true), 3603],
    [a, 5, 'execution-error', { executionId: a, error: 'imported failure', recoverable: false }, 3604],
  ]);

  const b = ids.insertedOutOfOrder;
  await insertRows([
    [b, 4, 'prompt-complete', complete(601, 700, 12, false), 90_005],
    [b, 6, 'prompt-complete', complete(602, 900, 30, false), 90_007],
    [b, 8, 'execution-complete', { executionId: b, totalTokens: 42, duration: 6500.5, success: true }, 90_009],
  ]);
  await insertRows([
    [b, 1, 'execution-start', { executionId: b, totalPrompts: 2, toolName: 'Imported' }, 90_000],
    [b, 2, 'prompt-start', start(601, 'Import', 'imported-model'), 90_001],
    [b, 3, 'knowledge-retrieval-start', { promptId: 601, repositories: [repository.id], searchType: 'vector' }, 90_002],
    [b, 5, 'prompt-start', start(602, 'Check', 'local'), 90_006],
  ]);
  // A second start of a prompt that completed: it counts once, as its first start says.
  await insertRows([[b, 7, 'prompt-start', start(601, 'Renamed', 'other-model'), 90_008]]);

  const c = ids.insertedRunning;
  await insertRows([[c, 1, 'execution-start', { executionId: c, totalPrompts: 1, toolName: 'Imported' }, 7200]]);
}

describe('analytics from the rollup tables', () => {
  it('answer every question as the events table does, and see every kind of run', async () => {
    const answers = await expectRollupsMatchRaw(prisma());
    expect(answers.errorRateByAssistant.map((row) => [row.assistantName, row.executions, row.errors])).toEqual([
      ['Broken', 1, 1],
      ['Field Guide', 1, 0],
      ['Imported', 3, 1],
      // Two completed runs, the resumed one, and the one recovery closed.
      ['Research Brief Writer', 4, 1],
      ['Slow', 1, 1],
    ]);
    expect(answers.executionTimeByAssistant.map((row) => [row.assistantName, row.executions])).toEqual([
      ['Field Guide', 1],
      ['Imported', 1],
      ['Research Brief Writer', 3],
    ]);
    expect(answers.durationPercentiles.overall.executions).toBe(5);
    expect(answers.mostUsedRepositories.map((row) => row.usageCount).reduce((sum, n) => sum + n, 0)).toBeGreaterThanOrEqual(4);
    expect(answers.mostUsedRepositories.find((row) => row.repositoryId === 987654)).toEqual({ repositoryId: 987654, name: null, usageCount: 1 });
    expect(answers.tokensByModel.map((row) => row.modelId).sort()).toEqual(['imported-model', 'local']);
    expect(answers.tokensByModel.find((row) => row.modelId === 'imported-model')).toMatchObject({ outputTokens: 52, prompts: 2, cachedPrompts: 1 });
    expect(answers.executionsByDay.find((row) => row.bucket.getTime() === IMPORTED_DAY.getTime())).toEqual({
      bucket: IMPORTED_DAY,
      started: 2,
      completed: 0,
      failed: 1,
    });
  });

  it('agree with the events table for each assistant, person and range', async () => {
    const nextDay = new Date(IMPORTED_DAY.getTime() + 86_400_000);
    const filterSets = [
      { assistantId: t.demoAssistantId },
      { assistantId: fieldGuideId },
      { userId: t.people.other.id },
      { userId: t.people.demo.id, assistantId: t.demoAssistantId },
      { assistantId: importedAssistantId, userId: t.people.demo.id },
      { from: IMPORTED_DAY, to: nextDay },
      { from: nextDay, to: new Date(nextDay.getTime() + 86_400_000), assistantId: importedAssistantId },
      { from: new Date(IMPORTED_DAY.getTime() + 3_602_500), to: new Date(IMPORTED_DAY.getTime() + 90_006_500) },
      { from: new Date(Date.now() - 3_600_000) },
      { to: nextDay, userId: t.people.other.id },
    ];
    const all = await expectRollupsMatchRaw(prisma());
    for (const filters of filterSets) {
      const answers = await expectRollupsMatchRaw(prisma(), filters);
      // Each filter narrows: fewer executions than all of them.
      const started = (rows: typeof answers.executionsByDay) => rows.reduce((sum, row) => sum + row.started, 0);
      expect(started(answers.executionsByDay), JSON.stringify(filters)).toBeLessThan(started(all.executionsByDay));
    }
    const ofPerson = await expectRollupsMatchRaw(prisma(), { userId: t.people.other.id });
    expect(ofPerson.errorRateByAssistant.map((row) => [row.assistantName, row.executions])).toEqual([
      ['Field Guide', 1],
      ['Imported', 3],
      ['Research Brief Writer', 1],
    ]);
    const dayOne = await expectRollupsMatchRaw(prisma(), { from: IMPORTED_DAY, to: nextDay });
    expect(dayOne.tokensByModel).toEqual([{ modelId: 'imported-model', outputTokens: 40, prompts: 1, cachedPrompts: 1 }]);
  });

  it('count a prompt a resumed run started twice once; joining every prompt-start counted it twice', async () => {
    const assistant = await t.services.assistants.get(t.demoAssistantId, SYSTEM_VIEWER);
    const firstPromptId = assistant!.prompts[0]!.id;
    const starts = await t.services.events.getExecutionEventsByType(ids.resumed, 'prompt-start');
    expect(starts.filter((event) => event.eventData.promptId === firstPromptId)).toHaveLength(2);
    const { runs } = await t.services.analytics.averagePromptDuration({ executionId: ids.resumed });
    expect(runs).toBe(assistant!.prompts.length);
    const [joined] = await prisma().$queryRaw<Array<{ pairs: bigint }>>`
      SELECT COUNT(*) AS pairs
      FROM assistant_architect_events complete
      JOIN assistant_architect_events start
        ON start.execution_id = complete.execution_id
        AND start.event_type = 'prompt-start'::assistant_event_type
        AND start.event_data->'promptId' = complete.event_data->'promptId'
      WHERE complete.event_type = 'prompt-complete'::assistant_event_type AND complete.execution_id = ${ids.resumed}`;
    expect(Number(joined!.pairs)).toBe(runs + 1);
  });

  it('agree with the seed document’s own analytics SQL', async () => {
    const analytics = t.services.analytics;
    const query = <T>(sql: string, ...params: unknown[]) => prisma().$queryRawUnsafe<T[]>(sql, ...params);
    const byName = <T extends { name: string }>(rows: T[]) => [...rows].sort((a, b) => a.name.localeCompare(b.name));

    const seedTimes = await query<{ tool_name: string; avg_duration_ms: unknown }>(SEED_SQL.averageExecutionTimeByTool);
    const times = await analytics.executionTimeByAssistant();
    expect(byName(seedTimes.map((row) => ({ name: row.tool_name, avg: Number(row.avg_duration_ms) })))).toEqual(
      byName(times.map((row) => ({ name: row.assistantName, avg: row.avgDurationMs }))),
    );

    const seedErrors = await query<{ tool_name: string; error_rate: number }>(SEED_SQL.errorRateByTool);
    const errors = await analytics.errorRateByAssistant();
    expect(byName(seedErrors.map((row) => ({ name: row.tool_name, rate: row.error_rate })))).toEqual(
      byName(errors.map((row) => ({ name: row.assistantName, rate: row.errorRate }))),
    );

    const seedRepositories = await query<{ repository_id: string; usage_count: bigint }>(SEED_SQL.mostUsedRepositories);
    const repositories = await analytics.mostUsedRepositories({}, 100);
    expect(seedRepositories.length).toBeGreaterThan(0);
    expect(byName(seedRepositories.map((row) => ({ name: row.repository_id, uses: Number(row.usage_count) })))).toEqual(
      byName(repositories.map((row) => ({ name: String(row.repositoryId), uses: row.usageCount }))),
    );

    // Per execution the seed averages every prompt-complete, each prompt's one: the same as the rollups.
    for (const executionId of Object.values(ids)) {
      const [seed] = await query<{ avg_duration_ms: unknown }>(bindExecutionId(SEED_SQL.averagePromptDuration), executionId);
      const { avgDurationMs } = await analytics.averagePromptDuration({ executionId });
      if (seed?.avg_duration_ms === null) expect(avgDurationMs, `execution ${executionId}`).toBeNull();
      else expect(avgDurationMs, `execution ${executionId}`).toBeCloseTo(Number(seed!.avg_duration_ms), 9);
    }
  });

  it('take the filters through the router, checked', async () => {
    const admin = await t.caller('admin');
    const input = { assistantId: t.demoAssistantId, userId: t.people.demo.id };
    expect(await admin.analytics.errorRateByAssistant(input)).toEqual(await t.services.analytics.errorRateByAssistant(input));
    expect(await admin.analytics.executionsOverTime({ ...input, bucket: 'hour' })).toEqual(
      await t.services.analytics.executionsOverTime({ ...input, bucket: 'hour' }),
    );
    expect(await admin.analytics.mostUsedRepositories({ userId: t.people.other.id, limit: 1 })).toHaveLength(1);
    await expect(admin.analytics.tokensByModel({ assistantId: -3 })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(admin.analytics.durationPercentiles({ userId: 2 ** 40 })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
  });

  it('never refuse an event for a value its rollup column cannot hold', async () => {
    const assistant = await prisma().assistant.findFirstOrThrow({ where: { id: importedAssistantId }, select: { id: true } });
    const { id } = await prisma().execution.create({
      data: { assistantId: assistant.id, assistantVersion: 1, userId: t.people.other.id, status: 'completed' },
      select: { id: true },
    });
    // Numbers the contract allows (any non-negative duration, any safe integer of tokens) but no int4 column holds, and a null repository.
    await insertRows([
      [id, 1, 'execution-start', { executionId: id, totalPrompts: 1, toolName: 'Imported' }, 10_000],
      [id, 2, 'prompt-start', { promptId: 701, promptName: 'Import', position: 1, totalPrompts: 1, modelId: 'huge-model' }, 10_001],
      [id, 3, 'knowledge-retrieval-start', { promptId: 701, repositories: [null], searchType: 'hybrid' }, 10_002],
      [id, 4, 'prompt-complete', { promptId: 701, duration: 3_000_000_000, outputTokens: 9_007_199_254_740_991, cached: false }, 10_003],
      [id, 5, 'execution-complete', { executionId: id, totalTokens: 1, duration: 1e308, success: true }, 10_004],
    ]);
    expect(await prisma().assistantArchitectEvent.count({ where: { executionId: id } })).toBe(5);
    const [prompt] = await prisma().$queryRaw<Array<{ model_id: string; duration_ms: number | null; output_tokens: number | null }>>`
      SELECT model_id, duration_ms, output_tokens FROM prompt_rollups WHERE execution_id = ${id}`;
    // The prompt is counted, with what does not fit left out.
    expect(prompt).toEqual({ model_id: 'huge-model', duration_ms: null, output_tokens: null });
    expect(await prisma().repositoryUse.count({ where: { executionId: id } })).toBe(0);
    await prisma().execution.delete({ where: { id } });
  });

  it('drop an execution’s contributions with the execution', async () => {
    // Last: it deletes executions the other tests count.
    for (const executionId of [ids.insertedOutOfOrder, ids.resumed, ids.knowledge]) {
      await prisma().execution.delete({ where: { id: executionId } });
    }
    const left = await prisma().$queryRaw<Array<{ n: bigint }>>`
      SELECT COUNT(*) AS n FROM execution_rollups WHERE execution_id = ANY(${[ids.insertedOutOfOrder, ids.resumed, ids.knowledge]}::int[])
      UNION ALL SELECT COUNT(*) FROM prompt_rollups WHERE execution_id = ANY(${[ids.insertedOutOfOrder, ids.resumed, ids.knowledge]}::int[])
      UNION ALL SELECT COUNT(*) FROM repository_uses WHERE execution_id = ANY(${[ids.insertedOutOfOrder, ids.resumed, ids.knowledge]}::int[])`;
    expect(left.map((row) => Number(row.n))).toEqual([0, 0, 0]);
    const answers = await expectRollupsMatchRaw(prisma());
    expect(answers.executionTimeByAssistant.map((row) => [row.assistantName, row.executions])).toEqual([['Research Brief Writer', 2]]);
  });
});
