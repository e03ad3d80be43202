/**
 * Event ids name an event's execution and its place in that execution's sequence, so a client's
 * `lastEventId` is enough to resume without a lookup, and an id from another execution is caught.
 */
const EVENT_ID = /^evt_(\d+)_(\d+)$/;

export function formatEventId(executionId: number, sequence: number): string {
  return `evt_${executionId}_${String(sequence).padStart(6, '0')}`;
}

export function parseEventId(eventId: string): { executionId: number; sequence: number } | null {
  const match = EVENT_ID.exec(eventId);
  if (!match?.[1] || !match[2]) return null;
  return { executionId: Number(match[1]), sequence: Number(match[2]) };
}
