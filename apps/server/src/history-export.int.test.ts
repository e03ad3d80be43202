import type { AaeClient } from '@aae/client';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoAssistantIdOf, startTestApp, type TestApp, type TestPerson } from './testing/test-app.ts';

let app: TestApp;

/** Executions per person, enough that an export crosses its pages of executions and its chunks of events. */
const RUNS = { demo: 1_010, admin: 100 } as const;

/**
 * Stores `count` finished executions of `person` with 2–10 events each (an `execution-start`, then
 * `progress` events whose messages hold quotes, commas, new lines and non-ASCII text), three at
 * a time sharing one creation time, so that the list's order breaks ties by id.
 */
async function storeHistory(person: TestPerson, assistantId: number, count: number) {
  const userId = app.people[person].id;
  await app.database.prisma.$executeRaw`
    INSERT INTO executions (assistant_id, user_id, status, total_tokens, created_at, started_at, finished_at)
    SELECT ${assistantId}, ${userId}, 'completed', g % 7, t, t, t + (g % 5) * interval '1 second'
    FROM generate_series(1, ${count}) g, LATERAL (SELECT timestamptz '2026-06-01' + (g / 3) * interval '1 minute' AS t) times`;
  await app.database.prisma.$executeRaw`
    INSERT INTO assistant_architect_events (execution_id, sequence, event_type, event_data, created_at)
    SELECT e.id, s, CASE WHEN s = 1 THEN 'execution-start' ELSE 'progress' END::assistant_event_type,
      CASE WHEN s = 1
        THEN jsonb_build_object('executionId', e.id, 'totalPrompts', 1, 'toolName', 'History')
        ELSE jsonb_build_object('currentStep', s, 'totalSteps', 9, 'percentage', s * 10, 'message', format('step %s, "quoted"' || chr(10) || ' é ✓ \\ end', s))
      END || jsonb_build_object('eventId', format('evt_%s_%s', e.id, s), 'timestamp', to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')),
      at
    FROM executions e, generate_series(1, 2 + e.id % 9) s, LATERAL (SELECT e.created_at + s * interval '1 millisecond' AS at) times
    WHERE e.user_id = ${userId}`;
}

beforeAll(async () => {
  app = await startTestApp();
  const assistantId = await demoAssistantIdOf(app);
  await storeHistory('demo', assistantId, RUNS.demo);
  await storeHistory('admin', assistantId, RUNS.admin);
});
afterAll(() => app?.stop());

const get = (path: string, person: TestPerson) => fetch(`${app.url}${path}`, { headers: { authorization: `Bearer ${app.tokenOf(person)}` } });

/** The ids `executions.list` gives `client`, page by page, in its order. */
async function listedExecutions(client: AaeClient, filters: { userName?: string } = {}): Promise<number[]> {
  const ids: number[] = [];
  let cursor: string | undefined;
  do {
    const page = await client.executions.list.query({ ...filters, limit: 100, cursor });
    ids.push(...page.items.map((item) => item.id));
    cursor = page.nextCursor ?? undefined;
  } while (cursor !== undefined);
  return ids;
}

/** What `events.list` returns for each of `executionIds`, in that order, as an export writes it. */
async function listedEvents(client: AaeClient, executionIds: readonly number[]) {
  const pages = await Promise.all(executionIds.map((executionId) => client.events.list.query({ executionId, limit: 1000 })));
  return pages.flatMap((page) => {
    expect(page.nextCursor).toBeNull();
    return page.items.map(({ id, executionId, sequence, eventType, createdAt, eventData }) => ({
      id,
      executionId,
      sequence,
      eventType,
      createdAt: createdAt.toISOString(),
      eventData,
    }));
  });
}

const lines = (text: string) =>
  text
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as unknown);

function csvRecords(text: string) {
  return (parse(text, { columns: true }) as Array<Record<string, string>>).map((row) => ({
    id: Number(row.id),
    executionId: Number(row.execution_id),
    sequence: Number(row.sequence),
    eventType: row.event_type,
    createdAt: row.created_at,
    eventData: JSON.parse(row.event_data!) as { eventId: string },
    eventId: row.event_id,
  }));
}

/** The member's whole history as events.list returns it (read once: it is a thousand calls). */
let demoHistory: Promise<{ executionIds: number[]; events: Awaited<ReturnType<typeof listedEvents>> }> | undefined;
function historyOfDemo() {
  demoHistory ??= listedExecutions(app.client('demo')).then(async (executionIds) => ({
    executionIds,
    events: await listedEvents(app.client('demo'), executionIds),
  }));
  return demoHistory;
}

// A thousand events.list calls make the expected rows: slow on a loaded machine, however correct.
describe('exports of a large history', { timeout: 300_000 }, () => {
  it('write exactly what events.list returns, row for row, in every format', async () => {
    const { executionIds, events: expected } = await historyOfDemo();
    expect(executionIds).toHaveLength(RUNS.demo);
    expect(expected.length).toBeGreaterThan(5_000);

    expect(lines(await (await get('/api/events.ndjson', 'demo')).text())).toEqual(expected);
    expect(await (await get('/api/events.json', 'demo')).json()).toEqual(expected);
    const csv = csvRecords(await (await get('/api/events.csv', 'demo')).text());
    expect(csv.map(({ eventId: _eventId, ...row }) => row)).toEqual(expected);
    expect(csv.every((row) => row.eventId === row.eventData.eventId)).toBe(true);
  });

  it('gives a member their own executions’ events only, and an admin anyone’s by filter', async () => {
    const demo = await historyOfDemo();
    const own = lines(await (await get('/api/events.ndjson?type=execution-start', 'demo')).text()) as Array<{ executionId: number; eventType: string }>;
    expect(own.map((event) => event.executionId)).toEqual(demo.executionIds);
    expect(new Set(own.map((event) => event.eventType))).toEqual(new Set(['execution-start']));

    const admin = app.client('admin');
    const adminIds = await listedExecutions(admin);
    expect(adminIds.length).toBeGreaterThanOrEqual(RUNS.demo + RUNS.admin);
    const everyone = lines(await (await get('/api/events.ndjson?type=execution-start', 'admin')).text()) as Array<{ executionId: number }>;
    expect(everyone.map((event) => event.executionId)).toEqual(adminIds);
    expect(await listedExecutions(admin, { userName: 'demo' })).toEqual(demo.executionIds);
    expect(lines(await (await get('/api/events.ndjson?userName=demo', 'admin')).text())).toEqual(demo.events);
  });

  it('writes one execution’s events as events.list returns them', async () => {
    const [executionId] = (await app.client('demo').executions.list.query({ limit: 1 })).items.map((item) => item.id);
    const expected = await listedEvents(app.client('demo'), [executionId!]);
    expect(lines(await (await get(`/api/executions/${executionId}/events.ndjson`, 'demo')).text())).toEqual(expected);
    expect((await get(`/api/executions/${executionId}/events.ndjson`, 'admin')).status).toBe(200);
  });
});
