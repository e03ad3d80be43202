import type { EventPayload, StoredEvent } from '@aae/events';
import { describe, expectTypeOf, it } from 'vitest';
import { getExecutionEventsByType, type AaeClient } from './client.ts';

describe('typed client', () => {
  it('narrows events fetched by type over the wire', () => {
    const read = async (client: AaeClient) => {
      const retrieved = await getExecutionEventsByType(client, 1, 'knowledge-retrieved');
      expectTypeOf(retrieved[0]!.eventData).toEqualTypeOf<EventPayload<'knowledge-retrieved'>>();
      expectTypeOf(retrieved[0]!.createdAt).toEqualTypeOf<Date>();
    };
    expectTypeOf(read).toBeFunction();
  });

  it('types the live subscription with the stored event union and its tracked id', () => {
    const watch = (client: AaeClient) =>
      client.events.onExecutionEvent.subscribe(
        { executionId: 1, lastEventId: null },
        {
          onData(tracked) {
            expectTypeOf(tracked.id).toEqualTypeOf<string>();
            expectTypeOf(tracked.data).toEqualTypeOf<StoredEvent>();
            if (tracked.data.eventType === 'prompt-complete') {
              expectTypeOf(tracked.data.eventData.cached).toEqualTypeOf<boolean>();
            }
          },
        },
      );
    expectTypeOf(watch).toBeFunction();
  });

  it('types the many-execution stream as a union narrowed by kind', () => {
    const watch = (client: AaeClient) =>
      client.events.onLive.subscribe(
        { executions: [{ executionId: 1, lastEventId: null, output: true }] },
        {
          onData({ id, data: item }) {
            expectTypeOf(id).toEqualTypeOf<string>();
            expectTypeOf(item.kind).toEqualTypeOf<'event' | 'output' | 'end' | 'error' | 'feed' | 'feed-live' | 'feed-error'>();
            if (item.kind === 'event') expectTypeOf(item.event).toEqualTypeOf<StoredEvent>();
            if (item.kind === 'output')
              expectTypeOf(item).toEqualTypeOf<{ kind: 'output'; executionId: number; promptId: number; text: string; replace: boolean }>();
            if (item.kind === 'error') expectTypeOf(item.code).toEqualTypeOf<'NOT_FOUND' | 'FORBIDDEN' | 'BAD_REQUEST'>();
            if (item.kind === 'feed') expectTypeOf(item.item).toEqualTypeOf<{ event: StoredEvent; assistantName: string; userName: string }>();
            if (item.kind === 'feed-error') expectTypeOf(item).toEqualTypeOf<{ kind: 'feed-error'; code: 'FORBIDDEN'; message: string }>();
          },
        },
      );
    expectTypeOf(watch).toBeFunction();
  });

  it('types execute’s input and output', () => {
    expectTypeOf<Parameters<AaeClient['executions']['execute']['mutate']>[0]>().toEqualTypeOf<{
      assistantId: number;
      input?: Record<string, string> | undefined;
    }>();
    expectTypeOf<Awaited<ReturnType<AaeClient['executions']['execute']['mutate']>>>().toEqualTypeOf<{ executionId: number }>();
  });
});
