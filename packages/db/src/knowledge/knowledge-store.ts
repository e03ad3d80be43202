import type { VectorSearchMode } from '../client.ts';
import type { Prisma, PrismaClient } from '../generated/prisma/client.ts';
import type { Visibility } from '../generated/prisma/enums.ts';
import { visibleTo, type Viewer } from '../repositories/visibility.ts';
import { chunkDocument, DEFAULT_CHUNK_OVERLAP_TOKENS, DEFAULT_CHUNK_TOKENS, type KnowledgeMediaType, type TokenCounter } from './chunk-document.ts';
import { KnowledgeRepositoryNotFoundError, MixedEmbeddingModelsError } from './knowledge-errors.ts';
import { keywordSearch } from './keyword-search.ts';
import type { KnowledgePassage } from './rank-passages.ts';
import { reciprocalRankFusion } from './reciprocal-rank-fusion.ts';
import { toFloatArrayLiteral, vectorSearch } from './vector-search.ts';

import type { KnowledgeSearchRequest, SearchType } from '@aae/events';

export type KnowledgeSearchType = SearchType;

export type { KnowledgeSearchRequest };

export interface KnowledgeStoreOptions {
  /** Embeds texts with the named model; must return unit-length vectors (or zero vectors), one per text. */
  embed(modelId: string, texts: readonly string[], signal?: AbortSignal): Promise<number[][]>;
  /** The embedding model of a repository created without one. */
  defaultEmbeddingModel: string;
  countTokens: TokenCounter;
  /** `Database.vectorSearch`; without it similarity is computed in plain SQL. */
  vectorSearch?: () => Promise<VectorSearchMode>;
  /** Texts per embedding call; each finished batch reports progress. */
  embedBatchSize?: number;
  chunkTokens?: number;
  chunkOverlapTokens?: number;
}

export interface NewKnowledgeDocument {
  title: string;
  mediaType: KnowledgeMediaType;
  content: string;
}

export interface AddDocumentsProgress {
  currentStep: number;
  totalSteps: number;
  message: string;
  /** Chunks embedded so far, of all the documents' chunks (in document order). */
  embeddedChunks: number;
  /** Chunks of each document, in the order given. */
  chunksPerDocument: number[];
}

const repositorySelect = {
  id: true,
  name: true,
  description: true,
  ownerId: true,
  visibility: true,
  embeddingModel: true,
  createdAt: true,
  owner: { select: { name: true } },
  _count: { select: { documents: true, chunks: true } },
} satisfies Prisma.KnowledgeRepositorySelect;

type RepositoryRow = Prisma.KnowledgeRepositoryGetPayload<{ select: typeof repositorySelect }>;

export type KnowledgeRepositorySummary = Omit<RepositoryRow, 'owner' | '_count'> & {
  /** Null for the product's own repositories. */
  ownerName: string | null;
  documentCount: number;
  chunkCount: number;
};

function toRepository({ owner, _count, ...row }: RepositoryRow): KnowledgeRepositorySummary {
  return { ...row, ownerName: owner?.name ?? null, documentCount: _count.documents, chunkCount: _count.chunks };
}

const documentFieldsSelect = {
  id: true,
  repositoryId: true,
  title: true,
  mediaType: true,
  createdAt: true,
} satisfies Prisma.KnowledgeDocumentSelect;

const documentSelect = { ...documentFieldsSelect, _count: { select: { chunks: true } } } satisfies Prisma.KnowledgeDocumentSelect;

type DocumentRow = Prisma.KnowledgeDocumentGetPayload<{ select: typeof documentSelect }>;

export type KnowledgeDocumentSummary = Omit<DocumentRow, '_count'> & { chunkCount: number };

function toDocument({ _count, ...row }: DocumentRow): KnowledgeDocumentSummary {
  return { ...row, chunkCount: _count.chunks };
}

/** Rows per chunk insert: each carries a vector, so this bounds one statement to a few MB. */
const INSERT_BATCH = 200;
const UNIT_TOLERANCE = 1e-3;

