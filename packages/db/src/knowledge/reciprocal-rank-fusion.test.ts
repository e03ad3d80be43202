import { describe, expect, it } from 'vitest';
import { reciprocalRankFusion } from './reciprocal-rank-fusion.ts';

describe('reciprocalRankFusion', () => {
  it('scores an id first in every ranking 1', () => {
    expect(
      reciprocalRankFusion([
        [7, 8],
        [7, 9],
      ])[0],
    ).toEqual({ id: 7, score: 1 });
  });

  it('puts agreement above a single first place', () => {
    const fused = reciprocalRankFusion([
      [1, 2, 3],
      [4, 2, 5],
    ]);
    expect(fused.map((entry) => entry.id)).toEqual([2, 1, 4, 3, 5]);
    expect(fused[0]?.score).toBeCloseTo(2 / 62 / (2 / 61));
    expect(fused[1]?.score).toBeCloseTo(0.5);
  });

  it('keeps scores in 0..1, sorted, with ties broken by id', () => {
    const fused = reciprocalRankFusion([[3, 1], [1, 3], []]);
    expect(fused.map((entry) => entry.id)).toEqual([1, 3]);
    expect(fused[0]?.score).toBe(fused[1]?.score);
    for (const entry of fused) {
      expect(entry.score).toBeGreaterThan(0);
      expect(entry.score).toBeLessThanOrEqual(1);
    }
  });

  it('returns nothing for empty rankings', () => {
    expect(reciprocalRankFusion([[], []])).toEqual([]);
  });
});
