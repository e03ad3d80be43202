import type { StoredEvent } from '@aae/events';
import { describe, expect, it, vi } from 'vitest';
import { AccessRevokedError, createInProcessEventBus } from './event-bus.ts';

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
    const got: number[] = [];
    const reading = (async () => {
      for await (const item of bus.watchExecution(1, controller.signal)) got.push(item.sequence);
      return got;
    })();
    bus.publish([event(1, 1)]);
    // Read, and waiting for the next: then the signal ends the wait.
    await vi.waitFor(() => expect(got).toEqual([1]), { timeout: 30_000 });
    controller.abort();
    await expect(reading).resolves.toEqual([1]);
    // Nothing is queued for a reader that has gone.
    bus.publish([event(1, 2)]);
    const late = bus.watchExecution(1, AbortSignal.abort());
    const items: StoredEvent[] = [];
    for await (const item of late) items.push(item);
    expect(items).toEqual([]);
  });

  it('gives a reader who attaches mid-prompt the text so far, then the rest; forgets a prompt once it completes', async () => {
    const bus = createInProcessEventBus();
    bus.publishOutput({ executionId: 3, promptId: 10, text: 'Tides ' });
    bus.publishOutput({ executionId: 3, promptId: 10, text: 'rise ' });
    bus.publishOutput({ executionId: 4, promptId: 20, text: 'elsewhere' });
    const controller = new AbortController();
    const reader = bus.watchOutput(3, controller.signal);
    bus.publishOutput({ executionId: 3, promptId: 10, text: 'twice a day.' });
    const seen: Array<{ text: string; replace?: boolean }> = [];
    for await (const delta of reader) {
      seen.push({ text: delta.text, ...(delta.replace ? { replace: true } : {}) });
      if (seen.length === 2) break;
    }
    expect(seen).toEqual([{ text: 'Tides rise ', replace: true }, { text: 'twice a day.' }]);

    bus.publish([{ executionId: 3, sequence: 5, eventType: 'prompt-complete', eventData: { promptId: 10 } } as unknown as StoredEvent]);
    const afterwards: string[] = [];
    for await (const delta of bus.watchOutput(3, AbortSignal.abort())) afterwards.push(delta.text);
    expect(afterwards).toEqual([]);
  });

  it('cuts a stream whose access was checked before a revocation that came before the stream listened', () => {
    const bus = createInProcessEventBus();
    const checkedBefore = Date.now();
    bus.revokeAccess('user:5', 'disabled');
    const late = new AbortController();
    const stop = bus.abortOnRevoke(['all', 'user:5'], late, checkedBefore);
    expect(late.signal.aborted).toBe(true);
    expect(late.signal.reason).toBeInstanceOf(AccessRevokedError);
    expect((late.signal.reason as AccessRevokedError).change).toBe('disabled');
    stop();

    // Checked after the revocation (say, after the account was enabled again): not cut; later revocations still do.
    const fresh = new AbortController();
    bus.abortOnRevoke(['user:5'], fresh, Date.now() + 1);
    expect(fresh.signal.aborted).toBe(false);
    bus.revokeAccess('user:5', 'role-changed');
    expect((fresh.signal.reason as AccessRevokedError).recheck).toBe(true);
    // Other keys are not touched.
    const other = new AbortController();
    bus.abortOnRevoke(['user:6'], other, checkedBefore);
    expect(other.signal.aborted).toBe(false);
  });
});
