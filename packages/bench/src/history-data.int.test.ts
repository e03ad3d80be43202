import { createTestDatabase, testDatabaseKind, testPostgresUrl, type TestDatabase } from '@aae/db/testing';
import { formatEventId, isTerminalEventType, parseStoredEvent, type StoredEvent } from '@aae/events';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateHistory, type HistorySummary } from './history-data.ts';

const UNTIL = new Date('2026-11-30T12:00:00Z');
const OPTIONS = { events: 2_000, seed: 7, days: 14, until: UNTIL };

interface Generated {
  database: TestDatabase;
  client: pg.Client;
  summary: HistorySummary;
}

async function generate(): Promise<Generated> {
  const database = await createTestDatabase('postgres', testPostgresUrl());
  const client = new pg.Client({ connectionString: database.url! });
  await client.connect();
  return { database, client, summary: await generateHistory(client, OPTIONS) };
}

interface ExecutionRow {
  id: number;
  assistant_id: number;
  user_id: number;
  status: 'pending' | 'running' | 'completed' | 'failed';
  total_tokens: number;
  error: string | null;
  created_us: string;
  started_us: string | null;
  finished_us: string | null;
}

/** Rows by a key, in their order (Node 20 has no `Map.groupBy`). */
function groupBy<T, K>(rows: readonly T[], keyOf: (row: T) => K): Map<K, T[]> {
  const groups = new Map<K, T[]>();
  for (const row of rows) {
    const key = keyOf(row);
    const group = groups.get(key);
    if (group) group.push(row);
    else groups.set(key, [row]);
  }
  return groups;
}

