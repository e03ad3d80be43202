import { type ExecutionStatus, toPrismaEventType } from '@aae/db';
import { expectRollupsMatchRaw } from '@aae/db/testing';
import type { EventType } from '@aae/events';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createTestServices, type TestServices } from '../testing/test-services.ts';

const DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;
const EVENTS_PER_EXECUTION = 5;

let t: TestServices;
beforeAll(async () => {
  // Pending and running rows made here stay so: this process's worker neither claims nor recovers them.
  t = await createTestServices({ runner: { sweepMs: 3_600_000, pollMs: 3_600_000 } });
  t.services.runner.pause();
});
afterAll(() => t?.close());
afterEach(async () => {
  await t.services.database.prisma.retentionPolicy.deleteMany();
});

const prisma = () => t.services.database.prisma;

async function assistant(name: string) {
  const created = await t.services.assistants.create({
    name,
    inputVariables: [],
    prompts: [{ name: 'only', position: 1, modelId: 'local', content: 'x' }],
  });
  return { id: created.id, promptId: created.prompts[0]!.id };
}

/**
 * An execution of `owner` with five events that feed every analytics rollup (its start, a prompt's
 * start, retrieval and completion, then its end, or progress while unfinished) and a prompt result;
 * `finishedAgoMs` null leaves it unfinished.
 */
async function execution(owner: { id: number; promptId: number }, status: ExecutionStatus, ages: { finishedAgoMs?: number | null; createdAgoMs?: number }) {
  const now = Date.now();
  const createdAt = new Date(now - (ages.createdAgoMs ?? ages.finishedAgoMs ?? 0) - MINUTE_MS);
  const row = await prisma().execution.create({
    data: {
      assistantId: owner.id,
      assistantVersion: 1,
      userId: t.people.demo.id,
      status,
      createdAt,
      finishedAt: ages.finishedAgoMs == null ? null : new Date(now - ages.finishedAgoMs),
    },
  });
  const promptId = owner.promptId;
  const payloads: Array<[EventType, Record<string, unknown>]> = [
    ['execution-start', { executionId: row.id, totalPrompts: 1, toolName: `assistant ${owner.id}` }],
    ['prompt-start', { promptId, promptName: 'only', position: 1, totalPrompts: 1, modelId: 'local', hasKnowledge: true, hasTools: false }],
    ['knowledge-retrieval-start', { promptId, repositories: [owner.id], searchType: 'hybrid' }],
    ['prompt-complete', { promptId, outputTokens: 7, duration: 40 + (row.id % 5), cached: false }],
    status === 'completed'
      ? ['execution-complete', { executionId: row.id, totalTokens: 7, duration: 100 + (row.id % 7), success: true }]
      : status === 'failed'
        ? ['execution-error', { executionId: row.id, error: 'model failed', recoverable: false }]
        : ['progress', { percentage: 50, message: 'half way' }],
  ];
  await prisma().assistantArchitectEvent.createMany({
    data: payloads.map(([type, payload], index) => {
      const at = new Date(createdAt.getTime() + index);
      return {
        executionId: row.id,
        sequence: index + 1,
        eventType: toPrismaEventType(type),
        eventData: { ...payload, timestamp: at.toISOString(), eventId: `${row.id}-${index + 1}` },
        createdAt: at,
      };
    }),
  });
  await prisma().promptResult.create({ data: { executionId: row.id, promptId: owner.promptId, output: 'o', outputTokens: 1, durationMs: 1 } });
  return row.id;
}

async function surviving(ids: number[]) {
  const rows = await prisma().execution.findMany({ where: { id: { in: ids } }, select: { id: true } });
  return rows.map((row) => row.id).sort((a, b) => a - b);
}

/** How many rollup rows the executions `ids` still have. */
async function rollupRows(ids: number[]) {
  const where = { executionId: { in: ids } };
  return {
    executions: await prisma().executionRollup.count({ where }),
    prompts: await prisma().promptRollup.count({ where }),
    repositoryUses: await prisma().repositoryUse.count({ where }),
  };
}

const sorted = (ids: number[]) => [...ids].sort((a, b) => a - b);

