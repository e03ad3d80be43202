import { readAfter } from '@aae/db';
import { eventTypeSchema, type StoredEvent } from '@aae/events';
import { z } from 'zod';
import type { AppServices } from '@aae/runtime';
import type { StreamScope } from './stream-scope.ts';

const BACKFILL_PAGE = 500;

/** The id of an event's row, as text (how tRPC tracks it). */
export const rowIdSchema = (name: string) => z.string().regex(/^\d{1,18}$/, `${name} must be a row id`);

/** What the admin feed takes: which events (by type, by assistant), how many earlier ones, and where to resume. */
export const feedFilterSchema = z.object({
  types: z.array(eventTypeSchema).max(11).optional(),
  assistantName: z.string().trim().max(200).optional(),
  backlog: z.number().int().min(0).max(500).default(50),
  afterRowId: rowIdSchema('afterRowId').nullish(),
});

export type FeedFilter = z.output<typeof feedFilterSchema>;

/** One event of the feed, with its execution's assistant and user. */
export interface FeedItem {
  event: StoredEvent;
  assistantName: string;
  userName: string;
}

/** The feed's filter, as the server applies it: `types` includes the event's type; `assistantName` is a case-insensitive part of its assistant's. */
export function feedWants(filter: Pick<FeedFilter, 'types' | 'assistantName'>, event: StoredEvent, assistantName: string | null): boolean {
  return (
    (!filter.types || filter.types.length === 0 || filter.types.includes(event.eventType)) &&
    (!filter.assistantName || (assistantName?.toLowerCase().includes(filter.assistantName.toLowerCase()) ?? false))
  );
}

/**
 * Every new event of every execution (the caller checks the viewer is an admin): the latest
 * `backlog` matching events first (oldest of them first), then `null` once (what follows is
 * live), then live ones; resuming after `afterRowId`, what came after it instead of the backlog.
 * Attaches to live events before reading earlier ones.
 */
export async function* eventFeed(services: AppServices, scope: StreamScope, filter: FeedFilter): AsyncGenerator<FeedItem | null, void, undefined> {
  const events = services.events;
  const live = services.live.watchEverything(scope.signal);
  const deliver = async (event: StoredEvent): Promise<FeedItem | null> => {
    const execution = await services.live.describe(event.executionId);
    if (!feedWants(filter, event, execution?.assistantName ?? null)) return null;
    return { event, assistantName: execution?.assistantName ?? '', userName: execution?.userName ?? '' };
  };

  const after = filter.afterRowId;
  // Resuming: everything after the last row seen, oldest first, a page at a time; otherwise the latest backlog.
  const earlier = after
    ? readAfter((afterId, limit) => events.listAcrossExecutions({ afterId, types: filter.types, limit }), {
        after: Number(after),
        limit: BACKFILL_PAGE,
        keyOf: (event) => event.id,
      })
    : (filter.backlog > 0 ? await events.listAcrossExecutions({ types: filter.types, limit: filter.backlog }) : []).reverse();
  // Events read here may also arrive live (the feed attached before reading them).
  const fromBacklog = new Set<number>();
  for await (const event of earlier) {
    scope.throwIfRevoked();
    fromBacklog.add(event.id);
    const item = await deliver(event);
    if (item) yield item;
  }
  yield null;
  for await (const event of scope.untilRevoked(live)) {
    if (fromBacklog.delete(event.id)) continue;
    const item = await deliver(event);
    if (item) yield item;
  }
}
