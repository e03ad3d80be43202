import { createKnowledgeStore, SYSTEM_VIEWER } from '@aae/db';
import { KNOWLEDGE_CORPUS, KNOWLEDGE_QUERIES, testDatabaseKind } from '@aae/db/testing';
import { countTokens, normalise, type EmbeddingModel } from '@aae/engine';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ZodError } from 'zod';
import { createTestServices, readSubscription, sessionIdentity, type Caller, type TestServices } from '../testing/test-services.ts';
import { MAX_DOCUMENT_BYTES } from '@aae/events';
import { textPdf } from '@aae/runtime/testing';
import { MAX_REPOSITORIES_PER_PERSON } from './knowledge.ts';

let t: TestServices;
let admin: Caller;
let demo: Caller;
let corpusId: number;
let titles: Map<number, string>;

beforeAll(async () => {
  t = await createTestServices();
  admin = await t.caller('admin');
  demo = await t.caller('demo');
  const repository = await admin.knowledge.repositories.create({ name: 'Encyclopedia', description: 'Twelve short articles', visibility: 'shared' });
  corpusId = repository.id;
  const { documents } = await admin.knowledge.documents.add({ repositoryId: corpusId, documents: KNOWLEDGE_CORPUS });
  titles = new Map(documents.map((document) => [document.id, document.title]));
});
afterAll(() => t?.close());

const searchTypes = ['keyword', 'vector', 'hybrid'] as const;

describe('knowledge search over a corpus with known answers', () => {
  for (const searchType of searchTypes) {
    it(`${searchType}: ranks the expected document first for every query`, async () => {
      const misses: string[] = [];
      for (const { query, expected } of KNOWLEDGE_QUERIES) {
        const passages = await demo.knowledge.search({ repositoryIds: [corpusId], query, searchType, limit: 5 });
        if (passages[0]?.documentTitle !== expected) misses.push(`"${query}" → ${passages[0]?.documentTitle ?? 'nothing'}, expected ${expected}`);
      }
      expect(misses).toEqual([]);
    });

    it(`${searchType}: scores lie in 0..1, best first, and passages belong to the repository`, async () => {
      for (const { query } of KNOWLEDGE_QUERIES) {
        const passages = await demo.knowledge.search({ repositoryIds: [corpusId], query, searchType, limit: 10 });
        expect(passages.length).toBeGreaterThan(0);
        passages.forEach((passage, index) => {
          expect(passage.score).toBeGreaterThanOrEqual(0);
          expect(passage.score).toBeLessThanOrEqual(1);
          if (index > 0) expect(passage.score).toBeLessThanOrEqual(passages[index - 1]!.score);
          expect(passage.repositoryId).toBe(corpusId);
          expect(titles.get(passage.documentId)).toBe(passage.documentTitle);
          expect(passage.tokens).toBe(countTokens(passage.content));
        });
      }
    });
  }

  it('hybrid gives 1 to a passage first by both keyword and vector', async () => {
    const [keyword] = await demo.knowledge.search({ repositoryIds: [corpusId], query: 'waggle dance', searchType: 'keyword', limit: 1 });
    const [vector] = await demo.knowledge.search({ repositoryIds: [corpusId], query: 'waggle dance', searchType: 'vector', limit: 1 });
    const [hybrid] = await demo.knowledge.search({ repositoryIds: [corpusId], query: 'waggle dance', searchType: 'hybrid', limit: 1 });
    expect(keyword!.chunkId).toBe(vector!.chunkId);
    expect(hybrid).toMatchObject({ chunkId: keyword!.chunkId, score: 1 });
  });

  it('keeps Markdown headings as context on the chunks under them', async () => {
    const [passage] = await demo.knowledge.search({ repositoryIds: [corpusId], query: 'waggle run angle', searchType: 'keyword', limit: 1 });
    expect(passage?.content.startsWith('Honeybees > The waggle dance\n\n')).toBe(true);
  });

  it.runIf(testDatabaseKind() === 'pglite')('ranks identically through pgvector and through plain SQL', async () => {
    expect(await t.services.database.vectorSearch()).toBe('pgvector');
    const exact = createKnowledgeStore(t.services.database.prisma, {
      embed: async (modelId, texts) => (await t.services.embeddings.resolve(modelId).embed(texts)).map(normalise),
      defaultEmbeddingModel: t.services.embeddings.defaultId,
      countTokens,
      vectorSearch: async () => 'exact',
    });
    for (const searchType of ['vector', 'hybrid'] as const) {
      for (const { query } of KNOWLEDGE_QUERIES) {
        const request = { repositoryIds: [corpusId], query, searchType, limit: 50, viewer: SYSTEM_VIEWER };
        const viaPgvector = await t.services.knowledge.search(request);
        const viaSql = await exact.search(request);
        expect(viaPgvector.map((passage) => passage.chunkId)).toEqual(viaSql.map((passage) => passage.chunkId));
        viaPgvector.forEach((passage, index) => {
          expect(passage.score).toBeCloseTo(viaSql[index]!.score, 6);
        });
      }
    }
  });

  it('uses the exact path where pgvector is missing (the PostgreSQL server here)', async () => {
    expect(await t.services.database.vectorSearch()).toBe(t.services.database.kind === 'pglite' ? 'pgvector' : 'exact');
  });
});

