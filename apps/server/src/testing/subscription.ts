import type { AaeClient } from '@aae/client';
import { deferred, type StoredEvent } from '@aae/events';

export interface CollectedStream {
  events: StoredEvent[];
  /** Resolves when the server ends the stream (after the terminal event). */
  completed: Promise<void>;
  /** Resolves once `count` events have arrived. */
  received(count: number): Promise<void>;
  unsubscribe(): void;
  connectionStates: string[];
  /** Why the client went back to connecting, each time it did (an error it retries after). */
  connectionErrors: string[];
  /** Resolves once the client has gone back to connecting with this message. */
  retried(message: string): Promise<void>;
}

/** Subscribes to an execution's events through the real client, collecting what arrives. */
export function collectExecutionEvents(client: AaeClient, input: { executionId: number; lastEventId?: string | null }): CollectedStream {
  const events: StoredEvent[] = [];
  const connectionStates: string[] = [];
  const connectionErrors: string[] = [];
  const waiters: Array<{ count: number; resolve: () => void }> = [];
  const retryWaiters: Array<{ message: string; resolve: () => void }> = [];
  const { promise: completed, resolve: resolveCompleted, reject: rejectCompleted } = deferred<void>();
  // A stream may fail before the test awaits it (while it waits on something else): not unhandled.
  completed.catch(() => {});
  const subscription = client.events.onExecutionEvent.subscribe(input, {
    onData(tracked) {
      if (tracked.id !== tracked.data.eventData.eventId) {
        rejectCompleted(new Error(`tracked id ${tracked.id} differs from eventId ${tracked.data.eventData.eventId}`));
      }
      events.push(tracked.data);
      for (const waiter of waiters.filter((w) => events.length >= w.count)) waiter.resolve();
    },
    onConnectionStateChange(state) {
      connectionStates.push(state.state);
      if (state.state === 'connecting' && state.error) {
        connectionErrors.push(state.error.message);
        for (const waiter of retryWaiters.filter((w) => w.message === state.error?.message)) waiter.resolve();
      }
    },
    onComplete: () => resolveCompleted(undefined),
    onError: (error) => rejectCompleted(error),
  });
  return {
    events,
    completed,
    connectionStates,
    connectionErrors,
    retried(message) {
      if (connectionErrors.includes(message)) return Promise.resolve();
      // A stream that ends first (with another error, or none) fails the wait rather than hang it.
      const ended = completed.then(
        () => Promise.reject(new Error(`the stream ended without retrying after "${message}"`)),
        (error: unknown) => Promise.reject(new Error(`the stream failed without retrying after "${message}": ${String(error)}`)),
      );
      return Promise.race([new Promise<void>((resolve) => retryWaiters.push({ message, resolve })), ended]);
    },
    received(count) {
      if (events.length >= count) return Promise.resolve();
      return new Promise((resolve) => waiters.push({ count, resolve }));
    },
    unsubscribe: () => subscription.unsubscribe(),
  };
}

export interface CollectedOutput {
  deltas: Array<{ promptId: number; text: string; replace: boolean }>;
  /** The text of one prompt (or of the only one) as a reader shows it: each `replace` starts it afresh. */
  text(promptId?: number): string;
  /** Resolves when the server ends the stream (the execution ended). */
  completed: Promise<void>;
  unsubscribe(): void;
}

/** Subscribes to the text an execution's models write through the real client, collecting what arrives. */
export function collectExecutionOutput(client: AaeClient, input: { executionId: number }): CollectedOutput {
  const deltas: CollectedOutput['deltas'] = [];
  const { promise: completed, resolve, reject } = deferred<void>();
  completed.catch(() => {});
  const subscription = client.events.onExecutionOutput.subscribe(input, {
    onData: (delta) => deltas.push(delta),
    onComplete: () => resolve(undefined),
    onError: (error) => reject(error),
  });
  return {
    deltas,
    text(promptId) {
      let text = '';
      for (const delta of deltas) {
        if (promptId !== undefined && delta.promptId !== promptId) continue;
        text = (delta.replace ? '' : text) + delta.text;
      }
      return text;
    },
    completed,
    unsubscribe: () => subscription.unsubscribe(),
  };
}
