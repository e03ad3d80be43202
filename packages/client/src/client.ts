import type { AppRouter } from '@aae/api';
import type { EventType, StoredEvent, StoredEventOf } from '@aae/events';
import { createTRPCClient, type TRPCClient } from '@trpc/client';
import { EventSource } from 'eventsource';
import { createLinks, type LinkOptions } from './links.ts';

export type AaeClient = TRPCClient<AppRouter>;

/** A typed client for Node: every procedure of the API, with subscriptions over SSE. */
export function createAaeClient(options: LinkOptions): AaeClient {
  return createTRPCClient<AppRouter>({ links: createLinks({ EventSource, ...options }) });
}

async function listAll(client: AaeClient, executionId: number, type?: EventType): Promise<StoredEvent[]> {
  const events: StoredEvent[] = [];
  let cursor: number | null = 0;
  while (cursor !== null) {
    const page: { items: StoredEvent[]; nextCursor: number | null } = await client.events.list.query({
      executionId,
      type,
      cursor,
      limit: 1000,
    });
    events.push(...page.items);
    cursor = page.nextCursor;
  }
  return events;
}

/** Every stored event of an execution, in order, following the pages. */
export function getExecutionEvents(client: AaeClient, executionId: number): Promise<StoredEvent[]> {
  return listAll(client, executionId);
}

/** The stored events of one type, narrowed to that type's payload. */
export async function getExecutionEventsByType<T extends EventType>(client: AaeClient, executionId: number, type: T): Promise<StoredEventOf<T>[]> {
  const events = await listAll(client, executionId, type);
  return events.filter((event): event is StoredEventOf<T> => event.eventType === type);
}
