import { formatEventId, type StoredEvent } from '@aae/events';
import { describe, expect, it } from 'vitest';
import { decodeNotification, encodeNotifications } from './postgres-event-bus.ts';

const event = (executionId: number, sequence: number) =>
  ({ executionId, sequence, eventData: { eventId: formatEventId(executionId, sequence) } }) as StoredEvent;

describe('NOTIFY payloads', () => {
  it('carry id ranges only, and decode to what was encoded', () => {
    const events = [event(7, 1), event(7, 2), event(7, 3), event(9, 4), event(7, 4)];
    const [payload, ...more] = encodeNotifications('p1', events);
    expect(more).toEqual([]);
    expect(payload).toBe('p1|7:1-3,9:4-4,7:4-4');
    expect(decodeNotification(payload!)).toEqual({
      processId: 'p1',
      ranges: [
        { executionId: 7, from: 1, to: 3 },
        { executionId: 9, from: 4, to: 4 },
        { executionId: 7, from: 4, to: 4 },
      ],
    });
  });

  it('split a large batch into payloads under PostgreSQL’s 8000-byte limit', () => {
    // Every event of a different execution: no ranges to merge.
    const events = Array.from({ length: 3_000 }, (_, index) => event(1_000_000 + index, 1));
    const payloads = encodeNotifications('p1', events);
    expect(payloads.length).toBeGreaterThan(1);
    for (const payload of payloads) expect(Buffer.byteLength(payload)).toBeLessThan(8_000);
    const decoded = payloads.flatMap((payload) => decodeNotification(payload)!.ranges);
    expect(decoded.map((range) => range.executionId)).toEqual(events.map((e) => e.executionId));
  });

  it('ignore what is not theirs', () => {
    expect(decodeNotification('garbage')).toBeNull();
    expect(decodeNotification('p1|7:x-3')).toBeNull();
  });
});