describe('retention sweeps', () => {
  it('deletes exactly the expired finished executions, their events and prompt results, under each one’s policy', async () => {
    const admin = await t.caller('admin');
    // Installation-wide 10 days; one assistant keeps longer (30), one shorter (3), one has no policy of its own.
    const plain = await assistant('retention plain');
    const longer = await assistant('retention longer');
    const shorter = await assistant('retention shorter');
    await admin.retention.set({ keepDays: 10 });
    await admin.retention.set({ assistantId: longer.id, keepDays: 30 });
    await admin.retention.set({ assistantId: shorter.id, keepDays: 3 });

    const expired: number[] = [];
    const kept: number[] = [];
    for (const [owner, keepDays] of [
      [plain, 10],
      [longer, 30],
      [shorter, 3],
    ] as const) {
      const window = keepDays * DAY_MS;
      expired.push(await execution(owner, 'completed', { finishedAgoMs: window + MINUTE_MS }));
      expired.push(await execution(owner, 'failed', { finishedAgoMs: window + DAY_MS }));
      // Closed without a finish time: its creation time counts.
      expired.push(await execution(owner, 'failed', { finishedAgoMs: null, createdAgoMs: window + DAY_MS }));
      // Just inside the window.
      kept.push(await execution(owner, 'completed', { finishedAgoMs: window - 10 * MINUTE_MS }));
      // Never while pending or running, however old.
      kept.push(await execution(owner, 'running', { finishedAgoMs: null, createdAgoMs: 400 * DAY_MS }));
      kept.push(await execution(owner, 'pending', { finishedAgoMs: null, createdAgoMs: 400 * DAY_MS }));
    }
    // Between the shorter and the installation-wide window: expired only under the shorter policy.
    expired.push(await execution(shorter, 'completed', { finishedAgoMs: 5 * DAY_MS }));
    // Between the installation-wide and the longer window: kept only thanks to the longer policy.
    kept.push(await execution(longer, 'completed', { finishedAgoMs: 20 * DAY_MS }));

    const policies = await admin.retention.policies();
    expect(policies.map((policy) => [policy.assistantId, policy.keepDays])).toEqual([
      [null, 10],
      [longer.id, 30],
      [shorter.id, 3],
    ]);
    const expiredOf = (assistantId: number | null) => policies.find((policy) => policy.assistantId === assistantId)?.expired;
    expect(expiredOf(null)).toEqual({ executions: 3, events: 3 * EVENTS_PER_EXECUTION });
    expect(expiredOf(longer.id)).toEqual({ executions: 3, events: 3 * EVENTS_PER_EXECUTION });
    expect(expiredOf(shorter.id)).toEqual({ executions: 4, events: 4 * EVENTS_PER_EXECUTION });

    const eventsBefore = await prisma().assistantArchitectEvent.count();
    const resultsBefore = await prisma().promptResult.count();
    const rollupsBefore = await expectRollupsMatchRaw(prisma());
    const rollupRowsBefore = await rollupRows(expired);
    expect(rollupRowsBefore.executions).toBe(expired.length);
    const swept = await admin.retention.runNow();
    expect(swept).toMatchObject({ executions: expired.length, events: expired.length * EVENTS_PER_EXECUTION });

    expect(await surviving([...expired, ...kept])).toEqual(sorted(kept));
    expect(await prisma().assistantArchitectEvent.count({ where: { executionId: { in: expired } } })).toBe(0);
    expect(await prisma().promptResult.count({ where: { executionId: { in: expired } } })).toBe(0);
    expect(await prisma().assistantArchitectEvent.count({ where: { executionId: { in: kept } } })).toBe(kept.length * EVENTS_PER_EXECUTION);
    expect(await prisma().promptResult.count({ where: { executionId: { in: kept } } })).toBe(kept.length);
    // Nothing else in the database went.
    expect(await prisma().assistantArchitectEvent.count()).toBe(eventsBefore - expired.length * EVENTS_PER_EXECUTION);
    expect(await prisma().promptResult.count()).toBe(resultsBefore - expired.length);
    // The analytics lose exactly the deleted executions' contributions, and still equal the raw answers.
    expect(await rollupRows(expired)).toEqual({ executions: 0, prompts: 0, repositoryUses: 0 });
    expect(await rollupRows(kept)).toEqual({ executions: kept.length, prompts: kept.length, repositoryUses: kept.length });
    const rollupsAfter = await expectRollupsMatchRaw(prisma());
    const started = (answers: typeof rollupsAfter) => answers.errorRateByAssistant.reduce((sum, row) => sum + row.executions, 0);
    expect(started(rollupsBefore) - started(rollupsAfter)).toBe(expired.length);
    const prompts = (answers: typeof rollupsAfter) => answers.tokensByModel.reduce((sum, row) => sum + row.prompts, 0);
    expect(prompts(rollupsBefore) - prompts(rollupsAfter)).toBe(expired.length);

    const [entry] = (await admin.audit.list({ action: 'retention-swept', limit: 1 })).items;
    expect(entry?.actor?.id).toBe(t.people.admin.id);
    expect(entry?.details).toMatchObject({ executions: expired.length, events: expired.length * EVENTS_PER_EXECUTION });
    expect(sortPolicies(entry?.details.policies)).toEqual(
      sortPolicies([
        { assistantId: null, keepDays: 10, executions: 3, events: 3 * EVENTS_PER_EXECUTION },
        { assistantId: longer.id, keepDays: 30, executions: 3, events: 3 * EVENTS_PER_EXECUTION },
        { assistantId: shorter.id, keepDays: 3, executions: 4, events: 4 * EVENTS_PER_EXECUTION },
      ]),
    );

    // A second sweep finds nothing, and writes nothing to the audit log.
    expect(await admin.retention.runNow()).toMatchObject({ executions: 0, events: 0 });
    expect((await admin.audit.list({ action: 'retention-swept', limit: 1 })).items[0]?.id).toBe(entry?.id);
  });

  it('keeps everything without a policy, and an assistant’s own policy alone when there is no installation-wide one', async () => {
    const admin = await t.caller('admin');
    const governed = await assistant('retention governed');
    const ungoverned = await assistant('retention ungoverned');
    const old = { finishedAgoMs: 1_000 * DAY_MS };
    const ungovernedIds = [await execution(ungoverned, 'completed', old), await execution(ungoverned, 'failed', old)];
    expect(await admin.retention.runNow()).toMatchObject({ executions: 0 });

    await admin.retention.set({ assistantId: governed.id, keepDays: 1 });
    const governedId = await execution(governed, 'completed', old);
    expect(await admin.retention.runNow()).toMatchObject({ executions: 1, events: EVENTS_PER_EXECUTION });
    expect(await surviving([governedId, ...ungovernedIds])).toEqual(sorted(ungovernedIds));
  });

  it('deletes more than one batch holds in several transactions, and two sweeps at once share the work without overlap', async () => {
    const owner = await assistant('retention many');
    const ids: number[] = [];
    for (let index = 0; index < 23; index++) ids.push(await execution(owner, 'completed', { finishedAgoMs: 2 * DAY_MS }));
    await t.services.retention.set({ assistantId: owner.id, keepDays: 1, updatedById: t.people.admin.id });

    const first = await t.services.retention.sweep({ batchSize: 5, maxBatches: 2 });
    expect(first).toMatchObject({ executions: 10, events: 10 * EVENTS_PER_EXECUTION, batches: 2 });
    const [a, b] = await Promise.all([t.services.retention.sweep({ batchSize: 4 }), t.services.retention.sweep({ batchSize: 4 })]);
    expect(a!.executions + b!.executions).toBe(13);
    expect(a!.events + b!.events).toBe(13 * EVENTS_PER_EXECUTION);
    expect(a!.batches + b!.batches).toBeGreaterThanOrEqual(4);
    expect(await surviving(ids)).toEqual([]);
  });
});

