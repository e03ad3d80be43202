import type { Identity } from '@aae/auth';
import { createInProcessEventBus } from '@aae/db';
import { isTerminalEvent, type StoredEvent } from '@aae/events';
import { createFanOut } from '@aae/runtime';
import { storedEvent } from '@aae/db/testing';
import { describe, expect, it } from 'vitest';
import { domainError } from './domain-errors.ts';
import { watchAccess } from './execution-access.ts';

const OWNER = 7;

function person(id: number, role: 'admin' | 'member' = 'member'): Identity {
  return {
    user: { id, role } as Identity['user'],
    via: 'session',
    scopes: new Set(role === 'admin' ? ['executions:read', 'admin'] : ['executions:read']) as Identity['scopes'],
    executionId: null,
    sessionId: 1,
    tokenId: null,
    expiresAt: null,
  };
}

const event = storedEvent;

/** The fan-out core over stored events (every execution owned by `OWNER`). */
function fanOutOver(stored: Map<number, StoredEvent[]>) {
  return createFanOut({
    events: {
      listEvents: async (executionId, options = {}) =>
        (stored.get(executionId) ?? []).filter((e) => e.sequence > (options.afterSequence ?? 0)).slice(0, options.limit ?? 1_000),
      terminalSequence: async (executionId) => (stored.get(executionId) ?? []).find((e) => isTerminalEvent(e))?.sequence ?? null,
      lastSequence: async (executionId) => stored.get(executionId)?.at(-1)?.sequence ?? 0,
    },
    executions: { ownerOf: async (executionId) => (stored.has(executionId) ? OWNER : null), get: async () => null },
    bus: createInProcessEventBus(),
  });
}

const sink = () => ({ send: () => true, sendMany: () => true, whenWritable: () => null, finish() {}, fail() {} });

describe('watchAccess, as the fan-out core checks it', () => {
  it('lets only the owner, an admin or the execution’s watch token read it, and checks where a watcher resumes', async () => {
    const fanOut = fanOutOver(new Map([[5, [1, 2, 3, 4].map((sequence) => event(5, sequence, sequence === 4))]]));
    // As the API answers it: a domain error with its code.
    const watch = (identity: Identity, after = 0, executionId = 5) =>
      fanOut.watch({ access: watchAccess(identity), executionId, after, sink: sink(), signal: new AbortController().signal }).catch((error: unknown) => {
        throw domainError(error) ?? error;
      });
    await expect(watch(person(8))).rejects.toMatchObject({ code: 'NOT_FOUND', message: 'Execution 5 does not exist' });
    await expect(watch(person(8, 'admin'))).resolves.toBe('watching');
    await expect(watch({ ...person(OWNER), via: 'watch', executionId: 6 })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(watch({ ...person(OWNER), via: 'watch', executionId: 5 })).resolves.toBe('watching');
    await expect(watch(person(OWNER), 0, 99)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(watch(person(OWNER), 9)).rejects.toMatchObject({
      code: 'BAD_REQUEST',
      message: 'lastEventId "evt_5_9" is not an event of execution 5 (it has not reached that sequence)',
    });
    // Everything up to the terminal event already received: nothing to send.
    await expect(watch(person(OWNER), 4)).resolves.toBe('ended');
    fanOut.close();
  });
});
