/** The usual constant: it damps the head of each ranking so that agreement between rankings wins. */
export const RRF_K = 60;

/**
 * Fuses best-first rankings of ids by reciprocal rank (Σ 1 / (k + rank)), scaled by the best
 * possible fused score (first in every ranking), so scores lie in 0..1. Ties keep the smaller id first.
 */
export function reciprocalRankFusion(rankings: ReadonlyArray<readonly number[]>, k = RRF_K): Array<{ id: number; score: number }> {
  const fused = new Map<number, number>();
  for (const ranking of rankings) {
    for (const [index, id] of ranking.entries()) fused.set(id, (fused.get(id) ?? 0) + 1 / (k + index + 1));
  }
  const best = rankings.length / (k + 1);
  return [...fused].map(([id, score]) => ({ id, score: Math.min(score / best, 1) })).sort((a, b) => b.score - a.score || a.id - b.id);
}
