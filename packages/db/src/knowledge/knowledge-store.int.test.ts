import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProjectTestDatabase, type TestDatabase } from '../testing/index.ts';
import { KnowledgeRepositoryNotFoundError, MixedEmbeddingModelsError } from './knowledge-errors.ts';
import { createKnowledgeStore, type KnowledgeStoreOptions } from './knowledge-store.ts';
import { SYSTEM_VIEWER } from '../repositories/visibility.ts';

// The engine's counter and embedders live in @aae/engine, which db must not import; api's tests use the real ones.
const countTokens = (text: string) => text.match(/[\p{L}\p{N}]+|[^\s\p{L}\p{N}]/gu)?.length ?? 0;

/** Words hashed into 64 signed dimensions, unit length: enough to rank texts by shared words. */
function toyEmbedding(text: string): number[] {
  const vector = new Array<number>(64).fill(0);
  for (const word of text.toLowerCase().match(/\p{L}+/gu) ?? []) {
    let hash = 0;
    for (const char of word) hash = (hash * 31 + (char.codePointAt(0) ?? 0)) >>> 0;
    vector[hash % 64]! += hash & 1024 ? 1 : -1;
  }
  const norm = Math.hypot(...vector);
  return norm === 0 ? vector : vector.map((value) => value / norm);
}

const embedCalls: Array<{ modelId: string; count: number }> = [];
const embed: KnowledgeStoreOptions['embed'] = async (modelId, texts) => {
  embedCalls.push({ modelId, count: texts.length });
  return texts.map(toyEmbedding);
};

let db: TestDatabase;
let ownerId: number;
beforeAll(async () => {
  db = await createProjectTestDatabase();
  ownerId = (await db.prisma.user.create({ data: { name: 'owner', email: 'owner@example.test' } })).id;
});
afterAll(() => db?.close());

function store(overrides: Partial<KnowledgeStoreOptions> = {}) {
  return createKnowledgeStore(db.prisma, {
    embed,
    defaultEmbeddingModel: 'toy',
    countTokens,
    vectorSearch: () => db.vectorSearch(),
    ...overrides,
  });
}

const sentences = (count: number, topic: string) =>
  Array.from({ length: count }, (_, index) => `Fact ${index + 1} about ${topic} is worth knowing well.`).join(' ');

describe('Database.vectorSearch', () => {
  it('uses pgvector where the extension ships (PGlite) and the exact path elsewhere, without failing', async () => {
    const mode = await db.vectorSearch();
    expect(mode).toBe(db.kind === 'pglite' ? 'pgvector' : 'exact');
    expect(await db.vectorSearch()).toBe(mode);
  });
});

