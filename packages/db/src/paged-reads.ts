/**
 * Every row of a query read in pages after a key (an id, a sequence), in order: the next page is
 * read only once the previous one has been consumed, and a page shorter than `limit` is the last.
 */
export async function* readAfter<T, K>(
  read: (after: K, limit: number) => Promise<readonly T[]>,
  options: { after: K; limit: number; keyOf: (row: T) => K },
): AsyncGenerator<T, void, undefined> {
  let after = options.after;
  for (;;) {
    const page = await read(after, options.limit);
    yield* page;
    const last = page.at(-1);
    if (page.length < options.limit || last === undefined) return;
    after = options.keyOf(last);
  }
}

/** Every item of a query read in pages by an opaque cursor, in order, until a page has no next cursor. */
export async function* readByCursor<T, C>(
  read: (cursor: C | undefined) => Promise<{ items: readonly T[]; nextCursor: C | null }>,
): AsyncGenerator<T, void, undefined> {
  let cursor: C | undefined;
  do {
    const page = await read(cursor);
    yield* page.items;
    cursor = page.nextCursor ?? undefined;
  } while (cursor !== undefined);
}
