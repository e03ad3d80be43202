import type { StoredEvent } from '@aae/events';
import { describe, expect, it } from 'vitest';
import { createInProcessEventBus } from './event-bus.ts';

const event = (executionId: number, sequence: number) => ({ executionId, sequence }) as StoredEvent;

describe('in-process event bus', () => {
  it('keeps what is published between watching and reading, per execution, in order', async () => {
    const bus = createInProcessEventBus();
    const controller = new AbortController();
    const watched = bus.watchExecution(7, controller.signal);
    const all = bus.watchAll(controller.signal);
    bus.publish([event(7, 1), event(8, 1), event(7, 2)]);
    const seen: number[] = [];
    const everything: string[] = [];
    for await (const item of watched) {
      seen.push(item.sequence);
      if (seen.length === 2) break;
    }
    for await (const item of all) {
      everything.push(`${item.executionId}:${item.sequence}`);
      if (everything.length === 3) break;
    }
    expect(seen).toEqual([1, 2]);
    expect(everything).toEqual(['7:1', '8:1', '7:2']);
  });

  it('ends a waiting reader when its signal aborts, and stops listening', async () => {
    const bus = createInProcessEventBus();
    const controller = new AbortController();
    const reading = (async () => {
      const got: number[] = [];
      for await (const item of bus.watchExecution(1, controller.signal)) got.push(item.sequence);
      return got;
    })();
    bus.publish([event(1, 1)]);
    await new Promise((resolve) => setTimeout(resolve, 5));
    controller.abort();
    await expect(reading).resolves.toEqual([1]);
    // Nothing is queued for a reader that has gone.
    bus.publish([event(1, 2)]);
    const late = bus.watchExecution(1, AbortSignal.abort());
    const items: StoredEvent[] = [];
    for await (const item of late) items.push(item);
    expect(items).toEqual([]);
  });
});
