import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CancelledError } from './failures.ts';
import type { KnowledgeSearch } from './knowledge.ts';
import { createLocalModel } from './local-model.ts';
import { countTokens, ModelRegistry } from './model.ts';
import { createOpenAICompatibleModels } from './openai-compatible.ts';
import { runAssistant, type PromptDefinition, type RunAssistantOptions } from './run-assistant.ts';
import { createCollectingSink } from './testing/collecting-sink.ts';
import { defaultReply, startFakeProvider, type FakeProvider } from './testing/openai-compatible-server.ts';
import { builtInTools, ToolRegistry } from './tools.ts';

let provider: FakeProvider;
let models: ModelRegistry;

beforeAll(async () => {
  provider = await startFakeProvider();
  const remote = createOpenAICompatibleModels([{ name: 'loop', baseURL: provider.baseURL, apiKey: 'test-key', models: ['chat-1'], embeddingModels: [] }], {
    retry: { attempts: 3, baseMs: 10, maxMs: 40 },
  });
  models = new ModelRegistry([createLocalModel({ chunkDelayMs: 0 }), ...remote.languageModels]);
});
afterAll(() => provider?.close());
afterEach(() => {
  provider.reply = defaultReply;
  provider.chatRequests.length = 0;
});

let nextPromptId = 1;
function prompt(overrides: Partial<PromptDefinition> = {}): PromptDefinition {
  const id = nextPromptId++;
  return { id, name: `P${id}`, position: id, modelId: 'loop/chat-1', content: 'Say something useful.', repositoryIds: [], enabledTools: [], ...overrides };
}

async function run(prompts: PromptDefinition[], extra: Partial<RunAssistantOptions> = {}) {
  const collected = createCollectingSink();
  const outcome = await runAssistant({
    executionId: 1,
    assistant: { name: 'Test assistant', prompts },
    input: {},
    sink: collected.sink,
    models,
    tools: new ToolRegistry(builtInTools),
    ...extra,
  });
  return { outcome, ...collected };
}

