import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestServices, runDemoToEnd, type TestServices } from '../testing/test-services.ts';

let t: TestServices;
beforeAll(async () => {
  t = await createTestServices();
});
afterAll(() => t?.close());

describe('SSE event emission (the seed document’s unit cases)', () => {
  it('stores one execution-start with totalPrompts 3', async () => {
    const caller = await t.caller('demo');
    const { executionId } = await runDemoToEnd(caller, t.demoAssistantId);
    const events = await t.services.events.getExecutionEventsByType(executionId, 'execution-start');
    expect(events).toHaveLength(1);
    expect(events[0]!.eventData.totalPrompts).toBe(3);
    expect(events[0]!.eventData.executionId).toBe(executionId);
    expect(events[0]!.eventData.toolName).toBe('Research Brief Writer');
  });

  it('emits prompt events in order', async () => {
    const caller = await t.caller('demo');
    const { executionId } = await runDemoToEnd(caller, t.demoAssistantId);
    const events = await t.services.events.getExecutionEvents(executionId);
    const promptEvents = events.filter((e) => e.eventType === 'prompt-start' || e.eventType === 'prompt-complete');
    expect(promptEvents[0]!.eventType).toBe('prompt-start');
    expect(promptEvents[1]!.eventType).toBe('prompt-complete');
    // And for every prompt: start, then complete, for the same prompt, positions 1..3.
    expect(promptEvents.map((e) => e.eventType)).toEqual([
      'prompt-start',
      'prompt-complete',
      'prompt-start',
      'prompt-complete',
      'prompt-start',
      'prompt-complete',
    ]);
    const starts = await t.services.events.getExecutionEventsByType(executionId, 'prompt-start');
    expect(starts.map((e) => e.eventData.position)).toEqual([1, 2, 3]);
    for (const [index, start] of starts.entries()) {
      expect(promptEvents[index * 2 + 1]!.eventData.promptId).toBe(start.eventData.promptId);
    }
  });

  it('ends every run with exactly one terminal event whose totals match the stored results', async () => {
    const caller = await t.caller('demo');
    const { executionId, events } = await runDemoToEnd(caller, t.demoAssistantId, { topic: 'coral reefs', audience: 'divers' });
    const terminal = events.filter((e) => e.eventType === 'execution-complete' || e.eventType === 'execution-error');
    expect(terminal).toHaveLength(1);
    expect(events.at(-1)).toEqual(terminal[0]);
    const complete = (await t.services.events.getExecutionEventsByType(executionId, 'execution-complete'))[0]!;
    const execution = await caller.executions.get({ executionId });
    expect(execution.status).toBe('completed');
    expect(execution.totalTokens).toBe(complete.eventData.totalTokens);
    expect(complete.eventData.success).toBe(true);
    const completes = await t.services.events.getExecutionEventsByType(executionId, 'prompt-complete');
    expect(execution.promptResults.map((r) => r.outputTokens)).toEqual(completes.map((e) => e.eventData.outputTokens));
    expect(execution.promptResults.every((r) => r.output.length > 0)).toBe(true);
  });

  it('substitutes inputs and earlier outputs, naming the prompts that supplied them', async () => {
    const caller = await t.caller('demo');
    const { executionId } = await runDemoToEnd(caller, t.demoAssistantId, { topic: 'glacier retreat', audience: 'teachers' });
    const [outline, draft, summary] = await t.services.events.getExecutionEventsByType(executionId, 'variable-substitution');
    const starts = await t.services.events.getExecutionEventsByType(executionId, 'prompt-start');
    const execution = await caller.executions.get({ executionId });
    expect(outline!.eventData.variables).toEqual({ topic: 'glacier retreat', audience: 'teachers' });
    expect(outline!.eventData.sourcePrompts).toEqual([]);
    expect(draft!.eventData.sourcePrompts).toEqual([starts[0]!.eventData.promptId]);
    expect(draft!.eventData.variables['output:Outline']).toBe(execution.promptResults[0]!.output);
    expect(summary!.eventData.sourcePrompts).toEqual([starts[1]!.eventData.promptId]);
  });
});

