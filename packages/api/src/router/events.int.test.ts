import { createEventRecorder } from '@aae/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestServices, readSubscription, runDemoToEnd, type TestServices } from '../testing/test-services.ts';

let t: TestServices;
beforeAll(async () => {
  t = await createTestServices();
});
afterAll(() => t?.close());

describe('events.list', () => {
  it('pages the stored history in order and filters by type', async () => {
    const caller = await t.caller('demo');
    const { executionId, events } = await runDemoToEnd(caller, t.demoAssistantId);
    const pages = [];
    let cursor: number | null = 0;
    while (cursor !== null) {
      const page: Awaited<ReturnType<typeof caller.events.list>> = await caller.events.list({ executionId, cursor, limit: 4 });
      pages.push(page.items);
      cursor = page.nextCursor;
    }
    expect(pages.map((page) => page.length)).toEqual([4, 4, 3]);
    expect(pages.flat().map((e) => e.eventData.eventId)).toEqual(events.map((e) => e.eventData.eventId));

    const completes = await caller.events.list({ executionId, type: 'prompt-complete' });
    expect(completes.items).toHaveLength(3);
    expect(completes.items.every((e) => e.eventType === 'prompt-complete')).toBe(true);
  });

  it('refuses an unknown event type, naming the choices', async () => {
    const caller = await t.caller('demo');
    const { executionId } = await runDemoToEnd(caller, t.demoAssistantId);
    const error = await caller.events.list({ executionId, type: 'prompt-finished' as never }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'BAD_REQUEST' });
    expect((error as Error).message).toContain('prompt-complete');
  });
});

describe('events.onExecutionEvent through the caller', () => {
  it('replays a finished run, and resumes after any event id with exactly the rest', async () => {
    const caller = await t.caller('demo');
    const { executionId, events } = await runDemoToEnd(caller, t.demoAssistantId);
    const ids = events.map((e) => e.eventData.eventId);
    for (let cut = 0; cut < ids.length; cut++) {
      const rest = await readSubscription(caller, { executionId, lastEventId: ids[cut]! });
      expect(rest.map((entry) => entry.id)).toEqual(ids.slice(cut + 1));
    }
  });

  it('refuses a malformed lastEventId', async () => {
    const caller = await t.caller('demo');
    const { executionId } = await runDemoToEnd(caller, t.demoAssistantId);
    await expect(readSubscription(caller, { executionId, lastEventId: 'banana' })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
      message: expect.stringContaining('not an event id'),
    });
  });
});

describe('resuming past the history or the feed', () => {
  it('refuses a lastEventId the execution has not reached', async () => {
    const caller = await t.caller('demo');
    const { executionId } = await runDemoToEnd(caller, t.demoAssistantId);
    await expect(readSubscription(caller, { executionId, lastEventId: `evt_${executionId}_000099` })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
      message: expect.stringContaining('has not reached that sequence'),
    });
  });

  it('resumes the admin feed with everything after the last row seen, oldest first, past one page', async () => {
    const admin = await t.caller('admin');
    const { executionId } = await runDemoToEnd(admin, t.demoAssistantId);
    const last = await t.services.events.lastSequence(executionId);
    const recorder = createEventRecorder({ executionId, lastSequence: last, enqueue: (event) => t.services.buffer.enqueue(event) });
    for (let step = 1; step <= 1_200; step++) {
      recorder.emit({ eventType: 'progress', eventData: { currentStep: step, totalSteps: 1_200, percentage: step / 12, message: `step ${step}` } });
    }
    await t.services.buffer.flush();
    const stored = await t.services.events.getExecutionEvents(executionId);
    const from = stored[last - 1]!;
    const ids: number[] = [];
    const feed = await admin.events.onAnyEvent({ afterRowId: String(from.id), backlog: 0 });
    for await (const envelope of feed) {
      ids.push((envelope as unknown as [string, { event: { id: number } }])[1].event.id);
      if (ids.length === 1_200) break;
    }
    expect(ids).toEqual(stored.slice(last).map((event) => event.id));
  });

  it('resumes the admin feed after the lastEventId tRPC sends on reconnect, which wins over afterRowId', async () => {
    const admin = await t.caller('admin');
    const { executionId } = await runDemoToEnd(admin, t.demoAssistantId);
    const stored = await t.services.events.getExecutionEvents(executionId);
    const ids: number[] = [];
    const feed = await admin.events.onAnyEvent({ afterRowId: String(stored[0]!.id), lastEventId: String(stored.at(-3)!.id), backlog: 0 });
    for await (const envelope of feed) {
      ids.push((envelope as unknown as [string, { event: { id: number } }])[1].event.id);
      if (ids.length === 2) break;
    }
    expect(ids).toEqual(stored.slice(-2).map((event) => event.id));
  });
});
