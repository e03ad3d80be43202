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

  it('types execute’s input and output', () => {
    expectTypeOf<Parameters<AaeClient['executions']['execute']['mutate']>[0]>().toEqualTypeOf<{
      assistantId: number;
      input?: Record<string, string> | undefined;
    }>();
    expectTypeOf<Awaited<ReturnType<AaeClient['executions']['execute']['mutate']>>>().toEqualTypeOf<{ executionId: number }>();
  });
});
