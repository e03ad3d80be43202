import type { AaeClient } from '@aae/client';
import type { StoredEvent } from '@aae/events';

export interface CollectedStream {
  events: StoredEvent[];
  /** Resolves when the server ends the stream (after the terminal event). */
  completed: Promise<void>;
  /** Resolves once `count` events have arrived. */
  received(count: number): Promise<void>;
  unsubscribe(): void;
  connectionStates: string[];
}

/** Subscribes to an execution's events through the real client, collecting what arrives. */
export function collectExecutionEvents(
  client: AaeClient,
  input: { executionId: number; lastEventId?: string | null },
): CollectedStream {
  const events: StoredEvent[] = [];
  const connectionStates: string[] = [];
  const waiters: Array<{ count: number; resolve: () => void }> = [];
  let resolveCompleted: () => void = () => {};
  let rejectCompleted: (error: unknown) => void = () => {};
  const completed = new Promise<void>((resolve, reject) => {
    resolveCompleted = resolve;
    rejectCompleted = reject;
  });
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
    },
    onComplete: () => resolveCompleted(),
    onError: (error) => rejectCompleted(error),
  });
  return {
    events,
    completed,
    connectionStates,
    received(count) {
      if (events.length >= count) return Promise.resolve();
      return new Promise((resolve) => waiters.push({ count, resolve }));
    },
    unsubscribe: () => subscription.unsubscribe(),
  };
}
