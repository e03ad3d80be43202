import type { Identity } from '@aae/auth';
import { parseEventId, type StoredEvent } from '@aae/events';
import type { AppServices } from '@aae/runtime';
import { TRPCError } from '@trpc/server';
import { watchAccess } from './execution-access.ts';
import { createQueueSink } from './live-delivery/queue-sink.ts';
import type { StreamScope } from './stream-scope.ts';

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
 * Every event of an execution after `lastEventId`, each once and in stored order, read from the
 * process's fan-out core (`services.live`): checks that the caller may read it, back-fills from
 * history, then streams live events; ends after the terminal event. Null when there is nothing
 * left to send (the execution ended and its client has every event). Runs under `scope`, which
 * ends it on revocation or when its client goes.
 */
export async function executionEventStream(
  services: AppServices,
  identity: Identity,
  scope: StreamScope,
  input: { executionId: number; lastEventId?: string | null | undefined },
): Promise<AsyncGenerator<StoredEvent, void, undefined> | null> {
  const { executionId } = input;
  const after = resumeSequence(executionId, input.lastEventId);
  const queue = createQueueSink();
  const outcome = await services.live.watch({ access: watchAccess(identity), executionId, after, sink: queue.sink, signal: scope.signal });
  if (outcome === 'ended') return null;
  return scope.untilRevoked(queue.events(scope.signal));
}
