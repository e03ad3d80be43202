import { Prisma } from '../generated/prisma/client.ts';
import type { VectorSearchMode } from '../client.ts';
import { rankPassages, type KnowledgePassage, type RawQueryClient } from './rank-passages.ts';

/** A float8[] literal: exact decimal text, so both paths see the same numbers. */
export function toFloatArrayLiteral(vector: readonly number[]): string {
  return `{${vector.join(',')}}`;
}

/**
 * Cosine similarity by exact scan: stored vectors and the query have unit length, so it is their
 * dot product. pgvector computes it with `<#>` (negative inner product; unlike `<=>` it gives 0,
 * not NaN, for the zero vector of a text without terms); without pgvector, SQL sums the products
 * of the float8[] arrays. Both rank alike: pgvector works in float4, so only scores within about
 * 1e-7 of each other could swap.
 */
export function vectorSearch(
  db: RawQueryClient,
  mode: VectorSearchMode,
  options: { repositoryIds: readonly number[]; embedding: readonly number[]; limit: number },
): Promise<KnowledgePassage[]> {
  const literal = toFloatArrayLiteral(options.embedding);
  const score =
    mode === 'pgvector'
      ? Prisma.sql`-(c.embedding::vector <#> ${literal}::float8[]::vector)`
      : Prisma.sql`(SELECT sum(a * b) FROM unnest(c.embedding, ${literal}::float8[]) AS t(a, b))`;
  return rankPassages(db, { repositoryIds: options.repositoryIds, score, limit: options.limit });
}
