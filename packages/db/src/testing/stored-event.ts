import { formatEventId, type StoredEvent } from '@aae/events';

/**
 * A stored event for tests that need no database: `progress` at `sequence`, or with `terminal`
 * the execution's `execution-complete`; its row id and times follow from the sequence.
 */
export function storedEvent(executionId: number, sequence: number, terminal = false): StoredEvent {
  const eventData = { eventId: formatEventId(executionId, sequence), timestamp: new Date(sequence).toISOString() };
  const row = { id: executionId * 100_000 + sequence, executionId, sequence, createdAt: new Date(sequence) };
  return (terminal
    ? { ...row, eventType: 'execution-complete', eventData: { ...eventData, executionId, totalTokens: 0, duration: 1 } }
    : {
        ...row,
        eventType: 'progress',
        eventData: { ...eventData, currentStep: sequence, totalSteps: 0, percentage: 0, message: `step ${sequence}` },
      }) as unknown as StoredEvent;
}