describe('executions: bad input gets a clear error', () => {
  it('refuses a missing required input, naming the variable', async () => {
    const caller = await t.caller('demo');
    await expect(caller.executions.execute({ assistantId: t.demoAssistantId, input: { audience: 'x' } })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
      message: 'Missing required input variable "topic" (Topic)',
    });
    await expect(caller.executions.execute({ assistantId: t.demoAssistantId, input: { topic: '   ' } })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
      message: expect.stringContaining('"topic"'),
    });
  });

  it('refuses an undeclared input, listing the declared ones', async () => {
    const caller = await t.caller('demo');
    await expect(caller.executions.execute({ assistantId: t.demoAssistantId, input: { topic: 'a', colour: 'red' } })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
      message: expect.stringMatching(/"colour".*topic, audience/),
    });
  });

  it('refuses malformed input, naming the field', async () => {
    const caller = await t.caller('demo');
    const error = await caller.executions.execute({ assistantId: 'seven' as unknown as number, input: { topic: 'a' } }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'BAD_REQUEST' });
    expect((error as Error).message).toContain('assistantId');
    const badGet = await caller.executions.get({ executionId: -3 }).catch((e: unknown) => e);
    expect(badGet).toMatchObject({ code: 'BAD_REQUEST' });
    expect((badGet as Error).message).toContain('executionId');
  });

  it('answers NOT_FOUND for an unknown execution or assistant', async () => {
    const caller = await t.caller('admin');
    await expect(caller.executions.get({ executionId: 987_654 })).rejects.toMatchObject({
      code: 'NOT_FOUND',
      message: 'Execution 987654 does not exist',
    });
    await expect(caller.events.list({ executionId: 987_654 })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(caller.executions.execute({ assistantId: 987_654, input: {} })).rejects.toMatchObject({
      code: 'NOT_FOUND',
      message: 'Assistant 987654 does not exist',
    });
  });

  it('hides another person’s execution and events as if they did not exist; an admin may read them', async () => {
    const admin = await t.caller('admin');
    const demo = await t.caller('demo');
    const { executionId } = await runDemoToEnd(admin, t.demoAssistantId);
    const missing = { code: 'NOT_FOUND', message: `Execution ${executionId} does not exist` };
    await expect(demo.executions.get({ executionId })).rejects.toMatchObject(missing);
    await expect(demo.events.list({ executionId })).rejects.toMatchObject(missing);
    await expect(demo.executions.get({ executionId: 987_654 })).rejects.toMatchObject({ code: 'NOT_FOUND', message: 'Execution 987654 does not exist' });
    const own = await runDemoToEnd(demo, t.demoAssistantId);
    expect((await admin.executions.get({ executionId: own.executionId })).userName).toBe('demo');
    const listedForDemo = await demo.executions.list();
    expect(listedForDemo.items.every((item) => item.userName === 'demo')).toBe(true);
    const listedForAdmin = await admin.executions.list({ limit: 100 });
    expect(new Set(listedForAdmin.items.map((item) => item.userName))).toEqual(new Set(['admin', 'demo']));
  });

  it('refuses a caller with no identity', async () => {
    const anonymous = await t.caller(null);
    await expect(anonymous.executions.list()).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
  });

  it('pages executions newest first with a keyset cursor', async () => {
    const caller = await t.caller('demo');
    const all = await caller.executions.list({ limit: 100 });
    const first = await caller.executions.list({ limit: 2 });
    const second = await caller.executions.list({ limit: 2, cursor: first.nextCursor });
    expect([...first.items, ...second.items].map((e) => e.id)).toEqual(all.items.slice(0, 4).map((e) => e.id));
    expect(all.items.map((e) => e.id)).toEqual([...all.items.map((e) => e.id)].sort((a, b) => b - a));
  });

  it('lists summaries without inputs (each up to 200,000 characters); one execution is read with its input', async () => {
    const caller = await t.caller('demo');
    const topic = 'x'.repeat(100_000);
    const { executionId } = await runDemoToEnd(caller, t.demoAssistantId, { topic });
    const [listed] = (await caller.executions.list({ limit: 1 })).items;
    expect(listed).toMatchObject({ id: executionId, status: 'completed' });
    expect(listed).not.toHaveProperty('input');
    expect(JSON.stringify(listed).length).toBeLessThan(1_000);
    expect((await caller.executions.get({ executionId })).input).toEqual({ topic });
  });
});