function checkEmbeddings(modelId: string, texts: readonly string[], vectors: number[][], dimensions: number | null): number {
  if (vectors.length !== texts.length) {
    throw new Error(`Embedding model "${modelId}" returned ${vectors.length} vectors for ${texts.length} texts`);
  }
  let size = dimensions;
  for (const vector of vectors) {
    size ??= vector.length;
    if (vector.length !== size) throw new Error(`Embedding model "${modelId}" returned vectors of ${vector.length} and ${size} dimensions`);
    const norm = Math.sqrt(vector.reduce((sum, value) => sum + value * value, 0));
    // Cosine similarity is computed as a dot product, which needs unit vectors.
    if (norm !== 0 && Math.abs(norm - 1) > UNIT_TOLERANCE) {
      throw new Error(`Embedding model "${modelId}" returned a vector of length ${norm.toFixed(4)}; expected unit vectors`);
    }
  }
  return size ?? 0;
}

/**
 * Knowledge repositories: documents cut into chunks, each searchable by keyword (PostgreSQL
 * full-text search) and by meaning (an embedding per chunk), or both fused.
 */
export function createKnowledgeStore(prisma: PrismaClient, options: KnowledgeStoreOptions) {
  const batchSize = options.embedBatchSize ?? 64;
  const vectorMode = options.vectorSearch ?? (async (): Promise<VectorSearchMode> => 'exact');

  async function findRepositories(ids: readonly number[], viewer: Viewer) {
    const unique = [...new Set(ids)];
    const rows = await prisma.knowledgeRepository.findMany({
      where: { id: { in: unique }, ...visibleTo(viewer) },
      select: { id: true, embeddingModel: true },
    });
    const found = new Set(rows.map((row) => row.id));
    return { rows, missing: unique.filter((id) => !found.has(id)) };
  }

  async function requireRepositories(ids: readonly number[], viewer: Viewer) {
    const { rows, missing } = await findRepositories(ids, viewer);
    if (missing.length > 0) throw new KnowledgeRepositoryNotFoundError(missing);
    return rows;
  }

  async function searchByVector(
    request: KnowledgeSearchRequest,
    repositories: ReadonlyArray<{ id: number; embeddingModel: string }>,
    limit: number,
  ): Promise<KnowledgePassage[]> {
    const models = new Set(repositories.map((repository) => repository.embeddingModel));
    if (models.size > 1) {
      throw new MixedEmbeddingModelsError(repositories.map((repository) => ({ repositoryId: repository.id, embeddingModel: repository.embeddingModel })));
    }
    const [modelId] = models;
    if (modelId === undefined) return [];
    const vectors = await options.embed(modelId, [request.query], request.signal);
    checkEmbeddings(modelId, [request.query], vectors, null);
    request.signal?.throwIfAborted();
    return vectorSearch(prisma, await vectorMode(), { repositoryIds: request.repositoryIds, embedding: vectors[0] ?? [], limit });
  }

  return {
    async createRepository(input: {
      name: string;
      description?: string;
      /** Null: the product's own. */
      ownerId: number | null;
      visibility?: Visibility;
      embeddingModel?: string;
    }) {
      const row = await prisma.knowledgeRepository.create({
        data: {
          name: input.name,
          description: input.description ?? '',
          ownerId: input.ownerId,
          visibility: input.visibility ?? 'private',
          embeddingModel: input.embeddingModel ?? options.defaultEmbeddingModel,
        },
        select: repositorySelect,
      });
      return toRepository(row);
    },

    /** The repositories `viewer` may read, by id, from after `afterId`. */
    async listRepositories(viewer: Viewer, page: { afterId?: number | null | undefined; limit: number }): Promise<KnowledgeRepositorySummary[]> {
      const rows = await prisma.knowledgeRepository.findMany({
        where: { ...visibleTo(viewer), ...(page.afterId ? { id: { gt: page.afterId } } : {}) },
        orderBy: { id: 'asc' },
        take: page.limit,
        select: repositorySelect,
      });
      return rows.map(toRepository);
    },

    /** How many repositories `ownerId` has. */
    countRepositoriesOwnedBy(ownerId: number): Promise<number> {
      return prisma.knowledgeRepository.count({ where: { ownerId } });
    },

    /** A repository `viewer` may read; null when it does not exist or is not theirs to see. */
    async getRepository(id: number, viewer: Viewer): Promise<KnowledgeRepositorySummary | null> {
      const row = await prisma.knowledgeRepository.findFirst({ where: { id, ...visibleTo(viewer) }, select: repositorySelect });
      return row ? toRepository(row) : null;
    },

    async updateRepository(id: number, changes: { name?: string | undefined; description?: string | undefined; visibility?: Visibility | undefined }) {
      return toRepository(await prisma.knowledgeRepository.update({ where: { id }, data: changes, select: repositorySelect }));
    },

    /** The ids among `ids` that name no repository `viewer` may read. */
    async missingRepositories(ids: readonly number[], viewer: Viewer): Promise<number[]> {
      return (await findRepositories(ids, viewer)).missing;
    },

    /** Deletes a repository with its documents and chunks; false when it did not exist. */
    async deleteRepository(id: number): Promise<boolean> {
      const { count } = await prisma.knowledgeRepository.deleteMany({ where: { id } });
      return count > 0;
    },

    /**
     * Chunks and embeds the documents, then stores documents and chunks in one transaction, so a
     * failure leaves none of them behind. Embedding runs before the transaction opens.
     */
    async addDocuments(
      repositoryId: number,
      documents: readonly NewKnowledgeDocument[],
      callbacks: {
        onProgress?(progress: AddDocumentsProgress): void;
        signal?: AbortSignal | undefined;
        /** Runs in the storing transaction, last: throwing rolls every document back. */
        beforeCommit?(tx: Prisma.TransactionClient, stored: KnowledgeDocumentSummary[], progress: AddDocumentsProgress): Promise<void>;
      } = {},
    ): Promise<KnowledgeDocumentSummary[]> {
      const repository = await prisma.knowledgeRepository.findUnique({ where: { id: repositoryId }, select: { embeddingModel: true } });
      if (!repository) throw new KnowledgeRepositoryNotFoundError([repositoryId]);
      const modelId = repository.embeddingModel;
      const chunked = documents.map((document) =>
        chunkDocument(document.content, document.mediaType, {
          countTokens: options.countTokens,
          targetTokens: options.chunkTokens ?? DEFAULT_CHUNK_TOKENS,
          overlapTokens: options.chunkOverlapTokens ?? DEFAULT_CHUNK_OVERLAP_TOKENS,
        }),
      );
      const texts = chunked.flat().map((chunk) => chunk.content);
      const chunksPerDocument = chunked.map((chunks) => chunks.length);
      const batches = Math.ceil(texts.length / batchSize);
      const totalSteps = batches + 1;
      const embeddings: number[][] = [];
      let dimensions: number | null = null;
      for (let batch = 0; batch < batches; batch += 1) {
        callbacks.signal?.throwIfAborted();
        const slice = texts.slice(batch * batchSize, (batch + 1) * batchSize);
        const vectors = await options.embed(modelId, slice, callbacks.signal);
        dimensions = checkEmbeddings(modelId, slice, vectors, dimensions);
        embeddings.push(...vectors);
        const first = batch * batchSize + 1;
        callbacks.onProgress?.({
          currentStep: batch + 1,
          totalSteps,
          message: `Embedded chunks ${first}–${first + slice.length - 1} of ${texts.length}`,
          embeddedChunks: embeddings.length,
          chunksPerDocument,
        });
      }
      callbacks.signal?.throwIfAborted();

      const stored = (count: number): AddDocumentsProgress => ({
        currentStep: totalSteps,
        totalSteps,
        message: `Stored ${count} ${count === 1 ? 'document' : 'documents'} (${texts.length} chunks)`,
        embeddedChunks: texts.length,
        chunksPerDocument,
      });
      const rows = await prisma.$transaction(
        async (tx) => {
          const summaries: KnowledgeDocumentSummary[] = [];
          let next = 0;
          for (const [index, document] of documents.entries()) {
            const row = await tx.knowledgeDocument.create({
              data: { repositoryId, title: document.title, mediaType: document.mediaType, content: document.content },
              select: documentFieldsSelect,
            });
            const chunks = (chunked[index] ?? []).map((chunk) => ({
              document_id: row.id,
              position: chunk.position,
              content: chunk.content,
              tokens: chunk.tokens,
              embedding: toFloatArrayLiteral(embeddings[next++] ?? []),
            }));
            for (let start = 0; start < chunks.length; start += INSERT_BATCH) {
              // Raw SQL: Prisma cannot write the tsvector column, and one statement inserts a whole batch.
              await tx.$executeRaw`
                INSERT INTO knowledge_chunks (repository_id, document_id, position, content, tokens, embedding, search_vector)
                SELECT ${repositoryId}, r.document_id, r.position, r.content, r.tokens, r.embedding::float8[],
                       to_tsvector('english', r.content)
                FROM jsonb_to_recordset(${JSON.stringify(chunks.slice(start, start + INSERT_BATCH))}::jsonb)
                  AS r(document_id int, position int, content text, tokens int, embedding text)`;
            }
            summaries.push({ ...row, chunkCount: chunks.length });
          }
          await callbacks.beforeCommit?.(tx, summaries, stored(summaries.length));
          return summaries;
        },
        { maxWait: 10_000, timeout: 120_000 },
      );
      callbacks.onProgress?.(stored(documents.length));
      return rows;
    },

    async listDocuments(
      repositoryId: number,
      viewer: Viewer,
      page: { afterId?: number | null | undefined; limit: number },
    ): Promise<KnowledgeDocumentSummary[]> {
      await requireRepositories([repositoryId], viewer);
      const rows = await prisma.knowledgeDocument.findMany({
        where: { repositoryId, ...(page.afterId ? { id: { gt: page.afterId } } : {}) },
        orderBy: { id: 'asc' },
        take: page.limit,
        select: documentSelect,
      });
      return rows.map(toDocument);
    },

    async getDocument(id: number): Promise<KnowledgeDocumentSummary | null> {
      const row = await prisma.knowledgeDocument.findUnique({ where: { id }, select: documentSelect });
      return row ? toDocument(row) : null;
    },

    /** Deletes a document and its chunks; false when it did not exist. */
    async deleteDocument(id: number): Promise<boolean> {
      const { count } = await prisma.knowledgeDocument.deleteMany({ where: { id } });
      return count > 0;
    },

    /**
     * The passages best matching `query`, best first, scores in 0..1: `keyword` by full-text rank,
     * `vector` by cosine similarity of embeddings, `hybrid` by reciprocal rank fusion of the two.
     * A repository `viewer` may not read counts as missing.
     */
    async search(request: KnowledgeSearchRequest & { viewer: Viewer }): Promise<KnowledgePassage[]> {
      const limit = Math.max(0, Math.floor(request.limit));
      if (request.repositoryIds.length === 0 || request.query.trim() === '' || limit === 0) return [];
      request.signal?.throwIfAborted();
      const repositories = await requireRepositories(request.repositoryIds, request.viewer);
      if (request.searchType === 'vector') return searchByVector(request, repositories, limit);
      if (request.searchType === 'keyword') return keywordSearch(prisma, { ...request, limit });

      // Fusion needs more than `limit` candidates: a passage second in both rankings beats one first in only one.
      const depth = Math.max(limit * 4, 50);
      const [byKeyword, byVector] = await Promise.all([keywordSearch(prisma, { ...request, limit: depth }), searchByVector(request, repositories, depth)]);
      const passages = new Map([...byVector, ...byKeyword].map((passage) => [passage.chunkId, passage]));
      return reciprocalRankFusion([byKeyword.map((passage) => passage.chunkId), byVector.map((passage) => passage.chunkId)])
        .slice(0, limit)
        .map(({ id, score }) => ({ ...(passages.get(id) as KnowledgePassage), score }));
    },
  };
}

export type KnowledgeStore = ReturnType<typeof createKnowledgeStore>;
