import { EventEmitter } from 'node:events';
import type { StoredEvent } from '@aae/events';

/**
 * Publishes committed events to live readers in this process. Only events already in the
 * database are published, so anything a reader sees is in the history.
 */
/** Text a model is writing, as it is written: live only, never stored. */
export interface OutputDelta {
  executionId: number;
  promptId: number;
  text: string;
}

export interface EventBus {
  publish(events: readonly StoredEvent[]): void;
  /** Live text reaches readers in this process only; the stored output is the record. */
  publishOutput(delta: OutputDelta): void;
  watchOutput(executionId: number, signal: AbortSignal): AsyncIterable<OutputDelta>;
  /** Events of one execution published from the moment of the call on, buffered until read. */
  watchExecution(executionId: number, signal: AbortSignal): AsyncIterable<StoredEvent>;
  /** Every published event, buffered from the moment of the call on. */
  watchAll(signal: AbortSignal): AsyncIterable<StoredEvent>;
  close?(): Promise<void>;
}

const ALL = 'all';
const executionChannel = (executionId: number) => `execution:${executionId}`;
const outputChannel = (executionId: number) => `output:${executionId}`;

export interface InProcessEventBus extends EventBus {
  /**
   * Hands events that may already have been seen to the watchers of their execution only: they
   * skip what they have by sequence, which watchers of every execution cannot do.
   */
  republishToExecutionWatchers(events: readonly StoredEvent[]): void;
}

export function createInProcessEventBus(): InProcessEventBus {
  const emitter = new EventEmitter();
  emitter.setMaxListeners(0);

  /**
   * Listens from the moment of the call (not from the first read, as a generator would), and
   * queues what arrives until it is read. A plain array, not `events.on()`, whose queue
   * preallocates 32 KB per watcher (see BENCHMARKS.md).
   */
  function watch<T>(channel: string, signal: AbortSignal): AsyncIterable<T> {
    const queue: T[] = [];
    let wake: (() => void) | null = null;
    const listener = (value: T) => {
      queue.push(value);
      wake?.();
      wake = null;
    };
    const stop = () => {
      emitter.off(channel, listener);
      wake?.();
      wake = null;
    };
    if (signal.aborted) stop();
    else {
      emitter.on(channel, listener);
      signal.addEventListener('abort', stop, { once: true });
    }
    return {
      async *[Symbol.asyncIterator]() {
        try {
          for (;;) {
            while (queue.length > 0) yield queue.shift() as T;
            if (signal.aborted) return;
            await new Promise<void>((resolve) => {
              wake = resolve;
            });
          }
        } finally {
          signal.removeEventListener('abort', stop);
          stop();
        }
      },
    };
  }

  return {
    publish(events) {
      for (const event of events) {
        emitter.emit(executionChannel(event.executionId), event);
        emitter.emit(ALL, event);
      }
    },
    republishToExecutionWatchers(events) {
      for (const event of events) emitter.emit(executionChannel(event.executionId), event);
    },
    publishOutput(delta) {
      emitter.emit(outputChannel(delta.executionId), delta);
    },
    watchExecution: (executionId, signal) => watch(executionChannel(executionId), signal),
    watchAll: (signal) => watch(ALL, signal),
    watchOutput: (executionId, signal) => watch(outputChannel(executionId), signal),
  };
}
