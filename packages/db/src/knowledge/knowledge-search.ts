import type { KnowledgeSearchRequest, SearchType } from '@aae/events';
import type { VectorSearchMode } from '../client.ts';
import type { PrismaClient } from '../generated/prisma/client.ts';
import type { Viewer } from '../repositories/visibility.ts';
import { checkEmbeddings, type Embedder } from './embeddings.ts';
import { MixedEmbeddingModelsError } from './knowledge-errors.ts';
import { keywordSearch } from './keyword-search.ts';
import { requireRepositories } from './knowledge-repositories.ts';
import type { KnowledgePassage } from './rank-passages.ts';
import { reciprocalRankFusion } from './reciprocal-rank-fusion.ts';
import { vectorSearch } from './vector-search.ts';

export type KnowledgeSearchType = SearchType;

export type { KnowledgeSearchRequest };

export interface KnowledgeSearchOptions extends Embedder {
  /** `Database.vectorSearch`; without it similarity is computed in plain SQL. */
  vectorSearch?: () => Promise<VectorSearchMode>;
}

/** Searching knowledge repositories by keyword (PostgreSQL full-text search), by meaning (embeddings), or both fused. */
export function createKnowledgeSearch(prisma: PrismaClient, options: KnowledgeSearchOptions) {
  const vectorMode = options.vectorSearch ?? (async (): Promise<VectorSearchMode> => 'exact');

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
    /**
     * The passages best matching `query`, best first, scores in 0..1: `keyword` by full-text rank,
     * `vector` by cosine similarity of embeddings, `hybrid` by reciprocal rank fusion of the two.
     * A repository `viewer` may not read counts as missing.
     */
    async search(request: KnowledgeSearchRequest & { viewer: Viewer }): Promise<KnowledgePassage[]> {
      const limit = Math.max(0, Math.floor(request.limit));
      if (request.repositoryIds.length === 0 || request.query.trim() === '' || limit === 0) return [];
      request.signal?.throwIfAborted();
      const repositories = await requireRepositories(prisma, request.repositoryIds, request.viewer);
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
