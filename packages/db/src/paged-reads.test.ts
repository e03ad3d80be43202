import { describe, expect, it } from 'vitest';
import { readAfter, readByCursor } from './paged-reads.ts';

const rows = Array.from({ length: 7 }, (_, index) => ({ id: index + 1 }));

describe('readAfter', () => {
  it('reads page after page from the last key, and stops at a short page', async () => {
    const reads: Array<[number, number]> = [];
    const read = async (after: number, limit: number) => {
      reads.push([after, limit]);
      return rows.filter((row) => row.id > after).slice(0, limit);
    };
    const seen = [];
    for await (const row of readAfter(read, { after: 0, limit: 3, keyOf: (row) => row.id })) seen.push(row.id);
    expect(seen).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(reads).toEqual([
      [0, 3],
      [3, 3],
      [6, 3],
    ]);
  });

  it('reads one more (empty) page when the last one was full', async () => {
    const reads: number[] = [];
    const read = async (after: number, limit: number) => {
      reads.push(after);
      return rows
        .slice(0, 6)
        .filter((row) => row.id > after)
        .slice(0, limit);
    };
    const seen = [];
    for await (const row of readAfter(read, { after: 0, limit: 3, keyOf: (row) => row.id })) seen.push(row.id);
    expect(seen).toEqual([1, 2, 3, 4, 5, 6]);
    expect(reads).toEqual([0, 3, 6]);
  });

  it('reads the next page only when the rows before it are consumed, and no more once the reader stops', async () => {
    const reads: number[] = [];
    const read = async (after: number, limit: number) => {
      reads.push(after);
      return rows.filter((row) => row.id > after).slice(0, limit);
    };
    for await (const row of readAfter(read, { after: 0, limit: 2, keyOf: (row) => row.id })) {
      if (row.id === 3) break;
    }
    expect(reads).toEqual([0, 2]);
  });
});

describe('readByCursor', () => {
  it('follows the cursors until there is none', async () => {
    const cursors: Array<string | undefined> = [];
    const pages: Record<string, { items: number[]; nextCursor: string | null }> = {
      first: { items: [1, 2], nextCursor: 'b' },
      b: { items: [3], nextCursor: 'c' },
      c: { items: [], nextCursor: null },
    };
    const seen = [];
    for await (const item of readByCursor(async (cursor: string | undefined) => {
      cursors.push(cursor);
      return pages[cursor ?? 'first'] ?? { items: [], nextCursor: null };
    }))
      seen.push(item);
    expect(seen).toEqual([1, 2, 3]);
    expect(cursors).toEqual([undefined, 'b', 'c']);
  });
});
