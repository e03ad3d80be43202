import { describe, expect, it } from 'vitest';
import { createEventRecorder } from './event-recorder.ts';
import type { PendingEvent } from './event-store.ts';

const progress = (step: number) => ({ eventType: 'progress' as const, eventData: { currentStep: step, totalSteps: step, percentage: 100, message: 'x' } });

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

  it('gives events within one millisecond strictly increasing microsecond times, and the payload their millisecond', () => {
    const pending: PendingEvent[] = [];
    const clock = [1_700_000_000_123, 1_700_000_000_123, 1_700_000_000_123, 1_700_000_000_124];
    const recorder = createEventRecorder({ executionId: 2, enqueue: (event) => pending.push(event), now: () => new Date(clock.shift() ?? 0) });
    for (let step = 1; step <= 4; step++) recorder.emit(progress(step));
    expect(pending.map((event) => event.createdAtUs)).toEqual([1_700_000_000_123_000, 1_700_000_000_123_001, 1_700_000_000_123_002, 1_700_000_000_124_000]);
    for (const event of pending) {
      expect(event.createdAt.getTime()).toBe(Math.floor((event.createdAtUs ?? 0) / 1000));
      expect(event.eventData.timestamp).toBe(event.createdAt.toISOString());
    }
  });

  it('keeps going forward a microsecond at a time while the clock is behind, spilling into the next millisecond', () => {
    const pending: PendingEvent[] = [];
    let clock = 9_000;
    const recorder = createEventRecorder({ executionId: 3, enqueue: (event) => pending.push(event), now: () => new Date(clock) });
    for (let step = 1; step <= 1_002; step++) recorder.emit(progress(step));
    clock = 8_000;
    recorder.emit(progress(1_003));
    const times = pending.map((event) => event.createdAtUs ?? 0);
    expect(times.every((time, index) => index === 0 || time === (times[index - 1] ?? 0) + 1)).toBe(true);
    expect(times.at(-1)).toBe(9_001_002);
    expect(pending.at(-1)?.eventData.timestamp).toBe(new Date(9_001).toISOString());
  });

  it('resumes after the last stored event, never before it', () => {
    const pending: PendingEvent[] = [];
    const recorder = createEventRecorder({
      executionId: 5,
      lastSequence: 7,
      lastCreatedAtUs: 50_000_250,
      enqueue: (event) => pending.push(event),
      now: () => new Date(40_000),
    });
    recorder.emit(progress(8));
    expect(pending.map((event) => [event.sequence, event.eventData.eventId, event.createdAtUs, event.eventData.timestamp])).toEqual([
      [8, 'evt_5_000008', 50_000_251, new Date(50_000).toISOString()],
    ]);
    const later = createEventRecorder({
      executionId: 5,
      lastSequence: 7,
      lastCreatedAtUs: 50_000_250,
      enqueue: (event) => pending.push(event),
      now: () => new Date(60_000),
    });
    later.emit(progress(8));
    expect(pending.at(-1)?.createdAtUs).toBe(60_000_000);
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

  it('hands the buffer the payload already as JSON, exactly the stamped and validated payload', () => {
    const pending: PendingEvent[] = [];
    const recorder = createEventRecorder({ executionId: 7, enqueue: (event) => pending.push(event) });
    recorder.emit({ eventType: 'variable-substitution', eventData: { promptId: 1, variables: { a: 'x\u0000"y"' }, sourcePrompts: [] } });
    const [event] = pending;
    expect(JSON.parse(event!.eventDataJson!)).toEqual(event!.eventData);
    expect(event!.eventDataJson).toContain('"eventId":"evt_7_000001"');
    expect(event!.eventDataJson).not.toContain('\\u0000');
  });

  it('does not fail the run for a payload JSON cannot hold: the event goes on to the buffer, which isolates it', () => {
    const pending: PendingEvent[] = [];
    const recorder = createEventRecorder({ executionId: 3, enqueue: (event) => pending.push(event) });
    recorder.emit({ eventType: 'tool-execution-complete', eventData: { promptId: 1, toolName: 'counter', success: true, result: { big: 10n } } });
    recorder.emit({ eventType: 'tool-execution-complete', eventData: { promptId: 1, toolName: 'counter', success: true, result: 2 } });
    expect(pending.map((event) => [event.sequence, event.eventDataJson === undefined])).toEqual([
      [1, true],
      [2, false],
    ]);
  });

  it('refuses a payload that breaks the contract, naming the field', () => {
    const recorder = createEventRecorder({ executionId: 1, enqueue: () => {} });
    expect(() => recorder.emit({ eventType: 'knowledge-retrieved', eventData: { promptId: 1, documentsFound: 2, relevanceScore: 1.5, tokens: 3 } })).toThrow(
      /relevanceScore/,
    );
  });
});