describe('runAssistant against an OpenAI-compatible provider on loopback', () => {
  it('streams the text live and reports the provider’s own token usage', async () => {
    provider.reply = () => ({ kind: 'text', text: 'Tides are driven by the moon.', usage: { prompt_tokens: 42, completion_tokens: 9 } });
    const p = prompt({ maxOutputTokens: 50 });
    const { outcome, ofType, deltas, types } = await run([p]);
    expect(types()).toEqual(['execution-start', 'prompt-start', 'prompt-complete', 'execution-complete']);
    expect(deltas.length).toBeGreaterThan(1);
    expect(deltas.map((d) => d.text).join('')).toBe('Tides are driven by the moon.');
    expect(ofType('prompt-complete')[0]!.eventData).toMatchObject({ promptId: p.id, outputTokens: 9, cached: false });
    expect(ofType('execution-complete')[0]!.eventData.totalTokens).toBe(51);
    expect(outcome.status).toBe('completed');
    const request = provider.chatRequests[0]!;
    expect(request).toMatchObject({ model: 'chat-1', stream: true, max_tokens: 50, stream_options: { include_usage: true } });
    expect(JSON.stringify(request.messages)).toContain('Say something useful.');
  });

  it('counts tokens itself when the provider reports no usage', async () => {
    provider.reply = () => ({ kind: 'text', text: 'Five words are here now.', usage: null });
    const { ofType } = await run([prompt()]);
    expect(ofType('prompt-complete')[0]!.eventData.outputTokens).toBe(countTokens('Five words are here now.'));
  });

  it('runs the tools the model calls, reporting each call and its result, with progress per round', async () => {
    provider.reply = (request, index) =>
      index === 0 ? { kind: 'tool-calls', calls: [{ name: 'calculator', arguments: { expression: '6 * 7' } }] } : defaultReply(request);
    const p = prompt({ enabledTools: ['calculator'] });
    const { ofType, types, outcome } = await run([p]);
    expect(outcome.status).toBe('completed');
    expect(types()).toEqual([
      'execution-start',
      'prompt-start',
      'tool-execution-start',
      'tool-execution-complete',
      'progress',
      'prompt-complete',
      'execution-complete',
    ]);
    expect(ofType('prompt-start')[0]!.eventData.hasTools).toBe(true);
    expect(ofType('tool-execution-start')[0]!.eventData).toMatchObject({ promptId: p.id, toolName: 'calculator', parameters: { expression: '6 * 7' } });
    expect(ofType('tool-execution-complete')[0]!.eventData).toMatchObject({ toolName: 'calculator', success: true, result: { value: 42 } });
    expect(ofType('progress')[0]!.eventData).toMatchObject({ currentStep: 1, totalSteps: 5, percentage: 20 });
    // The tool's definition went to the provider, and its result came back in the second request.
    expect(provider.chatRequests[0]!.tools?.map((tool) => tool.function.name)).toEqual(['calculator']);
    expect(JSON.stringify(provider.chatRequests[1]!.messages)).toContain('42');
  });

  it('reports a failing tool call and lets the model go on', async () => {
    provider.reply = (request, index) =>
      index === 0 ? { kind: 'tool-calls', calls: [{ name: 'calculator', arguments: { expression: '1 / 0' } }] } : defaultReply(request);
    const { ofType, outcome } = await run([prompt({ enabledTools: ['calculator'] })]);
    expect(outcome.status).toBe('completed');
    expect(ofType('tool-execution-complete')[0]!.eventData).toMatchObject({
      success: false,
      error: '"1 / 0" does not evaluate to a finite number',
    });
  });

  it('retries a transient 500 and then succeeds', async () => {
    provider.reply = (request, index) => (index === 0 ? { kind: 'error', status: 500, message: 'upstream hiccup' } : defaultReply(request));
    const { outcome } = await run([prompt()]);
    expect(outcome.status).toBe('completed');
    expect(provider.chatRequests).toHaveLength(2);
  });

  it('does not retry a 400, and says the failure is not recoverable', async () => {
    provider.reply = () => ({ kind: 'error', status: 400, message: 'context length exceeded' });
    const p = prompt();
    const { outcome, ofType } = await run([p]);
    expect(provider.chatRequests).toHaveLength(1);
    expect(outcome).toMatchObject({ status: 'failed', recoverable: false, promptId: p.id });
    const error = ofType('execution-error')[0]!.eventData;
    expect(error).toMatchObject({ promptId: p.id, recoverable: false });
    expect(error.error).toContain('Model provider "loop" failed (HTTP 400)');
    expect(error.error).toContain('context length exceeded');
    expect(error.details).toContain('status: 400');
  });

  it('gives up on a provider that keeps failing with 503, saying a later run may succeed', async () => {
    provider.reply = () => ({ kind: 'error', status: 503, message: 'overloaded' });
    const { ofType } = await run([prompt()]);
    expect(provider.chatRequests).toHaveLength(3);
    expect(ofType('execution-error')[0]!.eventData).toMatchObject({ recoverable: true, error: expect.stringContaining('after 3 attempts') });
  });

  it('stops a prompt that exceeds its timeout', async () => {
    provider.reply = () => ({ kind: 'text', text: 'slow '.repeat(40), chunkSize: 5, chunkDelayMs: 50 });
    const p = prompt({ timeoutMs: 300 });
    const started = performance.now();
    const { ofType, outcome } = await run([p]);
    expect(performance.now() - started).toBeLessThan(1_500);
    expect(outcome.status).toBe('failed');
    expect(ofType('execution-error')[0]!.eventData).toMatchObject({
      promptId: p.id,
      recoverable: true,
      error: `Prompt "${p.name}" timed out after 300 ms`,
    });
  });

  it('stops at the next safe point when cancelled, naming who cancelled', async () => {
    provider.reply = () => ({ kind: 'text', text: 'long answer '.repeat(30), chunkSize: 6, chunkDelayMs: 20 });
    const controller = new AbortController();
    const collected = createCollectingSink();
    const textDelta = collected.sink.textDelta!;
    collected.sink.textDelta = (promptId, text) => {
      textDelta(promptId, text);
      if (collected.deltas.length === 3) controller.abort(new CancelledError('demo'));
    };
    const outcome = await runAssistant({
      executionId: 1,
      assistant: { name: 'Cancel me', prompts: [prompt(), prompt()] },
      input: {},
      sink: collected.sink,
      models,
      signal: controller.signal,
    });
    expect(outcome).toMatchObject({ status: 'failed', recoverable: true, error: 'Execution was cancelled by demo' });
    expect(collected.types().filter((type) => type === 'prompt-start')).toHaveLength(1);
    expect(collected.types().at(-1)).toBe('execution-error');
  });
});

