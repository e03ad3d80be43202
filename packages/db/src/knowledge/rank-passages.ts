import { Prisma, type PrismaClient } from '../generated/prisma/client.ts';

import type { KnowledgePassage } from '@aae/events';

export type { KnowledgePassage };

export type RawQueryClient = Pick<PrismaClient, '$queryRaw'>;

/**
 * The chunks of some repositories that pass `filter`, best `score` first (ties: older chunk first),
 * with the score clamped into 0..1 after ranking.
 */
export function rankPassages(
  db: RawQueryClient,
  options: { repositoryIds: readonly number[]; score: Prisma.Sql; filter?: Prisma.Sql; limit: number },
): Promise<KnowledgePassage[]> {
  return db.$queryRaw<KnowledgePassage[]>`
    SELECT ranked.id AS "chunkId", ranked.document_id AS "documentId", ranked.repository_id AS "repositoryId",
           d.title AS "documentTitle", ranked.content, ranked.tokens,
           LEAST(GREATEST(COALESCE(ranked.score, 0), 0), 1)::float8 AS score
    FROM (
      SELECT c.id, c.document_id, c.repository_id, c.content, c.tokens, (${options.score})::float8 AS score
      FROM knowledge_chunks c
      WHERE c.repository_id = ANY(${[...options.repositoryIds]}::int[]) AND ${options.filter ?? Prisma.sql`TRUE`}
      ORDER BY score DESC NULLS LAST, c.id ASC
      LIMIT ${options.limit}
    ) ranked
    JOIN knowledge_documents d ON d.id = ranked.document_id
    ORDER BY ranked.score DESC NULLS LAST, ranked.id ASC`;
}
