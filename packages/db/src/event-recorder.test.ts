import { describe, expect, it } from 'vitest';
import { createEventRecorder } from './event-recorder.ts';
import type { PendingEvent } from './event-store.ts';

describe('event recorder', () => {
  it('stamps sequence, time and id, and never goes back in time', () => {
    const pending: PendingEvent[] = [];
    const times = [5_000, 3_000, 7_000];
    const recorder = createEventRecorder({ executionId: 4, enqueue: (event) => pending.push(event), now: () => new Date(times.shift()!) });
    for (let step = 1; step <= 3; step++) {
      recorder.emit({ eventType: 'progress', eventData: { currentStep: step, totalSteps: 3, percentage: step * 33, message: 'x' } });
    }
    expect(pending.map((event) => [event.sequence, event.eventData.eventId, event.createdAt.getTime()])).toEqual([
      [1, 'evt_4_000001', 5_000],
      [2, 'evt_4_000002', 5_000],
      [3, 'evt_4_000003', 7_000],
    ]);
  });

  it('replaces NUL characters, which PostgreSQL cannot store, instead of losing the event', () => {
    const pending: PendingEvent[] = [];
    const recorder = createEventRecorder({ executionId: 1, enqueue: (event) => pending.push(event) });
    recorder.emit({
      eventType: 'tool-execution-start',
      eventData: { promptId: 1, toolName: 'calculator', parameters: { 'ke\u0000y': ['1+\u0000', { deep: '\u0000' }], n: 3 } },
    });
    expect(JSON.stringify(pending[0]!.eventData)).not.toContain('\\u0000');
    expect(pending[0]!.eventData).toMatchObject({ parameters: { 'ke\uFFFDy': ['1+\uFFFD', { deep: '\uFFFD' }], n: 3 } });
  });

  it('refuses a payload that breaks the contract, naming the field', () => {
    const recorder = createEventRecorder({ executionId: 1, enqueue: () => {} });
    expect(() => recorder.emit({ eventType: 'knowledge-retrieved', eventData: { promptId: 1, documentsFound: 2, relevanceScore: 1.5, tokens: 3 } })).toThrow(
      /relevanceScore/,
    );
  });
});