describe('retention policies', () => {
  it('sets, replaces and removes policies, each change in the audit log', async () => {
    const admin = await t.caller('admin');
    const owner = await assistant('retention audited');
    expect(await admin.retention.set({ assistantId: owner.id, keepDays: 90 })).toMatchObject({ keepDays: 90, previousKeepDays: null });
    expect(await admin.retention.set({ assistantId: owner.id, keepDays: 30 })).toMatchObject({ keepDays: 30, previousKeepDays: 90 });
    const [policy] = await admin.retention.policies();
    expect(policy).toMatchObject({ assistantId: owner.id, assistantName: 'retention audited', keepDays: 30, updatedBy: { id: t.people.admin.id } });

    const [changed] = (await admin.audit.list({ action: 'retention-set', limit: 1 })).items;
    expect(changed).toMatchObject({ actor: { id: t.people.admin.id }, details: { assistantId: owner.id, keepDays: 30, previousKeepDays: 90 } });

    expect(await admin.retention.remove({ assistantId: owner.id })).toEqual({ removed: true });
    expect(await admin.retention.remove({ assistantId: owner.id })).toEqual({ removed: false });
    expect(await admin.retention.policies()).toEqual([]);
    const removals = (await admin.audit.list({ action: 'retention-removed' })).items;
    expect(removals).toHaveLength(1);
    expect(removals[0]).toMatchObject({ details: { assistantId: owner.id, keepDays: 30 } });
  });

  it('answers bad input with a clear error and changes nothing', async () => {
    const admin = await t.caller('admin');
    await expect(admin.retention.set({ keepDays: 0 })).rejects.toMatchObject({ code: 'BAD_REQUEST', message: expect.stringContaining('at least 1 day') });
    await expect(admin.retention.set({ keepDays: -5 })).rejects.toMatchObject({ code: 'BAD_REQUEST', message: expect.stringContaining('at least 1 day') });
    await expect(admin.retention.set({ keepDays: 1e9 })).rejects.toMatchObject({ code: 'BAD_REQUEST', message: expect.stringContaining('at most 36500 days') });
    await expect(admin.retention.set({ keepDays: 1.5 })).rejects.toMatchObject({ code: 'BAD_REQUEST', message: expect.stringContaining('whole number') });
    await expect(admin.retention.set({ keepDays: '7' as unknown as number })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(admin.retention.set({ assistantId: 2_000_000_000, keepDays: 7 })).rejects.toMatchObject({
      code: 'NOT_FOUND',
      message: 'Assistant 2000000000 does not exist',
    });
    await expect(admin.retention.remove({ assistantId: -1 })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    expect(await admin.retention.policies()).toEqual([]);
  });

  it('refuses members', async () => {
    const member = await t.caller('demo');
    await expect(member.retention.policies()).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(member.retention.set({ keepDays: 1 })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(member.retention.remove({})).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(member.retention.runNow()).rejects.toMatchObject({ code: 'FORBIDDEN' });
    expect(await prisma().retentionPolicy.count()).toBe(0);
  });
});

function sortPolicies(policies: unknown): unknown {
  return [...(policies as Array<{ keepDays: number }>)].sort((a, b) => a.keepDays - b.keepDays);
}
