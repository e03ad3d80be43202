/**
 * The items of several async sources as they come, taking turns: when more than one has an item
 * ready, the one that waited longest goes first, so a long back-fill cannot hold up live items of
 * the others. Ends when every source has ended; a source's error ends the merge with it.
 *
 * Stopping the merge asks each source to return without waiting for it: a source blocked on a
 * live read ends when its stream's signal is aborted (the caller's scope does that).
 */
export async function* mergeFairly<T>(sources: Iterable<AsyncIterable<T>>): AsyncGenerator<T, void, undefined> {
  const iterators = [...sources].map((source) => source[Symbol.asyncIterator]());
  type Pending = Promise<{ iterator: AsyncIterator<T>; result: IteratorResult<T> }>;
  const pull = (iterator: AsyncIterator<T>): Pending => iterator.next().then((result) => ({ iterator, result }));
  // In turn order: already settled reads are taken in this order (Promise.race picks the first).
  let waiting: Array<{ iterator: AsyncIterator<T>; next: Pending }> = iterators.map((iterator) => ({ iterator, next: pull(iterator) }));
  try {
    while (waiting.length > 0) {
      const { iterator, result } = await Promise.race(waiting.map((entry) => entry.next));
      waiting = waiting.filter((entry) => entry.iterator !== iterator);
      if (result.done) continue;
      // Its next read goes to the back of the turn order.
      waiting.push({ iterator, next: pull(iterator) });
      yield result.value;
    }
  } finally {
    for (const { iterator, next } of waiting) {
      next.catch(() => {});
      iterator.return?.()?.catch(() => {});
    }
  }
}
