import { z } from 'zod';
import { executionEventSchema, type EventType, type ExecutionEvent, type ExecutionEventOf } from './event-types.ts';

/**
 * An event as it is stored and streamed: the typed `{ eventType, eventData }` plus where it sits.
 * `id` is the row's id in `assistant_architect_events`; `sequence` is its place within the execution.
 */
export type StoredEvent<E extends ExecutionEvent = ExecutionEvent> = E extends ExecutionEvent
  ? E & { id: number; executionId: number; sequence: number; createdAt: Date }
  : never;

export type StoredEventOf<T extends EventType> = StoredEvent<ExecutionEventOf<T>>;

const rowFields = z.object({
  id: z.number().int().positive(),
  executionId: z.number().int().positive(),
  sequence: z.number().int().positive(),
  createdAt: z.date(),
});

/** Parses a stored row: the JSON column is checked against the union, never cast. */
export function parseStoredEvent(row: {
  id: number;
  executionId: number;
  sequence: number;
  createdAt: Date;
  eventType: string;
  eventData: unknown;
}): StoredEvent {
  const fields = rowFields.parse(row);
  const event = executionEventSchema.parse({ eventType: row.eventType, eventData: row.eventData });
  return { ...event, ...fields } as StoredEvent;
}