describe('runAssistant: prompts sharing a position run at the same time', () => {
  it('interleaves their events and feeds both outputs to the next prompt', async () => {
    provider.reply = (request) => {
      const text = JSON.stringify(request.messages);
      return { kind: 'text', text: text.includes('left') ? 'LEFT says hello' : 'RIGHT says hello', chunkSize: 3, chunkDelayMs: 5 };
    };
    const left = prompt({ name: 'Left', position: 1, content: 'left side' });
    const right = prompt({ name: 'Right', position: 1, content: 'right side' });
    const join = prompt({ name: 'Join', position: 2, modelId: 'local', content: 'Combine {{output:Left}} and {{output:Right}}' });
    const { events, ofType, outcome } = await run([left, right, join]);
    expect(outcome.status).toBe('completed');
    const order = events.map((event) => `${event.eventType}:${'promptId' in event.eventData ? event.eventData.promptId : ''}`);
    // Both parallel prompts start before either finishes; the join starts after both finished.
    expect(order.indexOf(`prompt-start:${right.id}`)).toBeLessThan(order.indexOf(`prompt-complete:${left.id}`));
    expect(order.indexOf(`prompt-start:${join.id}`)).toBeGreaterThan(order.indexOf(`prompt-complete:${left.id}`));
    expect(order.indexOf(`prompt-start:${join.id}`)).toBeGreaterThan(order.indexOf(`prompt-complete:${right.id}`));
    expect(ofType('prompt-start').map((e) => e.eventData.position)).toEqual([1, 2, 3]);
    const substitution = ofType('variable-substitution').find((e) => e.eventData.promptId === join.id)!;
    expect(substitution.eventData.variables).toEqual({ 'output:Left': 'LEFT says hello', 'output:Right': 'RIGHT says hello' });
    expect(substitution.eventData.sourcePrompts).toEqual([left.id, right.id]);
    expect(ofType('execution-complete')).toHaveLength(1);
  });

  it('stops the siblings of a prompt that fails and reports that one prompt', async () => {
    provider.reply = (request) =>
      JSON.stringify(request.messages).includes('bad')
        ? { kind: 'error', status: 400, message: 'refused' }
        : { kind: 'text', text: 'slow '.repeat(50), chunkSize: 5, chunkDelayMs: 20 };
    const good = prompt({ position: 1, content: 'good one' });
    const bad = prompt({ position: 1, content: 'bad one' });
    const { ofType, types } = await run([good, bad]);
    expect(ofType('execution-error')).toHaveLength(1);
    expect(ofType('execution-error')[0]!.eventData.promptId).toBe(bad.id);
    expect(types().filter((type) => type === 'prompt-complete')).toEqual([]);
    expect(types().at(-1)).toBe('execution-error');
  });
});

describe('runAssistant with the built-in model', () => {
  it('carries out tool directives offline', async () => {
    const p = prompt({
      modelId: 'local',
      enabledTools: ['calculator', 'current_time'],
      content: 'Work out [[tool:calculator {"expression": "2 + 3"}]] and then [[tool:current_time {}]] please',
    });
    const { ofType, outcome } = await run([p], { limits: { progressIntervalMs: 0 } });
    expect(outcome.status).toBe('completed');
    expect(ofType('tool-execution-start').map((e) => e.eventData.toolName)).toEqual(['calculator', 'current_time']);
    expect(ofType('tool-execution-complete').map((e) => e.eventData.success)).toEqual([true, true]);
    expect(ofType('tool-execution-complete')[0]!.eventData.result).toEqual({ expression: '2 + 3', value: 5 });
    expect(ofType('progress').map((e) => e.eventData.currentStep)).toEqual([1, 2]);
  });

  it('truncates its output to maxOutputTokens', async () => {
    const { ofType } = await run([prompt({ modelId: 'local', maxOutputTokens: 4, content: 'Explain ocean tides in depth.' })]);
    expect(ofType('prompt-complete')[0]!.eventData.outputTokens).toBe(4);
  });

  it('refuses a tool the deployment does not offer, as unrecoverable', async () => {
    const { ofType } = await run([prompt({ modelId: 'local', enabledTools: ['teleport'] })]);
    expect(ofType('execution-error')[0]!.eventData).toMatchObject({ recoverable: false, error: expect.stringContaining('Unknown tool "teleport"') });
  });
});

