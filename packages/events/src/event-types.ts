import { z } from 'zod';
import {
  executionCompleteSchema,
  executionErrorSchema,
  executionStartSchema,
  knowledgeRetrievalStartSchema,
  knowledgeRetrievedSchema,
  progressSchema,
  promptCompleteSchema,
  promptStartSchema,
  toolExecutionCompleteSchema,
  toolExecutionStartSchema,
  variableSubstitutionSchema,
} from './payloads.ts';

/** One payload schema per event type, keyed by the seed's hyphenated names. */
export const eventPayloadSchemas = {
  'execution-start': executionStartSchema,
  'execution-complete': executionCompleteSchema,
  'execution-error': executionErrorSchema,
  'prompt-start': promptStartSchema,
  'prompt-complete': promptCompleteSchema,
  'knowledge-retrieval-start': knowledgeRetrievalStartSchema,
  'knowledge-retrieved': knowledgeRetrievedSchema,
  'variable-substitution': variableSubstitutionSchema,
  'tool-execution-start': toolExecutionStartSchema,
  'tool-execution-complete': toolExecutionCompleteSchema,
  progress: progressSchema,
} as const;

type PayloadSchemas = typeof eventPayloadSchemas;

export type EventType = keyof PayloadSchemas;

/** In the order the seed lists them, which is also the enum's label order in the database. */
export const EVENT_TYPES = Object.keys(eventPayloadSchemas) as [EventType, ...EventType[]];

export const eventTypeSchema = z.enum(EVENT_TYPES);

export type EventPayload<T extends EventType> = z.infer<PayloadSchemas[T]>;

/** A payload before the recorder stamps `timestamp` and `eventId` on it. */
export type EventDraftPayload<T extends EventType> = Omit<EventPayload<T>, 'timestamp' | 'eventId'>;

function eventSchema<T extends EventType>(type: T) {
  return z.object({ eventType: z.literal(type), eventData: eventPayloadSchemas[type] });
}

/** `{ eventType, eventData }`: the shape the seed reads (`events[0].eventData.totalPrompts`). */
export const executionEventSchema = z.discriminatedUnion('eventType', [
  eventSchema('execution-start'),
  eventSchema('execution-complete'),
  eventSchema('execution-error'),
  eventSchema('prompt-start'),
  eventSchema('prompt-complete'),
  eventSchema('knowledge-retrieval-start'),
  eventSchema('knowledge-retrieved'),
  eventSchema('variable-substitution'),
  eventSchema('tool-execution-start'),
  eventSchema('tool-execution-complete'),
  eventSchema('progress'),
]);

export type ExecutionEvent = z.infer<typeof executionEventSchema>;

/** The member of the union whose `eventType` is T. */
export type ExecutionEventOf<T extends EventType> = Extract<ExecutionEvent, { eventType: T }>;

/** What the engine hands the recorder: a typed payload without the stamp. */
export type EventDraft = {
  [T in EventType]: { eventType: T; eventData: EventDraftPayload<T> };
}[EventType];

export const TERMINAL_EVENT_TYPES = ['execution-complete', 'execution-error'] as const satisfies readonly EventType[];

export type TerminalEventType = (typeof TERMINAL_EVENT_TYPES)[number];

export function isTerminalEventType(type: EventType): type is TerminalEventType {
  return (TERMINAL_EVENT_TYPES as readonly EventType[]).includes(type);
}

export function isTerminalEvent<E extends { eventType: EventType }>(event: E): event is Extract<E, { eventType: TerminalEventType }> {
  return isTerminalEventType(event.eventType);
}

/** Start and terminal events are written at once instead of waiting for a batch. */
export const CRITICAL_EVENT_TYPES = ['execution-start', 'execution-error', 'execution-complete'] as const satisfies readonly EventType[];

export function isCriticalEventType(type: EventType): boolean {
  return (CRITICAL_EVENT_TYPES as readonly EventType[]).includes(type);
}
