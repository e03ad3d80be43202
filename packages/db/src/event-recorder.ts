import { executionEventSchema, formatEventId, type EventDraft, type ExecutionEvent } from '@aae/events';
import type { PendingEvent } from './event-store.ts';
import { storable } from './storable.ts';

export interface EventRecorderOptions {
  executionId: number;
  enqueue(event: PendingEvent): void;
  /** The last sequence already stored for this execution (0 for a new one). */
  lastSequence?: number;
  now?: () => Date;
}

/**
 * Stamps each event an execution emits with its sequence, timestamp and eventId, validates it
 * against the contract and hands it to the write buffer. One recorder per running execution, so
 * sequence order is emission order.
 */
export function createEventRecorder(options: EventRecorderOptions) {
  let sequence = options.lastSequence ?? 0;
  let lastTime = 0;
  const now = options.now ?? (() => new Date());
  return {
    emit(draft: EventDraft): ExecutionEvent {
      // Never earlier than the previous event, even if the wall clock steps back, so ordering
      // by `created_at` (as the seed's SQL does) agrees with the sequence; ties are possible.
      lastTime = Math.max(lastTime, now().getTime());
      const createdAt = new Date(lastTime);
      const next = sequence + 1;
      const event = executionEventSchema.parse({
        eventType: draft.eventType,
        eventData: {
          ...(storable(draft.eventData) as object),
          timestamp: createdAt.toISOString(),
          eventId: formatEventId(options.executionId, next),
        },
      });
      sequence = next;
      options.enqueue({ ...event, executionId: options.executionId, sequence, createdAt } as PendingEvent);
      return event;
    },
  };
}

export type EventRecorder = ReturnType<typeof createEventRecorder>;
