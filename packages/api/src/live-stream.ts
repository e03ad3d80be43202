import type { Identity } from '@aae/auth';
import { formatEventId, isTerminalEvent, type StoredEvent } from '@aae/events';
import { tracked, TRPCError, type TrackedEnvelope } from '@trpc/server';
import { eventFeed, type FeedFilter, type FeedItem } from './event-feed.ts';
import { executionEventStream, resumeSequence } from './execution-event-stream.ts';
import { mergeFairly } from './merge-fairly.ts';
import type { AppServices } from '@aae/runtime';
import type { StreamScope } from './stream-scope.ts';
import { assertScope } from './trpc.ts';

/** How many executions one live stream follows at most. */
export const MAX_LIVE_EXECUTIONS = 50;

/** One execution a live stream follows: its events after `lastEventId`, and the text its models write if `output`. */
export interface LiveRequest {
  executionId: number;
  lastEventId?: string | null | undefined;
  output?: boolean | undefined;
}

/** Refusals that concern one execution of a live stream: the others go on. */
const PER_EXECUTION_CODES = ['NOT_FOUND', 'FORBIDDEN', 'BAD_REQUEST'] as const;
type PerExecutionCode = (typeof PER_EXECUTION_CODES)[number];

/**
 * What a live stream carries: an execution's event (each once, in order); text a model is
 * writing (`replace`: the whole text so far); the end of an execution's part (every event up to
 * its terminal one was sent); or why one execution cannot be followed (the others go on); an
 * event of the admin feed, or why the feed cannot be followed (the executions go on).
 */
export type LiveItem =
  | { kind: 'event'; event: StoredEvent }
  | { kind: 'output'; executionId: number; promptId: number; text: string; replace: boolean }
  | { kind: 'end'; executionId: number }
  | { kind: 'error'; executionId: number; code: PerExecutionCode; message: string }
  | { kind: 'feed'; item: FeedItem }
  /** The feed's earlier events (its backlog, or those after its resume point) were all sent: what follows is live. */
  | { kind: 'feed-live' }
  | { kind: 'feed-error'; code: 'FORBIDDEN'; message: string };

const CURSOR_PREFIX = 'live:';
const ENDED = 'end';
const FEED = 'feed';
const ENTRY = String.raw`(?:\d{1,10}:(?:\d{1,10}|end)|feed:(?:\d{1,18}|end))`;
const CURSOR = new RegExp(`^live:(?:${ENTRY}(?:,${ENTRY})*)?$`);

/** Where a live stream is in one execution: after this sequence, or done with it (ended or refused). */
export type LiveCursor = number | typeof ENDED;

/** Where a live stream is in the admin feed: after this row id, or done with it (refused). */
export type FeedCursor = string | typeof ENDED;

/** A live stream's resume point: per execution, and for the feed if it had sent anything. */
export interface LiveCursors {
  executions: Map<number, LiveCursor>;
  feed: FeedCursor | null;
}

/**
 * The resume point of a whole live stream: each execution's last sequence sent, or `end` for one
 * it is done with, and the feed's last row id sent (`feed:<row>`, `feed:end` once refused), as one
 * id (`live:12:5,13:end,feed:4410`). tRPC tracks one id per stream and sends the last one back as
 * `lastEventId` when it reconnects by itself, so every execution and the feed resume where they
 * were, and one already finished is not sent again.
 */
export function formatLiveCursor(cursors: LiveCursors): string {
  const entries = [...cursors.executions].map(([executionId, cursor]) => `${executionId}:${cursor}`);
  if (cursors.feed !== null) entries.push(`${FEED}:${cursors.feed}`);
  return CURSOR_PREFIX + entries.join(',');
}

export function parseLiveCursor(cursor: string | null | undefined): LiveCursors {
  const cursors: LiveCursors = { executions: new Map(), feed: null };
  if (!cursor) return cursors;
  if (!CURSOR.test(cursor)) {
    throw new TRPCError({
      code: 'BAD_REQUEST',
      message: `lastEventId "${cursor.slice(0, 80)}" is not a live stream's cursor (expected live:<execution>:<sequence>,…,feed:<row>)`,
    });
  }
  for (const pair of cursor.slice(CURSOR_PREFIX.length).split(',').filter(Boolean)) {
    const [key, place] = pair.split(':') as [string, string];
    if (key === FEED) cursors.feed = place;
    else cursors.executions.set(Number(key), place === ENDED ? ENDED : Number(place));
  }
  return cursors;
}

/**
 * Several executions (and the admin feed, if `feed` is given) on one stream, merged fairly (see
 * `mergeFairly`), each item tracked by the cursor of every part (see `formatLiveCursor`). Each
 * execution resumes after the later of its own `lastEventId` and its place in `resumed`; the feed
 * after its place in `resumed`, else its own `afterRowId`. Runs under `scope`: a revocation ends it all.
 */
