import type { StoredEvent } from '@aae/events';

/** When the test events start. */
export const t0 = Date.parse('2026-11-26T10:00:00.000Z');

/** A stored event for the fold's tests, `offsetMs` after a fixed start. */
export function storedEvent(sequence: number, offsetMs: number, eventType: StoredEvent['eventType'], data: Record<string, unknown>): StoredEvent {
  const timestamp = new Date(t0 + offsetMs).toISOString();
  return {
    id: sequence,
    executionId: 1,
    sequence,
    createdAt: new Date(timestamp),
    eventType,
    eventData: { ...data, timestamp, eventId: `evt_1_${sequence}` },
  } as StoredEvent;
}
