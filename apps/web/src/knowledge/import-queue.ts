/** Thrown by a queue's `run` when the server asked to wait (429): the item goes back in its place, ahead of those added after it. */
export class RetryLaterError extends Error {
  override name = 'RetryLaterError';
  constructor(
    readonly waitMs: number,
    message: string,
  ) {
    super(message);
  }
}

export interface ImportQueueOptions<T> {
  /** Most items running at once (the server's imports per person). */
  limit: number;
  /** Runs one item to its end (the import started and watched until it ends). */
  run(item: T): Promise<void>;
  /** The server refused to start `item` for now; it is tried again after `waitMs` or once another item ends. */
  onRetryLater?(item: T, waitMs: number, message: string): void;
  /** `run` failed with anything but `RetryLaterError`: the item is dropped. */
  onError(item: T, error: unknown): void;
  setTimer?(callback: () => void, ms: number): unknown;
  clearTimer?(timer: unknown): void;
}

/**
 * Runs items at most `limit` at a time, in the order added. A refusal to start now (the server's
 * limit reached, by another tab say) pauses the queue politely: nothing more is sent until the
 * wait the server asked for has passed or one of this queue's own items has ended and freed a place.
 */
export function createImportQueue<T>(options: ImportQueueOptions<T>) {
  const setTimer = options.setTimer ?? ((callback: () => void, ms: number) => setTimeout(callback, ms));
  const clearTimer = options.clearTimer ?? ((timer: unknown) => clearTimeout(timer as ReturnType<typeof setTimeout>));
  // Each with the order it was added in: refused items go back in that order, not in the order refused.
  const waiting: Array<{ item: T; order: number }> = [];
  let added = 0;
  let running = 0;
  let pausedBy: unknown = null;
  let stopped = false;

  const resume = () => {
    if (pausedBy !== null) clearTimer(pausedBy);
    pausedBy = null;
    pump();
  };

  function pump(): void {
    while (!stopped && pausedBy === null && running < Math.max(1, options.limit) && waiting.length > 0) {
      const entry = waiting.shift()!;
      const { item } = entry;
      running += 1;
      options
        .run(item)
        .then(
          () => undefined,
          (error: unknown) => {
            if (error instanceof RetryLaterError && !stopped) {
              const before = waiting.findIndex((other) => other.order > entry.order);
              waiting.splice(before === -1 ? waiting.length : before, 0, entry);
              options.onRetryLater?.(item, error.waitMs, error.message);
              if (pausedBy !== null) clearTimer(pausedBy);
              pausedBy = setTimer(resume, error.waitMs);
              return 'refused' as const;
            }
            options.onError(item, error);
            return undefined;
          },
        )
        .then((outcome) => {
          running -= 1;
          // An item of ours that ended frees a place the server counts: try again now.
          if (outcome !== 'refused' && pausedBy !== null) resume();
          else pump();
        });
    }
  }

  return {
    add(items: readonly T[]) {
      waiting.push(...items.map((item) => ({ item, order: added++ })));
      pump();
    },
    /** Takes the items not started yet that `match` picks out of the queue (cancelled): those taken. */
    remove(match: (item: T) => boolean): T[] {
      const taken = waiting.filter((entry) => match(entry.item));
      for (const entry of taken) waiting.splice(waiting.indexOf(entry), 1);
      return taken.map((entry) => entry.item);
    },
    /** Items not started yet. */
    get waiting(): readonly T[] {
      return waiting.map((entry) => entry.item);
    },
    get running() {
      return running;
    },
    /** Starts nothing more (the page was left); items running go on to their end. */
    stop() {
      stopped = true;
      if (pausedBy !== null) clearTimer(pausedBy);
      pausedBy = null;
      waiting.length = 0;
    },
  };
}
