import { executionEventSchema, type EventDraft, type ExecutionEvent } from '@aae/events';
import type { EventSink } from '../run-assistant.ts';

/** Records what the engine emits, each event checked against the contract as the recorder would. */
export function createCollectingSink() {
  const events: ExecutionEvent[] = [];
  const deltas: Array<{ promptId: number; text: string }> = [];
  const sink: EventSink = {
    emit(draft: EventDraft) {
      const event = executionEventSchema.parse({
        eventType: draft.eventType,
        eventData: { ...draft.eventData, timestamp: new Date().toISOString(), eventId: `evt_1_${events.length + 1}` },
      });
      events.push(event);
    },
    textDelta: (promptId, text) => deltas.push({ promptId, text }),
  };
  return {
    sink,
    events,
    deltas,
    types: () => events.map((event) => event.eventType),
    ofType: <T extends ExecutionEvent['eventType']>(type: T) =>
      events.filter((event): event is Extract<ExecutionEvent, { eventType: T }> => event.eventType === type),
  };
}
