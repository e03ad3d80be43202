import type { EventPayload } from '@aae/events';
import { describe, expectTypeOf, it } from 'vitest';
import type { EventStore } from './event-store.ts';

describe('event store types', () => {
  it('getExecutionEventsByType narrows to that type’s payload', () => {
    type PromptStarts = Awaited<ReturnType<EventStore['getExecutionEventsByType']>>;
    expectTypeOf<PromptStarts>().toBeArray();
    const read = async (store: EventStore) => {
      const starts = await store.getExecutionEventsByType(1, 'prompt-start');
      expectTypeOf(starts[0]!.eventType).toEqualTypeOf<'prompt-start'>();
      expectTypeOf(starts[0]!.eventData).toEqualTypeOf<EventPayload<'prompt-start'>>();
      expectTypeOf(starts[0]!.eventData.totalPrompts).toEqualTypeOf<number>();
      const errors = await store.getExecutionEventsByType(1, 'execution-error');
      expectTypeOf(errors[0]!.eventData.promptId).toEqualTypeOf<number | undefined>();
      // @ts-expect-error a prompt-start payload has no outputTokens
      void starts[0]!.eventData.outputTokens;
      // @ts-expect-error not an event type
      await store.getExecutionEventsByType(1, 'prompt-finished');
    };
    expectTypeOf(read).toBeFunction();
  });
});
