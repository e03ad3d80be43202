import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestServices, runDemoToEnd, type TestServices } from './testing/test-services.ts';

/**
 * The seed document's SQL, character for character, except that its `:executionId`
 * placeholder is bound as `$1`.
 */
const SEED_SQL = {
  history: `
SELECT
  id,
  execution_id,
  event_type,
  event_data,
  created_at
FROM assistant_architect_events
WHERE execution_id = :executionId
ORDER BY created_at ASC;`,
  knowledgePrompts: `
-- Find all prompts that used knowledge retrieval
SELECT event_data->>'promptId' as prompt_id,
       event_data->>'documentsFound' as docs_found
FROM assistant_architect_events
WHERE event_type = 'knowledge-retrieved'::assistant_event_type
  AND execution_id = :executionId;`,
  averagePromptDuration: `
-- Calculate average prompt duration
SELECT AVG((event_data->>'duration')::integer) as avg_duration_ms
FROM assistant_architect_events
WHERE event_type = 'prompt-complete'::assistant_event_type
  AND execution_id = :executionId;`,
  averageExecutionTimeByTool: `
-- Average execution time by tool
SELECT
  start_event.event_data->>'toolName' as tool_name,
  AVG(
    EXTRACT(EPOCH FROM (complete_event.created_at - start_event.created_at)) * 1000
  ) as avg_duration_ms
FROM assistant_architect_events start_event
JOIN assistant_architect_events complete_event
  ON start_event.execution_id = complete_event.execution_id
WHERE start_event.event_type = 'execution-start'::assistant_event_type
  AND complete_event.event_type = 'execution-complete'::assistant_event_type
GROUP BY tool_name;`,
  mostUsedRepositories: `
-- Most used repositories
SELECT
  jsonb_array_elements_text(event_data->'repositories') as repository_id,
  COUNT(*) as usage_count
FROM assistant_architect_events
WHERE event_type = 'knowledge-retrieval-start'::assistant_event_type
GROUP BY repository_id
ORDER BY usage_count DESC;`,
  errorRateByTool: `
-- Error rate by tool
SELECT
  start_event.event_data->>'toolName' as tool_name,
  COUNT(error_event.id)::float / COUNT(start_event.id) as error_rate
FROM assistant_architect_events start_event
LEFT JOIN assistant_architect_events error_event
  ON start_event.execution_id = error_event.execution_id
  AND error_event.event_type = 'execution-error'::assistant_event_type
WHERE start_event.event_type = 'execution-start'::assistant_event_type
GROUP BY tool_name;`,
  rollback: `
DROP TABLE IF EXISTS assistant_architect_events;
DROP TYPE IF EXISTS assistant_event_type;`,
};

const bind = (sql: string) => sql.replaceAll(':executionId', '$1');

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
    // Events stamped within one millisecond share a created_at, so the seed's ORDER BY may swap
    // those; it never contradicts the stored (sequence) order across different times.
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
