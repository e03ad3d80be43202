import { getExecutionEvents, getExecutionEventsByType, type AaeClient } from '@aae/client';
import { createDatabase, type PostgresEventBus } from '@aae/db';
import { testDatabaseKind } from '@aae/db/testing';
import { defaultReply, startFakeProvider, type FakeProvider } from '@aae/engine/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { collectExecutionEvents, collectExecutionOutput } from './testing/subscription.ts';
import { startTestApp, type TestApp } from './testing/test-app.ts';

let provider: FakeProvider;
let app: TestApp;

const services = (baseURL: string) => ({
  providers: [{ name: 'loop', baseURL, apiKey: 'k', models: ['chat-1'], embeddingModels: [] }],
  providerRetry: { attempts: 3, baseMs: 10, maxMs: 50 },
  runner: { heartbeatMs: 200 },
});

beforeAll(async () => {
  provider = await startFakeProvider();
  app = await startTestApp({ services: services(provider.baseURL) });
});
afterAll(async () => {
  await app?.stop();
  await provider?.close();
});
afterEach(() => {
  provider.reply = defaultReply;
});

type PromptInput = Parameters<AaeClient['assistants']['create']['mutate']>[0]['prompts'][number];
async function createAssistant(client: AaeClient, name: string, prompts: PromptInput[]) {
  return client.assistants.create.mutate({
    name,
    inputVariables: [{ name: 'topic', label: 'Topic', type: 'text', required: true }],
    prompts,
  });
}

async function runToEnd(client: AaeClient, assistantId: number, topic = 'estuaries') {
  const { executionId } = await client.executions.execute.mutate({ assistantId, input: { topic } });
  const stream = collectExecutionEvents(client, { executionId });
  await stream.completed;
  return { executionId, events: stream.events };
}

