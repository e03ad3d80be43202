import type { StoredEvent } from '@aae/events';
import { TRPCError } from '@trpc/server';
import { SlowWatcherError, type EventSink } from '@aae/runtime';

/** Events a reader may leave unread before it counts as too slow (while live). */
const MAX_UNREAD = 10_000;
/** While catching up, history is handed over this many events ahead of the reader. */
const READ_AHEAD = 500;

/**
 * A sink read as an async iterable (the typed subscription's generator, and any in-process
 * reader): ends after the terminal event, throws when the core drops the watcher.
 */
export function createQueueSink() {
  let queue: StoredEvent[] = [];
  let ended = false;
  let failure: { error: unknown } | null = null;
  let wakeReader: (() => void) | null = null;
  let wakeWriter: (() => void) | null = null;
  const wake = () => {
    wakeReader?.();
    wakeReader = null;
  };

  const sink: EventSink = {
    send(event) {
      queue.push(event);
      wake();
      return queue.length <= MAX_UNREAD;
    },
    sendMany(events) {
      for (const event of events) queue.push(event);
      wake();
      return queue.length <= MAX_UNREAD;
    },
    whenWritable() {
      if (queue.length < READ_AHEAD) return null;
      return new Promise<void>((resolve) => {
        wakeWriter = resolve;
      });
    },
    finish() {
      ended = true;
      wake();
    },
    fail(error) {
      failure = { error };
      wake();
    },
  };

  /** The events as they come, until the terminal one or `signal`. */
  async function* events(signal: AbortSignal): AsyncGenerator<StoredEvent, void, undefined> {
    const onAbort = () => {
      wake();
      wakeWriter?.();
    };
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      for (;;) {
        if (queue.length > 0) {
          const taken = queue;
          queue = [];
          wakeWriter?.();
          wakeWriter = null;
          for (const event of taken) yield event;
          continue;
        }
        if (failure) {
          const { error } = failure;
          throw error instanceof SlowWatcherError ? new TRPCError({ code: 'SERVICE_UNAVAILABLE', message: error.message, cause: error }) : error;
        }
        if (ended || signal.aborted) return;
        await new Promise<void>((resolve) => {
          wakeReader = resolve;
        });
      }
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  }

  return { sink, events };
}
