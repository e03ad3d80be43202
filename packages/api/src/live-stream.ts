import type { Identity } from '@aae/auth';
import { formatEventId, isTerminalEvent, type StoredEvent } from '@aae/events';
import { tracked, TRPCError, type TrackedEnvelope } from '@trpc/server';
import { executionEventStream, resumeSequence } from './execution-event-stream.ts';
import { mergeFairly } from './merge-fairly.ts';
import type { AppServices } from './services.ts';
import type { StreamScope } from './stream-scope.ts';

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
 * its terminal one was sent); or why one execution cannot be followed (the others go on).
 */
export type LiveItem =
  | { kind: 'event'; event: StoredEvent }
  | { kind: 'output'; executionId: number; promptId: number; text: string; replace: boolean }
  | { kind: 'end'; executionId: number }
  | { kind: 'error'; executionId: number; code: PerExecutionCode; message: string };

const CURSOR_PREFIX = 'live:';
const ENDED = 'end';
const CURSOR = /^live:(?:\d{1,10}:(?:\d{1,10}|end)(?:,\d{1,10}:(?:\d{1,10}|end))*)?$/;

/** Where a live stream is in one execution: after this sequence, or done with it (ended or refused). */
export type LiveCursor = number | typeof ENDED;

/**
 * The resume point of a whole live stream: each execution's last sequence sent, or `end` for one
 * it is done with, as one id (`live:12:5,13:end`). tRPC tracks one id per stream and sends the
 * last one back as `lastEventId` when it reconnects by itself, so every execution resumes where
 * it was, and one already finished is not sent again.
 */
export function formatLiveCursor(cursors: ReadonlyMap<number, LiveCursor>): string {
  return CURSOR_PREFIX + [...cursors].map(([executionId, cursor]) => `${executionId}:${cursor}`).join(',');
}

export function parseLiveCursor(cursor: string | null | undefined): Map<number, LiveCursor> {
  const cursors = new Map<number, LiveCursor>();
  if (!cursor) return cursors;
  if (!CURSOR.test(cursor)) {
    throw new TRPCError({
      code: 'BAD_REQUEST',
      message: `lastEventId "${cursor.slice(0, 80)}" is not a live stream's cursor (expected live:<execution>:<sequence>,…)`,
    });
  }
  for (const pair of cursor.slice(CURSOR_PREFIX.length).split(',').filter(Boolean)) {
    const [executionId, place] = pair.split(':') as [string, string];
    cursors.set(Number(executionId), place === ENDED ? ENDED : Number(place));
  }
  return cursors;
}

/**
 * Several executions on one stream, merged fairly (see `mergeFairly`), each item tracked by the
 * cursor of every execution (see `formatLiveCursor`). Each execution resumes after the later of
 * its own `lastEventId` and its place in `resumed`. Runs under `scope`: a revocation ends it all.
 */
export async function* liveStream(
  services: AppServices,
  identity: Identity,
  scope: StreamScope,
  requests: readonly LiveRequest[],
  resumed: ReadonlyMap<number, LiveCursor>,
): AsyncGenerator<TrackedEnvelope<LiveItem>, void, undefined> {
  const cursors = new Map<number, LiveCursor>();
  const parts: Array<AsyncGenerator<LiveItem, void, undefined>> = [];
  for (const request of requests) {
    const place = resumed.get(request.executionId) ?? 0;
    if (place === ENDED) cursors.set(request.executionId, ENDED);
    else parts.push(executionPart(services, identity, scope, request, place));
  }
  for await (const item of mergeFairly(parts)) {
    if (item.kind === 'event') cursors.set(item.event.executionId, item.event.sequence);
    else if (item.kind !== 'output') cursors.set(item.executionId, ENDED);
    yield tracked(formatLiveCursor(cursors), item);
  }
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