describe('runAssistant with knowledge', () => {
  const passages = [
    { chunkId: 1, documentId: 10, repositoryId: 3, documentTitle: 'Tides', content: 'The moon pulls the oceans.', score: 0.9, tokens: 6 },
    { chunkId: 2, documentId: 10, repositoryId: 3, documentTitle: 'Tides', content: 'Spring tides follow full moons.', score: 0.7, tokens: 6 },
    { chunkId: 3, documentId: 11, repositoryId: 3, documentTitle: 'Waves', content: 'Wind makes waves.', score: 0.5, tokens: 4 },
  ];
  const requests: Array<{ query: string; searchType: string }> = [];
  const knowledge: KnowledgeSearch = {
    async search(request) {
      requests.push({ query: request.query, searchType: request.searchType });
      return passages.slice(0, request.limit);
    },
  };

  it('emits what was searched and what was injected, and puts it before the prompt', async () => {
    provider.reply = defaultReply;
    const p = prompt({ repositoryIds: [3], searchType: 'keyword', content: 'Why are there tides?' });
    const { ofType, types } = await run([p], { knowledge, limits: { contextTokenBudget: 12 } });
    expect(types().slice(1, 4)).toEqual(['prompt-start', 'knowledge-retrieval-start', 'knowledge-retrieved']);
    expect(ofType('prompt-start')[0]!.eventData.hasKnowledge).toBe(true);
    expect(ofType('knowledge-retrieval-start')[0]!.eventData).toMatchObject({ repositories: [3], searchType: 'keyword' });
    const retrieved = ofType('knowledge-retrieved')[0]!.eventData;
    // The budget of 12 tokens admits the first two passages, both of one document.
    expect(retrieved.documentsFound).toBe(1);
    expect(retrieved.relevanceScore).toBeCloseTo(0.8, 10);
    const sent = JSON.stringify(provider.chatRequests.at(-1)!.messages);
    expect(sent).toContain('The moon pulls the oceans.');
    expect(sent).toContain('Spring tides follow full moons.');
    expect(sent).not.toContain('Wind makes waves.');
    const contextText = 'Use this context where it helps:\n\n[1] Tides\nThe moon pulls the oceans.\n\n[2] Tides\nSpring tides follow full moons.\n\n---\n\n';
    expect(retrieved.tokens).toBe(countTokens(contextText));
    expect(requests.at(-1)).toEqual({ query: 'Why are there tides?', searchType: 'keyword' });
  });
});

describe('runAssistant: a provider failing after a tool ran', () => {
  it('is not retried, so the tool does not run twice', async () => {
    provider.reply = (_request, index) =>
      index === 0
        ? { kind: 'tool-calls', calls: [{ name: 'calculator', arguments: { expression: '2 + 2' } }] }
        : { kind: 'error', status: 503, message: 'overloaded' };
    const { ofType, outcome } = await run([prompt({ enabledTools: ['calculator'] })]);
    expect(provider.chatRequests).toHaveLength(2);
    expect(ofType('tool-execution-start')).toHaveLength(1);
    expect(outcome).toMatchObject({ status: 'failed', recoverable: true });
  });
});

describe('runAssistant resuming an interrupted execution', () => {
  it('reuses stored results, runs only the rest, and says it resumed instead of starting again', async () => {
    provider.reply = () => ({ kind: 'text', text: 'Fresh answer.', usage: { prompt_tokens: 10, completion_tokens: 3 } });
    const first = prompt({ name: 'Outline', content: 'Outline it.' });
    const second = prompt({ name: 'Draft', content: 'Draft from {{output:Outline}}.' });
    // Stored before its worker died; its prompt-complete event was not.
    const done = { promptId: first.id, output: 'THE STORED OUTLINE', inputTokens: 20, outputTokens: 5, durationMs: 700, cached: false, announced: false };
    const { outcome, types, ofType } = await run([first, second], {
      resume: { completed: [done], elapsedMs: 5_000, reason: 'Resumed on worker w2' },
    });
    expect(outcome.status).toBe('completed');
    expect(types()).toEqual(['progress', 'prompt-complete', 'prompt-start', 'variable-substitution', 'prompt-complete', 'execution-complete']);
    expect(ofType('progress')[0]!.eventData).toMatchObject({ currentStep: 1, totalSteps: 2, percentage: 50 });
    expect(ofType('progress')[0]!.eventData.message).toMatch(/^Resumed on worker w2: 1 of 2 prompt\(s\) already complete/);
    // The stored one is announced as it was stored, and not asked of the model again.
    expect(ofType('prompt-complete')[0]!.eventData).toMatchObject({ promptId: first.id, outputTokens: 5, duration: 700, cached: false });
    expect(provider.chatRequests).toHaveLength(1);
    expect(JSON.stringify(provider.chatRequests[0]!.messages)).toContain('Draft from THE STORED OUTLINE.');
    // Tokens and duration count the earlier attempt too.
    expect(ofType('execution-complete')[0]!.eventData.totalTokens).toBe(20 + 5 + 10 + 3);
    expect(ofType('execution-complete')[0]!.eventData.duration).toBeGreaterThanOrEqual(5_000);
  });

  it('completes at once when every prompt was stored, announcing none already announced', async () => {
    const only = prompt();
    const done = { promptId: only.id, output: 'done', inputTokens: 1, outputTokens: 1, durationMs: 5, cached: true, announced: true };
    const { outcome, types } = await run([only], { resume: { completed: [done], elapsedMs: 0, reason: 'Resumed' } });
    expect(outcome.status).toBe('completed');
    expect(types()).toEqual(['progress', 'execution-complete']);
    expect(provider.chatRequests).toHaveLength(0);
  });
});
