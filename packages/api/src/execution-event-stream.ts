import type { Identity } from '@aae/auth';
import { readAfter } from '@aae/db';
import { isTerminalEvent, parseEventId, type StoredEvent } from '@aae/events';
import { TRPCError } from '@trpc/server';
import { assertCanReadExecution } from './execution-access.ts';
import type { AppServices } from './services.ts';
import type { StreamScope } from './stream-scope.ts';

const BACKFILL_PAGE = 500;

/** The sequence after which to resume, from a client's last event id (0 without one). */
export function resumeSequence(executionId: number, lastEventId: string | null | undefined): number {
  if (!lastEventId) return 0;
  const parsed = parseEventId(lastEventId);
  if (!parsed) {
    throw new TRPCError({ code: 'BAD_REQUEST', message: `lastEventId "${lastEventId}" is not an event id (expected evt_<execution>_<sequence>)` });
  }
  if (parsed.executionId !== executionId) {
    throw new TRPCError({
      code: 'BAD_REQUEST',
      message: `lastEventId "${lastEventId}" belongs to execution ${parsed.executionId}, not ${executionId}`,
    });
  }
  return parsed.sequence;
}

/**
 * Every event of an execution after `lastEventId`, each once and in stored order: checks that the
 * caller may read it, attaches to live events first, back-fills from the database, then streams
 * live events, skipping what was already sent; ends after the terminal event. Null when there is
 * nothing left to send (the execution ended and its client has every event). Runs under `scope`,
 * which ends it on revocation or when its client goes.
 */
export async function executionEventStream(
  services: AppServices,
  identity: Identity,
  scope: StreamScope,
  input: { executionId: number; lastEventId?: string | null | undefined },
): Promise<AsyncGenerator<StoredEvent, void, undefined> | null> {
  const { executionId } = input;
  let cursor = resumeSequence(executionId, input.lastEventId);
  const store = services.events;
  await assertCanReadExecution(services, identity, executionId);
  const live = services.bus.watchExecution(executionId, scope.signal);
  if (cursor > 0 && (await store.lastSequence(executionId)) < cursor) {
    throw new TRPCError({
      code: 'BAD_REQUEST',
      message: `lastEventId "${input.lastEventId}" is not an event of execution ${executionId} (it has not reached that sequence)`,
    });
  }
  const terminal = await store.terminalSequence(executionId);
  if (terminal !== null && cursor >= terminal) return null;

  return (async function* () {
    const stored = readAfter((afterSequence, limit) => store.listEvents(executionId, { afterSequence, limit }), {
      after: cursor,
      limit: BACKFILL_PAGE,
      keyOf: (event) => event.sequence,
    });
    for await (const event of stored) {
      scope.throwIfRevoked();
      cursor = event.sequence;
      yield event;
      if (isTerminalEvent(event)) return;
    }

    for await (const event of scope.untilRevoked(live)) {
      if (event.sequence <= cursor) continue;
      if (event.sequence > cursor + 1) {
        // Published out of reach of this reader (it attached mid-batch): read the gap from the store.
        const gap = await store.listEvents(executionId, { afterSequence: cursor, limit: event.sequence - cursor - 1 });
        for (const missed of gap) {
          scope.throwIfRevoked();
          cursor = missed.sequence;
          yield missed;
          if (isTerminalEvent(missed)) return;
        }
      }
      cursor = event.sequence;
      yield event;
      if (isTerminalEvent(event)) return;
    }
  })();
}