describe('knowledge store', () => {
  it('creates, lists and counts repositories', async () => {
    const knowledge = store();
    const created = await knowledge.createRepository({ name: 'Counting', description: 'd', ownerId });
    expect(created).toMatchObject({ name: 'Counting', description: 'd', ownerId, ownerName: 'owner', embeddingModel: 'toy', documentCount: 0, chunkCount: 0 });
    await knowledge.addDocuments(created.id, [
      { title: 'Long', mediaType: 'text/plain', content: sentences(60, 'otters') },
      { title: 'Short', mediaType: 'text/markdown', content: '# Heading\n\nOne line.' },
    ]);
    const fetched = await knowledge.getRepository(created.id, SYSTEM_VIEWER);
    expect(fetched?.documentCount).toBe(2);
    expect(fetched?.chunkCount).toBeGreaterThanOrEqual(4);
    expect((await knowledge.listRepositories(SYSTEM_VIEWER, { limit: 1_000 })).map((repository) => repository.id)).toContain(created.id);
    expect(await knowledge.getRepository(987_654, SYSTEM_VIEWER)).toBeNull();
  });

  it('stores chunks with a search vector and a unit embedding, reporting progress per batch', async () => {
    const knowledge = store({ embedBatchSize: 2 });
    const repository = await knowledge.createRepository({ name: 'Progress', ownerId });
    const progress: Array<{ currentStep: number; totalSteps: number; message: string }> = [];
    const [document] = await knowledge.addDocuments(repository.id, [{ title: 'Otters', mediaType: 'text/plain', content: sentences(60, 'otters') }], {
      onProgress: (step) => progress.push(step),
    });
    expect(document).toMatchObject({ title: 'Otters', mediaType: 'text/plain', repositoryId: repository.id });
    const chunks = await db.prisma.$queryRaw<Array<{ position: number; tokens: number; norm: number; lexemes: number; content: string }>>`
      SELECT position, tokens, content, sqrt((SELECT sum(v * v) FROM unnest(embedding) v)) AS norm, length(search_vector) AS lexemes
      FROM knowledge_chunks WHERE document_id = ${document!.id} ORDER BY position`;
    expect(chunks.length).toBe(document!.chunkCount);
    expect(chunks.map((chunk) => chunk.position)).toEqual(chunks.map((_, index) => index));
    for (const chunk of chunks) {
      expect(chunk.norm).toBeCloseTo(1, 9);
      expect(chunk.lexemes).toBeGreaterThan(0);
      expect(chunk.tokens).toBe(countTokens(chunk.content));
    }
    const batches = Math.ceil(chunks.length / 2);
    expect(progress.map((step) => step.currentStep)).toEqual(Array.from({ length: batches + 1 }, (_, index) => index + 1));
    expect(progress.every((step) => step.totalSteps === batches + 1)).toBe(true);
    expect(progress.at(-1)?.message).toBe(`Stored 1 document (${chunks.length} chunks)`);
  });

  it('stores nothing when embedding fails part-way', async () => {
    let calls = 0;
    const knowledge = store({
      embedBatchSize: 1,
      embed: async (modelId, texts) => {
        calls += 1;
        if (calls === 2) throw new Error('embedding service unavailable');
        return embed(modelId, texts);
      },
    });
    const repository = await knowledge.createRepository({ name: 'Failing', ownerId });
    await expect(knowledge.addDocuments(repository.id, [{ title: 'A', mediaType: 'text/plain', content: sentences(60, 'badgers') }])).rejects.toThrow(
      'embedding service unavailable',
    );
    expect(await knowledge.listDocuments(repository.id, SYSTEM_VIEWER, { limit: 100 })).toEqual([]);
  });

  it('refuses vectors that are not unit length', async () => {
    const knowledge = store({ embed: async (_modelId, texts) => texts.map(() => [3, 4]) });
    const repository = await knowledge.createRepository({ name: 'Unnormalised', ownerId });
    await expect(knowledge.addDocuments(repository.id, [{ title: 'A', mediaType: 'text/plain', content: 'text' }])).rejects.toThrow('expected unit vectors');
  });

  it('finds by keyword with every word, and falls back to any word for a question', async () => {
    const knowledge = store();
    const repository = await knowledge.createRepository({ name: 'Keywords', ownerId });
    await knowledge.addDocuments(repository.id, [
      { title: 'Otters', mediaType: 'text/plain', content: 'Sea otters crack shellfish open with stones while floating.' },
      { title: 'Herons', mediaType: 'text/plain', content: 'Herons stand still in shallow water and spear fish.' },
    ]);
    const exact = await knowledge.search({ viewer: SYSTEM_VIEWER, repositoryIds: [repository.id], query: 'otters stones', searchType: 'keyword', limit: 5 });
    expect(exact.map((passage) => passage.documentTitle)).toEqual(['Otters']);
    const question = await knowledge.search({
      viewer: SYSTEM_VIEWER,
      repositoryIds: [repository.id],
      query: 'Which birds catch fish in shallow rivers?',
      searchType: 'keyword',
      limit: 5,
    });
    expect(question[0]?.documentTitle).toBe('Herons');
    expect(await knowledge.search({ viewer: SYSTEM_VIEWER, repositoryIds: [repository.id], query: 'the of and', searchType: 'keyword', limit: 5 })).toEqual([]);
    expect(await knowledge.search({ viewer: SYSTEM_VIEWER, repositoryIds: [repository.id], query: 'giraffes', searchType: 'keyword', limit: 5 })).toEqual([]);
  });

  it('returns passages shaped as the engine expects, scores in 0..1 and best first, for every search type', async () => {
    const knowledge = store();
    const repository = await knowledge.createRepository({ name: 'Shapes', ownerId });
    const [document] = await knowledge.addDocuments(repository.id, [
      { title: 'Otters', mediaType: 'text/plain', content: sentences(40, 'otters') },
      { title: 'Herons', mediaType: 'text/plain', content: sentences(40, 'herons') },
    ]);
    for (const searchType of ['keyword', 'vector', 'hybrid'] as const) {
      const passages = await knowledge.search({ viewer: SYSTEM_VIEWER, repositoryIds: [repository.id], query: 'facts about otters', searchType, limit: 4 });
      expect(passages.length).toBeGreaterThan(0);
      expect(passages.length).toBeLessThanOrEqual(4);
      expect(Object.keys(passages[0]!).sort()).toEqual(['chunkId', 'content', 'documentId', 'documentTitle', 'repositoryId', 'score', 'tokens']);
      expect(passages[0]).toMatchObject({ documentId: document!.id, repositoryId: repository.id, documentTitle: 'Otters' });
      for (const [index, passage] of passages.entries()) {
        expect(passage.score).toBeGreaterThanOrEqual(0);
        expect(passage.score).toBeLessThanOrEqual(1);
        if (index > 0) expect(passage.score).toBeLessThanOrEqual(passages[index - 1]!.score);
        expect(passage.tokens).toBe(countTokens(passage.content));
      }
    }
  });

  it('ranks by vector exactly as a dot product computed here would, on both the pgvector and the SQL path', async () => {
    const repository = await store().createRepository({ name: 'Vectors', ownerId });
    const topics = ['otters', 'herons', 'badgers', 'salmon', 'beavers', 'kingfishers'];
    await store().addDocuments(
      repository.id,
      topics.map((topic) => ({ title: topic, mediaType: 'text/plain' as const, content: `${topic} ${sentences(3, `${topic} and rivers`)}` })),
    );
    const query = 'rivers with otters and salmon';
    const rows = await db.prisma.knowledgeChunk.findMany({ where: { repositoryId: repository.id }, select: { id: true, embedding: true } });
    const queryVector = toyEmbedding(query);
    const expected = rows
      .map((row) => ({ id: row.id, score: row.embedding.reduce((sum, value, index) => sum + value * queryVector[index]!, 0) }))
      .sort((a, b) => b.score - a.score || a.id - b.id);

    const modes = db.kind === 'pglite' ? (['exact', 'pgvector'] as const) : (['exact'] as const);
    for (const mode of modes) {
      const passages = await store({ vectorSearch: async () => mode }).search({
        viewer: SYSTEM_VIEWER,
        repositoryIds: [repository.id],
        query,
        searchType: 'vector',
        limit: 50,
      });
      expect(passages.map((passage) => passage.chunkId)).toEqual(expected.map((entry) => entry.id));
      passages.forEach((passage, index) => {
        expect(passage.score).toBeCloseTo(Math.min(Math.max(expected[index]!.score, 0), 1), mode === 'pgvector' ? 6 : 12);
      });
    }
  });

  it('refuses a vector search across repositories with different embedding models, naming them', async () => {
    const knowledge = store();
    const toy = await knowledge.createRepository({ name: 'Toy', ownerId });
    const other = await knowledge.createRepository({ name: 'Other', ownerId, embeddingModel: 'other-model' });
    for (const searchType of ['vector', 'hybrid'] as const) {
      const error = await knowledge
        .search({ viewer: SYSTEM_VIEWER, repositoryIds: [toy.id, other.id], query: 'q', searchType, limit: 5 })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(MixedEmbeddingModelsError);
      expect((error as Error).message).toContain(`repository ${other.id} uses "other-model"`);
      expect((error as Error).message).toContain(`repository ${toy.id} uses "toy"`);
    }
    await expect(knowledge.search({ viewer: SYSTEM_VIEWER, repositoryIds: [toy.id, other.id], query: 'q', searchType: 'keyword', limit: 5 })).resolves.toEqual(
      [],
    );
  });

  it('embeds the query with the repository’s own model', async () => {
    const knowledge = store();
    const repository = await knowledge.createRepository({ name: 'Own model', ownerId, embeddingModel: 'other-model' });
    embedCalls.length = 0;
    await knowledge.search({ viewer: SYSTEM_VIEWER, repositoryIds: [repository.id], query: 'q', searchType: 'vector', limit: 5 });
    expect(embedCalls).toEqual([{ modelId: 'other-model', count: 1 }]);
  });

  it('names unknown repositories', async () => {
    const knowledge = store();
    const repository = await knowledge.createRepository({ name: 'Known', ownerId });
    for (const searchType of ['keyword', 'vector', 'hybrid'] as const) {
      await expect(
        knowledge.search({ viewer: SYSTEM_VIEWER, repositoryIds: [repository.id, 987_654, 987_655], query: 'q', searchType, limit: 5 }),
      ).rejects.toThrow(new KnowledgeRepositoryNotFoundError([987_654, 987_655]));
    }
    await expect(knowledge.addDocuments(987_654, [])).rejects.toThrow('Knowledge repository 987654 does not exist');
    await expect(knowledge.listDocuments(987_654, SYSTEM_VIEWER, { limit: 100 })).rejects.toBeInstanceOf(KnowledgeRepositoryNotFoundError);
    expect(await knowledge.missingRepositories([repository.id, 987_654], SYSTEM_VIEWER)).toEqual([987_654]);
  });

  it('forgets a deleted document’s chunks, and a deleted repository’s documents', async () => {
    const knowledge = store();
    const repository = await knowledge.createRepository({ name: 'Deleting', ownerId });
    const [otters, herons] = await knowledge.addDocuments(repository.id, [
      { title: 'Otters', mediaType: 'text/plain', content: 'Otters float on their backs.' },
      { title: 'Herons', mediaType: 'text/plain', content: 'Herons wade. Otters are their neighbours.' },
    ]);
    const search = () => knowledge.search({ viewer: SYSTEM_VIEWER, repositoryIds: [repository.id], query: 'otters', searchType: 'hybrid', limit: 10 });
    expect(new Set((await search()).map((passage) => passage.documentId))).toEqual(new Set([otters!.id, herons!.id]));
    expect(await knowledge.deleteDocument(otters!.id)).toBe(true);
    expect(await knowledge.deleteDocument(otters!.id)).toBe(false);
    expect((await search()).map((passage) => passage.documentId)).toEqual([herons!.id]);
    expect(await db.prisma.knowledgeChunk.count({ where: { documentId: otters!.id } })).toBe(0);
    expect(await knowledge.deleteRepository(repository.id)).toBe(true);
    expect(await db.prisma.knowledgeChunk.count({ where: { repositoryId: repository.id } })).toBe(0);
    expect(await knowledge.deleteRepository(repository.id)).toBe(false);
  });

  it('stops a search when its signal is aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    const repository = await store().createRepository({ name: 'Aborted', ownerId });
    await expect(
      store().search({ viewer: SYSTEM_VIEWER, repositoryIds: [repository.id], query: 'q', searchType: 'hybrid', limit: 5, signal: controller.signal }),
    ).rejects.toThrow();
  });
});