describe('executions.list: the history browser', () => {
  it('walks every sort order page by page with no gap and no repeat', async () => {
    const admin = await t.caller('admin');
    for (const topic of ['a', 'bb', 'ccc']) await runDemoToEnd(admin, t.demoAssistantId, { topic: `history ${topic}` });
    const all = await admin.executions.list({ limit: 100 });
    expect(all.nextCursor).toBeNull();
    for (const sort of ['createdAt', 'duration', 'tokens'] as const) {
      for (const order of ['asc', 'desc'] as const) {
        const seen: number[] = [];
        let cursor: string | null = null;
        do {
          const page: Awaited<ReturnType<typeof admin.executions.list>> = await admin.executions.list({ limit: 3, sort, order, cursor });
          seen.push(...page.items.map((item) => item.id));
          cursor = page.nextCursor;
        } while (cursor);
        expect([...seen].sort((a, b) => a - b)).toEqual(all.items.map((item) => item.id).sort((a, b) => a - b));
        const values = await Promise.all(seen.map((id) => admin.executions.get({ executionId: id })));
        const key = (e: (typeof values)[number]) =>
          sort === 'createdAt' ? e.createdAt.getTime() : sort === 'tokens' ? e.totalTokens : e.finishedAt!.getTime() - e.startedAt!.getTime();
        for (let i = 1; i < values.length; i++) {
          const [before, after] = [key(values[i - 1]!), key(values[i]!)];
          if (order === 'asc') expect(before).toBeLessThanOrEqual(after);
          else expect(before).toBeGreaterThanOrEqual(after);
        }
      }
    }
  });

  it('filters by user, assistant name, status, date range and event type', async () => {
    const admin = await t.caller('admin');
    const demo = await t.caller('demo');
    const mineOnly = await admin.executions.list({ userName: 'demo', limit: 100 });
    expect(mineOnly.items.length).toBeGreaterThan(0);
    expect(mineOnly.items.every((item) => item.userName === 'demo')).toBe(true);
    expect((await admin.executions.list({ assistantName: 'brief WRITER', limit: 100 })).items.length).toBeGreaterThan(0);
    expect((await admin.executions.list({ assistantName: 'no such assistant' })).items).toEqual([]);
    expect((await admin.executions.list({ status: 'failed' })).items).toEqual([]);
    expect((await admin.executions.list({ from: new Date(Date.now() + 60_000) })).items).toEqual([]);
    expect((await admin.executions.list({ eventType: 'tool-execution-start' })).items).toEqual([]);
    const withSubstitution = await admin.executions.list({ eventType: 'variable-substitution', limit: 100 });
    expect(withSubstitution.items.length).toBe((await admin.executions.list({ limit: 100 })).items.length);
    // A user's filter by someone else's name still shows only their own executions.
    const sneaky = await demo.executions.list({ userName: 'admin', limit: 100 });
    expect(sneaky.items.every((item) => item.userName === 'demo')).toBe(true);
  });

  it('refuses a cursor it did not make', async () => {
    const admin = await t.caller('admin');
    await expect(admin.executions.list({ cursor: 'not-a-cursor' })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
      message: expect.stringContaining('is not a cursor from this list'),
    });
    // A cursor of another sort would start the page at an unrelated place.
    const { nextCursor } = await admin.executions.list({ sort: 'tokens', limit: 1 });
    expect(nextCursor).toBeTruthy();
    await expect(admin.executions.list({ sort: 'duration', cursor: nextCursor })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
      message: expect.stringContaining('sorted by duration, desc'),
    });
    const forged = Buffer.from(JSON.stringify(['createdAt', 'desc', 0, 2 ** 40])).toString('base64url');
    await expect(admin.executions.list({ cursor: forged })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
  });
});

describe('text PostgreSQL cannot store', () => {
  it('refuses a NUL character in an input, naming the field, and stores a NUL that reaches an event as U+FFFD', async () => {
    const caller = await t.caller('demo');
    const refused = await caller.executions.execute({ assistantId: t.demoAssistantId, input: { topic: 'a\u0000b' } }).catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: 'BAD_REQUEST' });
    expect((refused as Error).message).toBe('Invalid input: input.topic: must not contain a NUL character (\\u0000)');
    // A tool directive's JSON escape turns into a real NUL inside the run.
    const assistant = await caller.assistants.create({
      name: 'Escapes',
      inputVariables: [{ name: 'expression', label: 'Expression', type: 'text', required: true }],
      prompts: [
        { name: 'Compute', position: 1, modelId: 'local', enabledTools: ['calculator'], content: '[[tool:calculator {"expression": "{{expression}}"}]]' },
      ],
    });
    const { executionId, events } = await runDemoToEnd(caller, assistant.id, { expression: '1+\\u0000' });
    expect(events.map((event) => event.sequence)).toEqual(events.map((_, index) => index + 1));
    expect(events.at(-1)!.eventType).toBe('execution-complete');
    const [start] = await t.services.events.getExecutionEventsByType(executionId, 'tool-execution-start');
    expect(start!.eventData.parameters).toEqual({ expression: '1+\uFFFD' });
    expect(t.services.buffer.getStats().failed).toBe(0);
  });
});