describe('the engine through the whole server', () => {
  it('streams a provider’s text live to onExecutionOutput; the stored output is the same text', async () => {
    const client = app.client('demo');
    provider.reply = () => ({
      kind: 'text',
      text: 'Estuaries mix fresh and salt water.',
      chunkSize: 4,
      chunkDelayMs: 15,
      usage: { prompt_tokens: 12, completion_tokens: 8 },
    });
    const assistant = await createAssistant(client, 'Provider run', [{ name: 'Ask', position: 1, modelId: 'loop/chat-1', content: 'Tell me about {{topic}}' }]);
    const { executionId } = await client.executions.execute.mutate({ assistantId: assistant.id, input: { topic: 'estuaries' } });
    const output = collectExecutionOutput(client, { executionId });
    await collectExecutionEvents(client, { executionId }).completed;
    await output.completed;
    const execution = await client.executions.get.query({ executionId });
    expect(execution.promptResults[0]!.output).toBe('Estuaries mix fresh and salt water.');
    expect(output.deltas.length).toBeGreaterThan(3);
    expect(output.text()).toBe(execution.promptResults[0]!.output);
    const [complete] = await getExecutionEventsByType(client, executionId, 'prompt-complete');
    expect(complete!.eventData.outputTokens).toBe(8);
    expect(execution.totalTokens).toBe(20);
  });

  it('answers an identical prompt from the cache: cached is true and the model is not called', async () => {
    const client = app.client('demo');
    const assistant = await createAssistant(client, 'Cached', [
      { name: 'One', position: 1, modelId: 'loop/chat-1', content: 'Define {{topic}}' },
      { name: 'Two', position: 2, modelId: 'local', content: 'Summarise {{output:One}}' },
    ]);
    const first = await runToEnd(client, assistant.id, 'lagoons');
    const callsAfterFirst = provider.chatRequests.length;
    const second = await runToEnd(client, assistant.id, 'lagoons');
    expect(provider.chatRequests.length).toBe(callsAfterFirst);
    const cachedFlags = (events: typeof first.events) => events.flatMap((event) => (event.eventType === 'prompt-complete' ? [event.eventData.cached] : []));
    expect(cachedFlags(first.events)).toEqual([false, false]);
    expect(cachedFlags(second.events)).toEqual([true, true]);
    const [a, b] = await Promise.all([first, second].map((run) => client.executions.get.query({ executionId: run.executionId })));
    expect(b!.promptResults.map((r) => r.output)).toEqual(a!.promptResults.map((r) => r.output));
    expect(b!.promptResults.every((r) => r.cached)).toBe(true);
    // A different input is a different prompt: the model is called again.
    await runToEnd(client, assistant.id, 'fjords');
    expect(provider.chatRequests.length).toBe(callsAfterFirst + 1);
  });

  it('stores tool calls in order with their results', async () => {
    const client = app.client('demo');
    const assistant = await createAssistant(client, 'Tools', [
      { name: 'Compute', position: 1, modelId: 'local', enabledTools: ['calculator'], content: 'For {{topic}}: [[tool:calculator {"expression": "12 * 12"}]]' },
    ]);
    const { executionId, events } = await runToEnd(client, assistant.id);
    expect(events.map((e) => e.eventType)).toEqual([
      'execution-start',
      'prompt-start',
      'variable-substitution',
      'tool-execution-start',
      'tool-execution-complete',
      'progress',
      'prompt-complete',
      'execution-complete',
    ]);
    const [done] = await getExecutionEventsByType(client, executionId, 'tool-execution-complete');
    expect(done!.eventData).toMatchObject({ toolName: 'calculator', success: true, result: { expression: '12 * 12', value: 144 } });
    const execution = await client.executions.get.query({ executionId });
    expect(execution.promptResults[0]!.output).toContain('144');
  });

  it('refuses an assistant with an unknown tool or model, naming it', async () => {
    const client = app.client('demo');
    await expect(
      createAssistant(client, 'Bad tool', [{ name: 'X', position: 1, modelId: 'local', enabledTools: ['teleport'], content: 'x {{topic}}' }]),
    ).rejects.toMatchObject({ data: { code: 'BAD_REQUEST' }, message: expect.stringContaining('unknown tool "teleport"') });
    await expect(createAssistant(client, 'Bad model', [{ name: 'X', position: 1, modelId: 'loop/missing', content: 'x {{topic}}' }])).rejects.toMatchObject({
      data: { code: 'BAD_REQUEST' },
      message: expect.stringContaining('unknown model "loop/missing"'),
    });
  });

  it('cancels a running execution for its owner; others are refused and a finished one is a conflict', async () => {
    const demo = app.client('demo');
    provider.reply = () => ({ kind: 'text', text: 'slowly '.repeat(200), chunkSize: 7, chunkDelayMs: 20 });
    const assistant = await createAssistant(demo, 'Slow', [{ name: 'Slow', position: 1, modelId: 'loop/chat-1', content: 'Take your time on {{topic}}' }]);
    const { executionId } = await demo.executions.execute.mutate({ assistantId: assistant.id, input: { topic: 'x' } });
    const stream = collectExecutionEvents(demo, { executionId });
    await stream.received(2);
    await expect(app.client('admin').executions.get.query({ executionId })).resolves.toMatchObject({ status: 'running' });
    // Someone else's execution is, to them, one that does not exist.
    await expect(app.client('other').executions.cancel.mutate({ executionId })).rejects.toMatchObject({ data: { code: 'NOT_FOUND' } });
    await expect(demo.executions.cancel.mutate({ executionId })).resolves.toMatchObject({ cancelled: true, stoppedHere: true });
    await stream.completed;
    const last = stream.events.at(-1)!;
    expect(last.eventType).toBe('execution-error');
    expect(last.eventData).toMatchObject({ error: 'Execution was cancelled by demo', recoverable: true });
    await expect(demo.executions.get.query({ executionId })).resolves.toMatchObject({ status: 'failed', cancelRequestedBy: 'demo' });
    await expect(demo.executions.cancel.mutate({ executionId })).rejects.toMatchObject({
      data: { code: 'CONFLICT' },
      message: `Execution ${executionId} has already finished`,
    });
  });

  it('ends a prompt that runs past its timeout with a recoverable error', async () => {
    const client = app.client('demo');
    provider.reply = () => ({ kind: 'text', text: 'drip '.repeat(200), chunkSize: 5, chunkDelayMs: 20 });
    const assistant = await createAssistant(client, 'Timeout', [
      { name: 'Late', position: 1, modelId: 'loop/chat-1', timeoutMs: 1_000, content: 'Go on about {{topic}}' },
    ]);
    const { events } = await runToEnd(client, assistant.id);
    expect(events.at(-1)!.eventData).toMatchObject({ error: 'Prompt "Late" timed out after 1000 ms', recoverable: true });
  });

  it('runs prompts that share a position together; every reader sees the one stored order', async () => {
    const client = app.client('demo');
    provider.reply = () => ({ kind: 'text', text: 'parallel words flowing', chunkSize: 3, chunkDelayMs: 10 });
    const assistant = await createAssistant(client, 'Parallel', [
      { name: 'A', position: 1, modelId: 'loop/chat-1', content: 'A on {{topic}}' },
      { name: 'B', position: 1, modelId: 'loop/chat-1', content: 'B on {{topic}}' },
      { name: 'C', position: 1, modelId: 'local', content: 'C on {{topic}}' },
      { name: 'Join', position: 2, modelId: 'local', content: '{{output:A}} {{output:B}} {{output:C}}' },
    ]);
    const { executionId } = await client.executions.execute.mutate({ assistantId: assistant.id, input: { topic: 'reefs' } });
    const readers = [collectExecutionEvents(client, { executionId }), collectExecutionEvents(app.client('admin'), { executionId })];
    await Promise.all(readers.map((reader) => reader.completed));
    const stored = await getExecutionEvents(client, executionId);
    for (const reader of readers) expect(reader.events.map((e) => e.sequence)).toEqual(stored.map((e) => e.sequence));
    const types = stored.map((e) => e.eventType);
    // All three parallel prompts started before the first of them completed.
    expect(types.slice(0, 4)).toEqual(['execution-start', 'prompt-start', 'variable-substitution', 'prompt-start']);
    const firstComplete = types.indexOf('prompt-complete');
    expect(types.slice(0, firstComplete).filter((t) => t === 'prompt-start')).toHaveLength(3);
    expect(types.filter((t) => t === 'execution-complete')).toHaveLength(1);
  });
});

