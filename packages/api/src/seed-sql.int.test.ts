import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bindExecutionId as bind, SEED_SQL } from '@aae/db/testing';
import { createTestServices, runDemoToEnd, type TestServices } from './testing/test-services.ts';

let t: TestServices;
let executionIds: number[];
beforeAll(async () => {
  t = await createTestServices();
  const caller = await t.caller('demo');
  executionIds = [];
  for (const topic of ['wind farms', 'soil health']) executionIds.push((await runDemoToEnd(caller, t.demoAssistantId, { topic })).executionId);
});
afterAll(() => t?.close());

const query = <T>(sql: string, ...params: unknown[]) => t.services.database.prisma.$queryRawUnsafe<T[]>(sql, ...params);

describe('the seed document’s SQL runs unmodified against the store', () => {
  it('reads an execution’s history in order, with the seed’s columns and the same events as the store', async () => {
    const executionId = executionIds[0]!;
    const rows = await query<{ id: bigint; execution_id: number; event_type: string; event_data: { eventId: string }; created_at: Date }>(
      bind(SEED_SQL.history),
      executionId,
    );
    const stored = await t.services.events.getExecutionEvents(executionId);
    // created_at strictly increases within an execution, so the seed's ORDER BY is the stored order.
    expect(rows.map((row) => row.event_data.eventId)).toEqual(stored.map((event) => event.eventData.eventId));
    const sequenceOf = new Map(stored.map((event) => [event.eventData.eventId, event.sequence]));
    const bySeedOrder = rows.map((row) => ({ time: row.created_at.getTime(), sequence: sequenceOf.get(row.event_data.eventId)! }));
    expect(bySeedOrder.map((row) => row.sequence).sort((a, b) => a - b)).toEqual(stored.map((event) => event.sequence));
    for (const [index, row] of bySeedOrder.entries()) {
      const previous = bySeedOrder[index - 1];
      if (previous && previous.time < row.time) expect(previous.sequence).toBeLessThan(row.sequence);
    }
    expect(rows.every((row) => row.execution_id === executionId && row.created_at instanceof Date)).toBe(true);
    expect(rows.map((row) => row.created_at.toISOString())).toEqual(
      [...stored].sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime()).map((event) => event.eventData.timestamp),
    );
  });

  it('computes the average prompt duration the events report', async () => {
    const executionId = executionIds[0]!;
    const [row] = await query<{ avg_duration_ms: unknown }>(bind(SEED_SQL.averagePromptDuration), executionId);
    const durations = (await t.services.events.getExecutionEventsByType(executionId, 'prompt-complete')).map((e) => e.eventData.duration);
    expect(durations).toHaveLength(3);
    const mean = durations.reduce((sum, d) => sum + d, 0) / durations.length;
    expect(Number(row!.avg_duration_ms)).toBeCloseTo(mean, 6);
  });

  it('answers the knowledge and repository questions (none used by the demo assistant)', async () => {
    expect(await query(bind(SEED_SQL.knowledgePrompts), executionIds[0])).toEqual([]);
    expect(await query(SEED_SQL.mostUsedRepositories)).toEqual([]);
  });

  it('computes average execution time and error rate by tool', async () => {
    const [byTime] = await query<{ tool_name: string; avg_duration_ms: unknown }>(SEED_SQL.averageExecutionTimeByTool);
    expect(byTime!.tool_name).toBe('Research Brief Writer');
    expect(Number(byTime!.avg_duration_ms)).toBeGreaterThanOrEqual(0);
    const [byError] = await query<{ tool_name: string; error_rate: number }>(SEED_SQL.errorRateByTool);
    expect(byError).toEqual({ tool_name: 'Research Brief Writer', error_rate: 0 });
  });

  it('rolls back: the table and its enum type are dropped', async () => {
    // Last, since it destroys the table for the rest of this file's database.
    await t.services.buffer.flush();
    await t.services.database.prisma.$executeRawUnsafe(SEED_SQL.rollback.split(';')[0]!);
    await t.services.database.prisma.$executeRawUnsafe(SEED_SQL.rollback.split(';')[1]!);
    const remaining = await query<{ n: bigint }>(
      `SELECT count(*) AS n FROM pg_catalog.pg_class WHERE relname = 'assistant_architect_events'
       UNION ALL SELECT count(*) FROM pg_catalog.pg_type WHERE typname = 'assistant_event_type'`,
    );
    expect(remaining.map((row) => Number(row.n))).toEqual([0, 0]);
  });
});
