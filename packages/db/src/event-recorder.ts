import { executionEventSchema, formatEventId, type EventDraft, type ExecutionEvent } from '@aae/events';
import type { PendingEvent } from './event-store.ts';
import { storable } from './storable.ts';

export interface EventRecorderOptions {
  executionId: number;
  enqueue(event: PendingEvent): void;
  /** The last sequence already stored for this execution (0 for a new one). */
  lastSequence?: number;
  /** The last event's stored time, in microseconds since the epoch: a resumed recorder stamps later ones. */
  lastCreatedAtUs?: number;
  now?: () => Date;
  /** The running worker's claim on the execution: its events are refused once another worker took it over. */
  claim?: number;
}

/**
 * Stamps each event an execution emits with its sequence, timestamp and eventId, validates it
 * against the contract and hands it to the write buffer. One recorder per running execution, so
 * sequence order is emission order.
 */
export function createEventRecorder(options: EventRecorderOptions) {
  let sequence = options.lastSequence ?? 0;
  let lastTimeUs = options.lastCreatedAtUs ?? 0;
  const now = options.now ?? (() => new Date());
  return {
    emit(draft: EventDraft): ExecutionEvent {
      // At least one microsecond after the previous event, even within one millisecond or when
      // the wall clock steps back, so ordering by `created_at` (as the seed's SQL does) agrees
      // with the sequence. The wall clock's milliseconds keep the time true; the microseconds
      // only break ties.
      const createdAtUs = Math.max(lastTimeUs + 1, now().getTime() * 1000);
      // The payload's millisecond timestamp is the stored time truncated.
      const createdAt = new Date(Math.floor(createdAtUs / 1000));
      const next = sequence + 1;
      const event = executionEventSchema.parse({
        eventType: draft.eventType,
        eventData: {
          ...(storable(draft.eventData) as object),
          timestamp: createdAt.toISOString(),
          eventId: formatEventId(options.executionId, next),
        },
      });
      // The stored JSON is a snapshot of the payload as emitted. A payload JSON cannot hold (a
      // BigInt, a cycle in a tool's result) does not fail the run: the write buffer serializes it
      // again, fails there, and isolates and logs that one event.
      const eventDataJson = serialized(event.eventData);
      sequence = next;
      lastTimeUs = createdAtUs;
      // Built field by field: spreading into a new object on every event cost more than the rest of
      // the stamping (see BENCHMARKS.md, event-write-throughput).
      const pending = {
        eventType: event.eventType,
        eventData: event.eventData,
        executionId: options.executionId,
        sequence,
        createdAt,
        createdAtUs,
      } as PendingEvent;
      if (eventDataJson !== undefined) pending.eventDataJson = eventDataJson;
      if (options.claim !== undefined) pending.claim = options.claim;
      options.enqueue(pending);
      return event;
    },
  };
}

export type EventRecorder = ReturnType<typeof createEventRecorder>;

function serialized(payload: unknown): string | undefined {
  try {
    return JSON.stringify(payload);
  } catch {
    return undefined;
  }
}