export async function* liveStream(
  services: AppServices,
  identity: Identity,
  scope: StreamScope,
  requests: readonly LiveRequest[],
  resumed: LiveCursors,
  feed?: FeedFilter,
): AsyncGenerator<TrackedEnvelope<LiveItem>, void, undefined> {
  const cursors: LiveCursors = { executions: new Map(), feed: resumed.feed };
  const parts: Array<AsyncGenerator<LiveItem, void, undefined>> = [];
  for (const request of requests) {
    const place = resumed.executions.get(request.executionId) ?? 0;
    if (place === ENDED) cursors.executions.set(request.executionId, ENDED);
    else parts.push(executionPart(services, identity, scope, request, place));
  }
  if (feed && resumed.feed !== ENDED) parts.push(feedPart(services, identity, scope, { ...feed, afterRowId: resumed.feed ?? feed.afterRowId }));
  for await (const item of mergeFairly(parts)) {
    if (item.kind === 'event') cursors.executions.set(item.event.executionId, item.event.sequence);
    else if (item.kind === 'feed') cursors.feed = String(item.item.event.id);
    else if (item.kind === 'feed-error') cursors.feed = ENDED;
    else if (item.kind !== 'output' && item.kind !== 'feed-live') cursors.executions.set(item.executionId, ENDED);
    yield tracked(formatLiveCursor(cursors), item);
  }
}

/** The admin feed's part of a live stream (see `eventFeed`), or one refusal for a viewer who is not an admin. */
async function* feedPart(services: AppServices, identity: Identity, scope: StreamScope, filter: FeedFilter): AsyncGenerator<LiveItem, void, undefined> {
  try {
    assertScope(identity, 'admin');
  } catch (error) {
    if (!(error instanceof TRPCError) || error.code !== 'FORBIDDEN') throw error;
    yield { kind: 'feed-error', code: 'FORBIDDEN', message: error.message };
    return;
  }
  for await (const item of eventFeed(services, scope, filter)) yield item ? { kind: 'feed', item } : { kind: 'feed-live' };
}

/** One execution's part of a live stream: its events and, if asked, its output, until it ends or is refused. */
async function* executionPart(
  services: AppServices,
  identity: Identity,
  scope: StreamScope,
  request: LiveRequest,
  resumedAfter: number,
): AsyncGenerator<LiveItem, void, undefined> {
  const { executionId } = request;
  let events: AsyncGenerator<StoredEvent, void, undefined> | null;
  try {
    const after = Math.max(resumeSequence(executionId, request.lastEventId), resumedAfter);
    events = await executionEventStream(services, identity, scope, { executionId, lastEventId: after > 0 ? formatEventId(executionId, after) : null });
  } catch (error) {
    if (scope.revoked() || !(error instanceof TRPCError) || !PER_EXECUTION_CODES.includes(error.code as PerExecutionCode)) throw error;
    yield { kind: 'error', executionId, code: error.code as PerExecutionCode, message: error.message };
    return;
  }
  if (!events) {
    yield { kind: 'end', executionId };
    return;
  }
  // The output ends with the execution (when its terminal event is read) or with the stream. Not
  // `AbortSignal.any`, which keeps its signals on Node 20 for as long as the longest lives.
  const ended = new AbortController();
  const endOutput = () => ended.abort();
  if (scope.signal.aborted) ended.abort();
  else scope.signal.addEventListener('abort', endOutput, { once: true });
  ended.signal.addEventListener('abort', () => scope.signal.removeEventListener('abort', endOutput), { once: true });
  const eventItems = async function* (): AsyncGenerator<LiveItem, void, undefined> {
    try {
      for await (const event of events) {
        if (isTerminalEvent(event)) ended.abort();
        yield { kind: 'event', event };
      }
    } finally {
      ended.abort();
    }
    yield { kind: 'end', executionId };
  };
  if (!request.output) {
    yield* eventItems();
    return;
  }
  yield* mergeFairly([eventItems(), outputItems(services, executionId, ended.signal)]);
}

/** The text an execution's models write, as `onExecutionOutput` sends it, until `signal` aborts. */
async function* outputItems(services: AppServices, executionId: number, signal: AbortSignal): AsyncGenerator<LiveItem, void, undefined> {
  const output = services.bus.watchOutput(executionId, signal);
  if ((await services.events.terminalSequence(executionId)) !== null) return;
  for await (const delta of output) {
    yield { kind: 'output', executionId, promptId: delta.promptId, text: delta.text, replace: delta.replace === true };
  }
}
