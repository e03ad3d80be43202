import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { getExecutionEvents } from '@aae/client';
import { bindExecutionId, KNOWLEDGE_CORPUS, SEED_SQL } from '@aae/db/testing';
import { EVENT_TYPES } from '@aae/events';
import { defaultReply, startFakeProvider, type FakeProvider } from '@aae/engine/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectExecutionEvents } from './testing/subscription.ts';
import { startTestApp, type TestApp } from './testing/test-app.ts';

const artifacts = fileURLToPath(new URL('../../../test-artifacts/', import.meta.url));

let provider: FakeProvider;
let app: TestApp;

beforeAll(async () => {
  provider = await startFakeProvider();
  app = await startTestApp({
    services: {
      providers: [{ name: 'loop', baseURL: provider.baseURL, models: ['chat-1'], embeddingModels: [] }],
      limits: { progressIntervalMs: 0 },
    },
  });
});
afterAll(async () => {
  await app?.stop();
  await provider?.close();
});

describe('one execution against real documents and the loopback provider', () => {
  it('emits the seed’s whole vocabulary with honest values, and the seed’s knowledge queries return real numbers', async () => {
    const client = app.client('demo');
    const repository = await client.knowledge.repositories.create.mutate({ name: 'Earth science', description: 'Short explainers' });

    // An import returns at once; its progress (chunks embedded per document) is watched apart, read-only.
    const started = await client.knowledge.documents.import.mutate({ repositoryId: repository.id, documents: KNOWLEDGE_CORPUS });
    expect(started).toMatchObject({ status: 'running', documents: null });
    const updates: Array<Awaited<ReturnType<typeof client.knowledge.documents.getImport.query>>> = [];
    await new Promise<void>((resolve, reject) => {
      client.knowledge.documents.importProgress.subscribe(
        { importId: started.id },
        { onData: (update) => updates.push(update), onError: reject, onComplete: resolve },
      );
    });
    const done = updates.at(-1)!;
    expect(done.status).toBe('completed');
    expect(done.documents).toHaveLength(KNOWLEDGE_CORPUS.length);
    expect(done.progress.percentage).toBe(100);
    expect(done.progress.documents.map((document) => document.title)).toEqual(KNOWLEDGE_CORPUS.map((document) => document.title));
    for (const document of done.progress.documents) expect(document.embeddedChunks).toBe(document.chunks);
    const percentages = updates.map((update) => update.progress.percentage);
    expect(percentages).toEqual([...percentages].sort((a, b) => a - b));
    expect(await client.knowledge.documents.getImport.query({ importId: started.id })).toMatchObject({ status: 'completed' });

    // The provider first asks for a knowledge search, then answers.
    provider.reply = (request) =>
      request.tools && !request.messages.some((message) => message.role === 'tool')
        ? { kind: 'tool-calls', calls: [{ name: 'search_knowledge', arguments: { query: 'what makes volcanoes erupt', limit: 2 } }] }
        : defaultReply(request);
    const assistant = await client.assistants.create.mutate({
      name: 'Earth explainer',
      inputVariables: [{ name: 'topic', label: 'Topic', type: 'text', required: true }],
      prompts: [
        {
          name: 'Research',
          position: 1,
          modelId: 'loop/chat-1',
          repositoryIds: [repository.id],
          searchType: 'hybrid',
          enabledTools: ['search_knowledge'],
          content: 'Why do {{topic}} erupt?',
        },
        {
          name: 'Check',
          position: 2,
          modelId: 'local',
          enabledTools: ['calculator'],
          content: 'Check the numbers in {{output:Research}} [[tool:calculator {"expression": "1200 / 4"}]]',
        },
      ],
    });
    const { executionId } = await client.executions.execute.mutate({ assistantId: assistant.id, input: { topic: 'volcanoes' } });
    const stream = collectExecutionEvents(client, { executionId });
    await stream.completed;
    const events = await getExecutionEvents(client, executionId);
    expect(stream.events.map((event) => event.eventData.eventId)).toEqual(events.map((event) => event.eventData.eventId));

    // Every type of the vocabulary in one execution; a run ends with one terminal event, so the
    // other one, execution-error, has its own tests (engine-features, crash-recovery).
    expect(new Set(events.map((event) => event.eventType))).toEqual(new Set(EVENT_TYPES.filter((type) => type !== 'execution-error')));
    const retrieved = events.find((event) => event.eventType === 'knowledge-retrieved')!;
    if (retrieved.eventType !== 'knowledge-retrieved') throw new Error('unreachable');
    expect(retrieved.eventData.documentsFound).toBeGreaterThan(0);
    expect(retrieved.eventData.relevanceScore).toBeGreaterThan(0);
    expect(retrieved.eventData.relevanceScore).toBeLessThanOrEqual(1);
    expect(retrieved.eventData.tokens).toBeGreaterThan(0);
    const toolResults = events.flatMap((event) => (event.eventType === 'tool-execution-complete' ? [event.eventData] : []));
    expect(toolResults.map((result) => [result.toolName, result.success])).toEqual([
      ['search_knowledge', true],
      ['calculator', true],
    ]);
    expect(JSON.stringify(toolResults[0]!.result)).toContain('Volcanoes');
    expect(toolResults[1]!.result).toEqual({ expression: '1200 / 4', value: 300 });
    // The knowledge the prompt was given went to the provider.
    expect(JSON.stringify(provider.chatRequests[0]!.messages)).toContain('Volcanoes');

    // The seed's "prompts that used knowledge retrieval" and "most used repositories".
    const prisma = app.services.database.prisma;
    const knowledgePrompts = await prisma.$queryRawUnsafe<Array<{ prompt_id: string; docs_found: string }>>(
      bindExecutionId(SEED_SQL.knowledgePrompts),
      executionId,
    );
    expect(knowledgePrompts).toEqual([{ prompt_id: String(retrieved.eventData.promptId), docs_found: String(retrieved.eventData.documentsFound) }]);
    const repositories = await prisma.$queryRawUnsafe<Array<{ repository_id: string; usage_count: bigint }>>(SEED_SQL.mostUsedRepositories);
    expect(repositories.map((row) => [row.repository_id, Number(row.usage_count)])).toEqual([[String(repository.id), 1]]);
    expect(await app.client('admin').analytics.mostUsedRepositories.query()).toEqual([{ repositoryId: repository.id, name: 'Earth science', usageCount: 1 }]);

    // Kept for the record: what one full execution looks like.
    mkdirSync(artifacts, { recursive: true });
    writeFileSync(
      `${artifacts}full-vocabulary-events.json`,
      `${JSON.stringify(
        events.map(({ eventType, sequence, eventData }) => ({ sequence, eventType, eventData })),
        null,
        2,
      )}\n`,
    );
  });
});
