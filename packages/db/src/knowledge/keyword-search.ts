import { Prisma } from '../generated/prisma/client.ts';
import { rankPassages, type KnowledgePassage, type RawQueryClient } from './rank-passages.ts';

/** Cover density, scaled by rank / (rank + 1) (normalisation 32) so that scores lie in 0..1. */
const RANK_NORMALISATION = 32;

function byTsQuery(db: RawQueryClient, tsQuery: Prisma.Sql, repositoryIds: readonly number[], limit: number) {
  return rankPassages(db, {
    repositoryIds,
    score: Prisma.sql`ts_rank_cd(c.search_vector, ${tsQuery}, ${RANK_NORMALISATION})`,
    filter: Prisma.sql`c.search_vector @@ ${tsQuery}`,
    limit,
  });
}

/**
 * Full-text search over `search_vector`, first with web-search syntax (every word must occur,
 * "quoted phrases", -exclusions, or); when that matches nothing, any of the query's words may
 * match, so a question phrased in full still finds the passages that answer part of it.
 */
export async function keywordSearch(
  db: RawQueryClient,
  options: { repositoryIds: readonly number[]; query: string; limit: number },
): Promise<KnowledgePassage[]> {
  const all = Prisma.sql`websearch_to_tsquery('english', ${options.query})`;
  const matches = await byTsQuery(db, all, options.repositoryIds, options.limit);
  if (matches.length > 0) return matches;
  // plainto_tsquery quotes every lexeme, so only its operators change when ANDs become ORs.
  const any = Prisma.sql`replace(plainto_tsquery('english', ${options.query})::text, ' & ', ' | ')::tsquery`;
  return byTsQuery(db, any, options.repositoryIds, options.limit);
}