describe.skipIf(testDatabaseKind() !== 'postgres')('cancelling from another server process', () => {
  it('stops the run on the process that runs it within a heartbeat', async () => {
    // Serves only: the run stays on the first process, whichever claims first.
    const other = await startTestApp({
      role: 'api',
      database: createDatabase({ databaseUrl: app.database.connectionString }),
      services: services(provider.baseURL),
    });
    try {
      await (other.services.bus as PostgresEventBus).ready;
      provider.reply = () => ({ kind: 'text', text: 'slowly '.repeat(300), chunkSize: 7, chunkDelayMs: 20 });
      const client = app.client('demo');
      const assistant = await createAssistant(client, 'Slow elsewhere', [{ name: 'Slow', position: 1, modelId: 'loop/chat-1', content: 'Slow {{topic}}' }]);
      const { executionId } = await client.executions.execute.mutate({ assistantId: assistant.id, input: { topic: 'x' } });
      const stream = collectExecutionEvents(other.client('demo'), { executionId });
      await stream.received(2);
      await expect(other.client('admin').executions.cancel.mutate({ executionId })).resolves.toMatchObject({ stoppedHere: false });
      await stream.completed;
      expect(stream.events.at(-1)!.eventData).toMatchObject({ error: 'Execution was cancelled by admin', recoverable: true });
    } finally {
      await other.stop();
    }
  });
});
