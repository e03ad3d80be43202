import { EventEmitter, on } from 'node:events';
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

export function createInProcessEventBus(): EventBus {
  const emitter = new EventEmitter();
  emitter.setMaxListeners(0);

  function watch<T>(channel: string, signal: AbortSignal): AsyncIterable<T> {
    // events.on attaches its listener here, before the caller's first read, and queues what
    // arrives; a generator would attach only when first read, and could miss events.
    const iterator = on(emitter, channel, { signal });
    return {
      async *[Symbol.asyncIterator]() {
        try {
          for await (const [value] of iterator) yield value as T;
        } catch (error) {
          if (!signal.aborted) throw error;
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
    publishOutput(delta) {
      emitter.emit(outputChannel(delta.executionId), delta);
    },
    watchExecution: (executionId, signal) => watch(executionChannel(executionId), signal),
    watchAll: (signal) => watch(ALL, signal),
    watchOutput: (executionId, signal) => watch(outputChannel(executionId), signal),
  };
}