describe('knowledge repositories and documents', () => {
  it('lists and gets a shared repository with counts for anyone signed in', async () => {
    const listed = (await demo.knowledge.repositories.list()).items;
    const corpus = listed.find((repository) => repository.id === corpusId);
    expect(corpus).toMatchObject({ name: 'Encyclopedia', ownerName: 'admin', visibility: 'shared', embeddingModel: 'local-hash-384', documentCount: 12 });
    expect(corpus!.chunkCount).toBeGreaterThanOrEqual(12);
    expect(await demo.knowledge.repositories.get({ repositoryId: corpusId })).toEqual(corpus);
    const documents = (await demo.knowledge.documents.list({ repositoryId: corpusId })).items;
    expect(documents.map((document) => document.title)).toEqual(KNOWLEDGE_CORPUS.map((document) => document.title));
    expect(documents.reduce((sum, document) => sum + document.chunkCount, 0)).toBe(corpus!.chunkCount);
    // Each with its size in bytes of UTF-8, as the file it came from.
    expect(documents.map((document) => document.sizeBytes)).toEqual(KNOWLEDGE_CORPUS.map((document) => Buffer.byteLength(document.content, 'utf8')));
  });

  it('pages repositories and documents by id, with no gap and no repeat', async () => {
    const walk = async <T extends { id: number }>(read: (cursor: number | null) => Promise<{ items: T[]; nextCursor: number | null }>) => {
      const ids: number[] = [];
      let cursor: number | null = null;
      do {
        const page: { items: T[]; nextCursor: number | null } = await read(cursor);
        expect(page.items.length).toBeLessThanOrEqual(5);
        ids.push(...page.items.map((item) => item.id));
        cursor = page.nextCursor;
      } while (cursor !== null);
      return ids;
    };
    const documents = await walk((cursor) => demo.knowledge.documents.list({ repositoryId: corpusId, cursor, limit: 5 }));
    expect(documents).toEqual((await demo.knowledge.documents.list({ repositoryId: corpusId })).items.map((document) => document.id));
    expect(documents).toHaveLength(KNOWLEDGE_CORPUS.length);
    const repositories = await walk((cursor) => admin.knowledge.repositories.list({ cursor, limit: 5 }));
    expect(repositories).toEqual((await admin.knowledge.repositories.list({ limit: 100 })).items.map((repository) => repository.id));
  });

  it(`keeps at most ${MAX_REPOSITORIES_PER_PERSON} repositories per person`, async () => {
    const person = await t.services.users.ensure({ name: 'Collector', email: 'collector@example.test', role: 'member' });
    const collector = t.callerAs(sessionIdentity(person));
    for (let index = 0; index < MAX_REPOSITORIES_PER_PERSON; index++) await collector.knowledge.repositories.create({ name: `Shelf ${index}` });
    await expect(collector.knowledge.repositories.create({ name: 'One more' })).rejects.toMatchObject({
      code: 'CONFLICT',
      message: `You have ${MAX_REPOSITORIES_PER_PERSON} knowledge repositories, the most one person may keep; delete some first`,
    });
  });

  it('forgets a deleted document in every search type', async () => {
    const { id: repositoryId } = await demo.knowledge.repositories.create({ name: 'Scratch' });
    const { documents } = await demo.knowledge.documents.add({
      repositoryId,
      documents: KNOWLEDGE_CORPUS.filter((document) => ['Honeybees', 'Coral reefs', 'Ocean tides'].includes(document.title)),
    });
    const bees = documents.find((document) => document.title === 'Honeybees')!;
    for (const searchType of searchTypes) {
      const before = await demo.knowledge.search({ repositoryIds: [repositoryId], query: 'waggle dance of bees', searchType, limit: 50 });
      expect(before[0]?.documentId).toBe(bees.id);
    }
    expect(await demo.knowledge.documents.delete({ documentId: bees.id })).toEqual({ documentId: bees.id });
    for (const searchType of searchTypes) {
      const after = await demo.knowledge.search({ repositoryIds: [repositoryId], query: 'waggle dance of bees', searchType, limit: 50 });
      expect(after.some((passage) => passage.documentId === bees.id)).toBe(false);
    }
    expect((await demo.knowledge.repositories.get({ repositoryId })).documentCount).toBe(2);
    await expect(demo.knowledge.documents.delete({ documentId: bees.id })).rejects.toMatchObject({
      code: 'NOT_FOUND',
      message: `Document ${bees.id} does not exist`,
    });
    await demo.knowledge.repositories.delete({ repositoryId });
    await expect(demo.knowledge.repositories.get({ repositoryId })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('searches several repositories together', async () => {
    const { id: otherId } = await demo.knowledge.repositories.create({ name: 'Kitchen' });
    await demo.knowledge.documents.add({
      repositoryId: otherId,
      documents: [{ title: 'Rye bread', mediaType: 'text/plain', content: 'Rye sourdough needs a wetter starter and a long, cool proof.' }],
    });
    const passages = await demo.knowledge.search({ repositoryIds: [corpusId, otherId], query: 'sourdough starter', searchType: 'hybrid', limit: 10 });
    expect(new Set(passages.slice(0, 2).map((passage) => passage.repositoryId))).toEqual(new Set([corpusId, otherId]));
  });
});

describe('knowledge: who may change what', () => {
  it('lets only the owner or an admin change a repository', async () => {
    const document = { title: 'Note', mediaType: 'text/plain' as const, content: 'A note about herons.' };
    await expect(demo.knowledge.documents.add({ repositoryId: corpusId, documents: [document] })).rejects.toMatchObject({
      code: 'FORBIDDEN',
      message: `Only the owner of knowledge repository ${corpusId} or an admin may change it`,
    });
    const [first] = (await demo.knowledge.documents.list({ repositoryId: corpusId })).items;
    await expect(demo.knowledge.documents.delete({ documentId: first!.id })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(demo.knowledge.repositories.delete({ repositoryId: corpusId })).rejects.toMatchObject({ code: 'FORBIDDEN' });

    await expect(demo.knowledge.repositories.update({ repositoryId: corpusId, visibility: 'private' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    const own = await demo.knowledge.repositories.create({ name: 'Demo notes' });
    expect(own).toMatchObject({ ownerName: 'demo', visibility: 'private' });
    await expect(demo.knowledge.repositories.update({ repositoryId: own.id, name: 'Demo field notes' })).resolves.toMatchObject({ name: 'Demo field notes' });
    const { documents } = await demo.knowledge.documents.add({ repositoryId: own.id, documents: [document] });
    // An admin may change anyone's repository.
    await admin.knowledge.documents.delete({ documentId: documents[0]!.id });
    await admin.knowledge.repositories.delete({ repositoryId: own.id });
    expect((await demo.knowledge.repositories.list()).items.some((repository) => repository.id === own.id)).toBe(false);
  });

  it('refuses callers with no identity', async () => {
    const anonymous = await t.caller(null);
    await expect(anonymous.knowledge.repositories.list()).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    await expect(anonymous.knowledge.search({ repositoryIds: [corpusId], query: 'tides' })).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
  });

  it('answers NOT_FOUND for unknown repositories and documents, naming them', async () => {
    await expect(demo.knowledge.repositories.get({ repositoryId: 987_654 })).rejects.toMatchObject({
      code: 'NOT_FOUND',
      message: 'Knowledge repository 987654 does not exist',
    });
    await expect(demo.knowledge.documents.list({ repositoryId: 987_654 })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(
      demo.knowledge.documents.add({ repositoryId: 987_654, documents: [{ title: 'x', mediaType: 'text/plain', content: 'x' }] }),
    ).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(demo.knowledge.repositories.delete({ repositoryId: 987_654 })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(demo.knowledge.documents.delete({ documentId: 987_654 })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    for (const searchType of searchTypes) {
      await expect(demo.knowledge.search({ repositoryIds: [corpusId, 987_654], query: 'tides', searchType })).rejects.toMatchObject({
        code: 'NOT_FOUND',
        message: 'Knowledge repository 987654 does not exist',
      });
    }
  });
});

describe('knowledge: bad input gets a clear error', () => {
  /** `field: message` as the error formatter words a zod issue for HTTP callers; other errors by their message. */
  const expectBadRequest = async (promise: Promise<unknown>, expected: string) => {
    const error = await promise.catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'BAD_REQUEST' });
    const cause = (error as { cause?: unknown }).cause;
    const described =
      cause instanceof ZodError ? cause.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ') : (error as Error).message;
    expect(described).toContain(expected);
  };
  const note = { title: 'Note', mediaType: 'text/plain' as const, content: 'text' };

  it('names the field of a bad document', async () => {
    await expectBadRequest(
      admin.knowledge.documents.add({ repositoryId: corpusId, documents: Array.from({ length: 101 }, () => note) }),
      'documents: add at most 100 documents at a time',
    );
    await expectBadRequest(admin.knowledge.documents.add({ repositoryId: corpusId, documents: [] }), 'documents: add at least one document');
    await expectBadRequest(
      admin.knowledge.documents.add({ repositoryId: corpusId, documents: [note, { ...note, content: 'é'.repeat(MAX_DOCUMENT_BYTES / 2 + 1) }] }),
      'documents.1.content: content is larger than 1 MB',
    );
    await expectBadRequest(
      admin.knowledge.documents.add({ repositoryId: corpusId, documents: [{ ...note, content: ' \n ' }] }),
      'documents.0.content: content is empty',
    );
    await expectBadRequest(
      admin.knowledge.documents.add({ repositoryId: corpusId, documents: [{ ...note, title: '  ' }] }),
      'documents.0.title: title is required',
    );
    await expectBadRequest(
      admin.knowledge.documents.add({ repositoryId: corpusId, documents: [{ ...note, content: 'PK\u0003\u0004\u0000\u0000' }] }),
      'documents.0.content: must not contain a NUL character',
    );
    await expectBadRequest(
      admin.knowledge.documents.add({ repositoryId: corpusId, documents: [{ ...note, mediaType: 'text/html' as 'text/plain' }] }),
      'documents.0.mediaType: mediaType must be "text/plain", "text/markdown" or "application/pdf"',
    );
  });

  it('stores the text of a PDF, searchable like any document', async () => {
    const { id: repositoryId } = await admin.knowledge.repositories.create({ name: 'Scanned reports' });
    const pdf = Buffer.from(textPdf([['Lighthouse keepers log the fog signals.'], ['The foghorn sounds every thirty seconds.']])).toString('base64');
    const { documents } = await admin.knowledge.documents.add({
      repositoryId,
      documents: [{ title: 'Fog report', mediaType: 'application/pdf', content: pdf }],
    });
    expect(documents).toEqual([expect.objectContaining({ title: 'Fog report', mediaType: 'text/plain', chunkCount: 1 })]);
    const [passage] = await admin.knowledge.search({ repositoryIds: [repositoryId], query: 'foghorn', searchType: 'keyword' });
    expect(passage?.content).toBe('Lighthouse keepers log the fog signals.\n\nThe foghorn sounds every thirty seconds.');
  });

  it('names the document of a PDF that cannot be read, storing none of the batch', async () => {
    const { id: repositoryId } = await admin.knowledge.repositories.create({ name: 'Broken reports' });
    const pdf = (pages: string[][]) => ({ title: 'Report', mediaType: 'application/pdf' as const, content: Buffer.from(textPdf(pages)).toString('base64') });
    await expectBadRequest(
      admin.knowledge.documents.add({ repositoryId, documents: [note, { ...pdf([['x']]), content: Buffer.from('not a pdf at all').toString('base64') }] }),
      'documents.1.content: not a readable PDF',
    );
    await expectBadRequest(admin.knowledge.documents.import({ repositoryId, documents: [pdf([[]])] }), 'documents.0.content: the PDF has no text to extract');
    await expectBadRequest(
      admin.knowledge.documents.add({ repositoryId, documents: [{ ...pdf([['x']]), content: 'not base64!' }] }),
      "documents.0.content: content of a PDF must be the file's bytes in base64",
    );
    await expectBadRequest(
      admin.knowledge.documents.add({ repositoryId, documents: [{ ...pdf([['x']]), content: 'A'.repeat(Math.ceil((MAX_DOCUMENT_BYTES + 1) / 3) * 4) }] }),
      'documents.0.content: the PDF is larger than 1 MB',
    );
    expect((await admin.knowledge.documents.list({ repositoryId })).items).toEqual([]);
    expect(await admin.knowledge.documents.listImports({ repositoryId })).toEqual([]);
  });

  it('accepts a document of exactly 1 MB', async () => {
    const { id: repositoryId } = await admin.knowledge.repositories.create({ name: 'Large' });
    const sentence = 'Tides rise and fall with the moon. ';
    const content = sentence.repeat(Math.floor(MAX_DOCUMENT_BYTES / sentence.length)).padEnd(MAX_DOCUMENT_BYTES, '.');
    const { documents } = await admin.knowledge.documents.add({ repositoryId, documents: [{ ...note, content }] });
    expect(documents[0]!.chunkCount).toBeGreaterThan(1000);
    await admin.knowledge.repositories.delete({ repositoryId });
  }, 120_000);

  it('tells clients what an import takes, as the server checks it', async () => {
    await expect(demo.knowledge.importLimits()).resolves.toEqual({
      mediaTypes: ['text/plain', 'text/markdown', 'application/pdf'],
      maxDocumentBytes: MAX_DOCUMENT_BYTES,
      maxDocumentsPerImport: 100,
      importsAtOnce: 3,
    });
  });

  it('names the field of a bad search', async () => {
    await expectBadRequest(demo.knowledge.search({ repositoryIds: [corpusId], query: 'tides', limit: 51 }), 'limit');
    await expectBadRequest(demo.knowledge.search({ repositoryIds: [corpusId], query: '   ' }), 'query: query is empty');
    await expectBadRequest(demo.knowledge.search({ repositoryIds: [], query: 'tides' }), 'repositoryIds: name at least one repository');
    await expectBadRequest(demo.knowledge.search({ repositoryIds: [corpusId], query: 'tides', searchType: 'semantic' as 'vector' }), 'searchType');
  });

  it('refuses an unknown embedding model, listing the known ones', async () => {
    await expectBadRequest(
      demo.knowledge.repositories.create({ name: 'X', embeddingModel: 'nope' }),
      'Unknown embedding model "nope"; available: local-hash-384',
    );
    await expectBadRequest(demo.knowledge.repositories.create({ name: ' ' }), 'name: name is required');
  });

  it('refuses a vector search across repositories embedded by different models', async () => {
    const other: EmbeddingModel = {
      id: 'test-other-384',
      embed: async (texts) => texts.map((text) => normalise(Array.from({ length: 384 }, (_, index) => (index === text.length % 384 ? 1 : 0)))),
    };
    t.services.embeddings.register(other);
    const { id: otherId } = await demo.knowledge.repositories.create({ name: 'Other model', embeddingModel: other.id });
    await expectBadRequest(
      demo.knowledge.search({ repositoryIds: [corpusId, otherId], query: 'tides', searchType: 'hybrid' }),
      `repository ${otherId} uses "test-other-384"`,
    );
    expect(await demo.knowledge.search({ repositoryIds: [corpusId, otherId], query: 'tides', searchType: 'keyword' })).not.toEqual([]);
  });
});

describe('assistants and knowledge repositories', () => {
  const prompt = (repositoryIds: number[]) => ({ name: 'Answer', position: 1, content: 'Why are there two high tides a day?', repositoryIds });

  it('refuses a prompt naming a repository that does not exist', async () => {
    await expect(demo.assistants.create({ name: 'Tides', prompts: [prompt([corpusId, 987_654, 987_655])] })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
      message: 'Prompt "Answer" uses knowledge repositories 987654, 987655, which do not exist',
    });
  });

  it('retrieves from the repository when the assistant runs', async () => {
    const assistant = await demo.assistants.create({ name: 'Tides', prompts: [prompt([corpusId])] });
    const { executionId } = await demo.executions.execute({ assistantId: assistant.id, input: {} });
    const events = (await readSubscription(demo, { executionId })).map((entry) => entry.event);
    const retrieved = events.find((event) => event.eventType === 'knowledge-retrieved');
    expect(events.at(-1)?.eventType).toBe('execution-complete');
    expect(retrieved?.eventType === 'knowledge-retrieved' && retrieved.eventData.documentsFound).toBeGreaterThan(0);
  });
});

describe('private repositories', () => {
  const note = { title: 'Salary notes', mediaType: 'text/plain' as const, content: 'The heron project budget is confidential: forty thousand.' };
  let privateId: number;
  let other: Caller;

  beforeAll(async () => {
    other = await t.caller('other');
    privateId = (await demo.knowledge.repositories.create({ name: 'Private notes' })).id;
    await demo.knowledge.documents.add({ repositoryId: privateId, documents: [note] });
  });

  it('is, to another member, exactly a repository that does not exist', async () => {
    const missing = { code: 'NOT_FOUND', message: `Knowledge repository ${privateId} does not exist` };
    expect((await other.knowledge.repositories.list()).items.some((repository) => repository.id === privateId)).toBe(false);
    await expect(other.knowledge.repositories.get({ repositoryId: privateId })).rejects.toMatchObject(missing);
    await expect(other.knowledge.documents.list({ repositoryId: privateId })).rejects.toMatchObject(missing);
    for (const searchType of searchTypes) {
      await expect(other.knowledge.search({ repositoryIds: [privateId], query: 'heron budget', searchType })).rejects.toMatchObject(missing);
    }
    await expect(other.knowledge.repositories.delete({ repositoryId: privateId })).rejects.toMatchObject(missing);
    await expect(other.knowledge.repositories.update({ repositoryId: privateId, visibility: 'shared' })).rejects.toMatchObject(missing);
    await expect(other.knowledge.documents.add({ repositoryId: privateId, documents: [note] })).rejects.toMatchObject(missing);
    const [document] = (await demo.knowledge.documents.list({ repositoryId: privateId })).items;
    await expect(other.knowledge.documents.delete({ documentId: document!.id })).rejects.toMatchObject({
      code: 'NOT_FOUND',
      message: `Document ${document!.id} does not exist`,
    });
    // Its owner and admins read it.
    expect(await demo.knowledge.search({ repositoryIds: [privateId], query: 'heron budget', searchType: 'keyword' })).toHaveLength(1);
    expect(await admin.knowledge.search({ repositoryIds: [privateId], query: 'heron budget', searchType: 'keyword' })).toHaveLength(1);
  });

  it('cannot be used by another member’s assistant, nor by a shared assistant they run', async () => {
    const prompt = { name: 'Answer', position: 1, content: 'What is the heron budget?', repositoryIds: [privateId] };
    const refusal = { code: 'BAD_REQUEST', message: `Prompt "Answer" uses knowledge repository ${privateId}, which does not exist` };
    await expect(other.assistants.create({ name: 'Snoop', prompts: [prompt] })).rejects.toMatchObject(refusal);
    const shared = await demo.assistants.create({ name: 'Budget helper', visibility: 'shared', prompts: [prompt] });
    await expect(other.executions.execute({ assistantId: shared.id, input: {} })).rejects.toMatchObject(refusal);
    const { executionId } = await demo.executions.execute({ assistantId: shared.id, input: {} });
    const events = (await readSubscription(demo, { executionId })).map((entry) => entry.event);
    expect(events.at(-1)?.eventType).toBe('execution-complete');
  });

  it('can be shared by its owner, and then everyone reads it', async () => {
    const { id } = await demo.knowledge.repositories.create({ name: 'Soon shared' });
    await expect(other.knowledge.repositories.get({ repositoryId: id })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await demo.knowledge.repositories.update({ repositoryId: id, visibility: 'shared' });
    await expect(other.knowledge.repositories.get({ repositoryId: id })).resolves.toMatchObject({ visibility: 'shared', ownerName: 'demo' });
    await expect(other.knowledge.repositories.delete({ repositoryId: id })).rejects.toMatchObject({ code: 'FORBIDDEN' });
  });
});