// The generator writes through a PostgreSQL server connection; PGlite has none to give it.
describe.skipIf(testDatabaseKind() !== 'postgres')('generateHistory', () => {
  let first: Generated;
  let events: Array<StoredEvent & { us: number }>;
  let executions: ExecutionRow[];

  beforeAll(async () => {
    first = await generate();
    const { rows } = await first.client.query<{
      id: string;
      execution_id: number;
      sequence: number;
      event_type: string;
      event_data: unknown;
      created_at: Date;
      us: string;
    }>(
      `SELECT id, execution_id, sequence, event_type::text, event_data, created_at, (EXTRACT(EPOCH FROM created_at) * 1000000)::bigint AS us
       FROM assistant_architect_events ORDER BY execution_id, sequence`,
    );
    // Every stored row through the contract's own parser: the payload must match its type's schema.
    events = rows.map((row) => ({
      ...parseStoredEvent({
        id: Number(row.id),
        executionId: row.execution_id,
        sequence: row.sequence,
        eventType: row.event_type,
        eventData: row.event_data,
        createdAt: row.created_at,
      }),
      us: Number(row.us),
    }));
    executions = (
      await first.client.query<ExecutionRow>(
        `SELECT id, assistant_id, user_id, status, total_tokens, error,
           (EXTRACT(EPOCH FROM created_at) * 1000000)::bigint AS created_us,
           (EXTRACT(EPOCH FROM started_at) * 1000000)::bigint AS started_us,
           (EXTRACT(EPOCH FROM finished_at) * 1000000)::bigint AS finished_us
         FROM executions ORDER BY id`,
      )
    ).rows;
  });

  afterAll(async () => {
    await first?.client.end();
    await first?.database.close();
  });

  it('writes exactly the events asked for, and the counts it reports', () => {
    const { summary } = first;
    expect(events).toHaveLength(OPTIONS.events);
    expect(summary.events).toBe(OPTIONS.events);
    expect(executions).toHaveLength(summary.executions);
    for (const status of ['completed', 'failed', 'running', 'pending'] as const) {
      expect(executions.filter((row) => row.status === status).length, status).toBe(summary.byStatus[status]);
    }
    expect(summary.byStatus.running).toBeGreaterThan(0);
    expect(summary.byStatus.pending).toBeGreaterThan(0);
    const byType = groupBy(events, (event) => event.eventType);
    for (const [type, count] of Object.entries(summary.eventsByType)) expect(byType.get(type as StoredEvent['eventType'])?.length, type).toBe(count);
    expect(summary.people).toBe(50);
    expect(summary.admins).toBeGreaterThan(0);
    expect(summary.assistants).toBe(30);
    expect(summary.repositories).toBe(20);
    // About ten events per execution, some failing, one member running about a tenth of them.
    expect(summary.events / summary.executions).toBeGreaterThan(7);
    expect(summary.events / summary.executions).toBeLessThan(14);
    expect(summary.byStatus.failed / summary.executions).toBeGreaterThan(0.02);
    expect(summary.byStatus.failed / summary.executions).toBeLessThan(0.2);
    const heavy = executions.filter((row) => row.user_id === summary.heavyMember.id).map((row) => row.id);
    expect(heavy).toHaveLength(summary.heavyMember.executions);
    const heavyEvents = events.filter((event) => heavy.includes(event.executionId)).length;
    expect(heavyEvents).toBe(summary.heavyMember.events);
    expect(heavyEvents / OPTIONS.events).toBeGreaterThan(0.04);
    expect(heavyEvents / OPTIONS.events).toBeLessThan(0.2);
  });

  it('gives each execution sequences 1..n, strictly increasing times, and stamps as the recorder makes them', () => {
    const byExecution = groupBy(events, (event) => event.executionId);
    for (const [executionId, list] of byExecution) {
      list.forEach((event, index) => {
        expect(event.sequence).toBe(index + 1);
        expect(event.eventData.eventId).toBe(formatEventId(executionId, event.sequence));
        expect(event.eventData.timestamp).toBe(new Date(Math.floor(event.us / 1000)).toISOString());
        if (index > 0) expect(event.us).toBeGreaterThan(list[index - 1]!.us);
        if ('executionId' in event.eventData) expect(event.eventData.executionId).toBe(executionId);
      });
    }
  });

  it('keeps executions, their events and prompt results consistent', async () => {
    const byExecution = groupBy(events, (event) => event.executionId);
    const results = groupBy(
      (
        await first.client.query<{ execution_id: number; prompt_id: number; input_tokens: number; output_tokens: number }>(
          'SELECT execution_id, prompt_id, input_tokens, output_tokens FROM prompt_results',
        )
      ).rows,
      (row) => row.execution_id,
    );
    const prompts = groupBy(
      (await first.client.query<{ id: number; assistant_id: number }>('SELECT id, assistant_id FROM assistant_prompts')).rows,
      (row) => row.assistant_id,
    );
    const assistantNames = new Map(
      (await first.client.query<{ id: number; name: string }>('SELECT id, name FROM assistants')).rows.map((row) => [row.id, row.name]),
    );
    for (const execution of executions) {
      const list = byExecution.get(execution.id) ?? [];
      const terminals = list.filter((event) => isTerminalEventType(event.eventType));
      const own = new Set((prompts.get(execution.assistant_id) ?? []).map((row) => row.id));
      const completes = list.flatMap((event) => (event.eventType === 'prompt-complete' ? [event] : []));
      const stored = results.get(execution.id) ?? [];
      expect(stored.map((row) => row.prompt_id).sort()).toEqual(completes.map((event) => event.eventData.promptId).sort());
      for (const row of stored) {
        expect(completes.find((event) => event.eventData.promptId === row.prompt_id)?.eventData.outputTokens).toBe(row.output_tokens);
      }
      for (const event of list) {
        if ('promptId' in event.eventData && event.eventData.promptId !== undefined) expect(own.has(event.eventData.promptId)).toBe(true);
      }
      if (execution.status === 'pending') {
        expect(list).toHaveLength(0);
        expect(execution.started_us).toBeNull();
        continue;
      }
      const start = list[0]!;
      if (start.eventType === 'execution-start') expect(start.eventData.toolName).toBe(assistantNames.get(execution.assistant_id));
      if (execution.status === 'running') {
        expect(start.eventType).toBe('execution-start');
        expect(terminals).toHaveLength(0);
        expect(execution.finished_us).toBeNull();
        continue;
      }
      expect(terminals).toHaveLength(1);
      const terminal = list.at(-1)!;
      expect(terminal).toBe(terminals[0]);
      expect(Number(execution.finished_us)).toBeGreaterThanOrEqual(terminal.us);
      if (execution.status === 'completed') {
        expect(start.eventType).toBe('execution-start');
        expect(terminal.eventType).toBe('execution-complete');
        const tokens = stored.reduce((sum, row) => sum + row.input_tokens + row.output_tokens, 0);
        expect(terminal.eventType === 'execution-complete' && terminal.eventData.totalTokens).toBe(tokens);
        expect(execution.total_tokens).toBe(tokens);
        expect(execution.error).toBeNull();
      } else {
        expect(terminal.eventType).toBe('execution-error');
        expect(terminal.eventType === 'execution-error' && terminal.eventData.error).toBe(execution.error);
      }
      // Queued before it ran, ran before its first event (a cancelled one may never have started).
      if (execution.started_us !== null) {
        expect(Number(execution.started_us)).toBeGreaterThanOrEqual(Number(execution.created_us));
        expect(start.us).toBeGreaterThanOrEqual(Number(execution.started_us));
      }
    }
  });

  it('spreads executions over the days asked for, ending at `until`', () => {
    const created = executions.map((row) => Number(row.created_us) / 1000);
    expect(Math.min(...created)).toBeGreaterThanOrEqual(first.summary.from.getTime());
    expect(Math.max(...created)).toBeLessThan(UNTIL.getTime());
    // Queued in id order, as the queue does.
    expect(created).toEqual([...created].sort((a, b) => a - b));
    const days = new Set(created.map((ms) => Math.floor(ms / 86_400_000)));
    expect(days.size).toBeGreaterThanOrEqual(OPTIONS.days - 1);
  });

  it('writes the same rows again for the same seed', async () => {
    const second = await generate();
    try {
      const fingerprint = async (client: pg.Client) =>
        (
          await client.query<{ events: string; executions: string; results: string }>(
            `SELECT
               (SELECT md5(string_agg(concat_ws('|', execution_id, sequence, event_type, event_data::text, created_at), ',' ORDER BY execution_id, sequence)) FROM assistant_architect_events) AS events,
               (SELECT md5(string_agg(concat_ws('|', id, assistant_id, user_id, status, total_tokens, error, created_at, started_at, finished_at), ',' ORDER BY id)) FROM executions) AS executions,
               (SELECT md5(string_agg(concat_ws('|', execution_id, prompt_id, output, output_tokens), ',' ORDER BY execution_id, prompt_id)) FROM prompt_results) AS results`,
          )
        ).rows[0];
      expect(await fingerprint(second.client)).toEqual(await fingerprint(first.client));
      expect({ ...second.summary, elapsedMs: 0 }).toEqual({ ...first.summary, elapsedMs: 0 });
    } finally {
      await second.client.end();
      await second.database.close();
    }
  });
});
