import type { StoredEvent } from '@aae/events';
import { describe, expect, it } from 'vitest';
import { executionEventsReducer, initialExecutionEventsState, type ExecutionEventsAction } from './execution-events-state.ts';

const stored = (sequence: number, eventType: StoredEvent['eventType'] = 'progress') =>
  ({ id: sequence, executionId: 1, sequence, eventType, createdAt: new Date(), eventData: { eventId: `evt_1_${sequence}` } }) as StoredEvent;

const run = (...actions: ExecutionEventsAction[]) => actions.reduce(executionEventsReducer, initialExecutionEventsState);

describe('the live events hook’s state machine', () => {
  it('goes connecting → live as the first connection opens and events arrive', () => {
    expect(run().connection).toBe('connecting');
    expect(run({ type: 'status', status: 'connecting' }).connection).toBe('connecting');
    const live = run({ type: 'status', status: 'connecting' }, { type: 'status', status: 'pending' }, { type: 'event', event: stored(1, 'execution-start') });
    expect(live).toMatchObject({ connection: 'live', everConnected: true });
    expect(live.events.map((e) => e.sequence)).toEqual([1]);
  });

  it('shows reconnecting after a drop, then live again, keeping every event once', () => {
    const state = run(
      { type: 'status', status: 'pending' },
      { type: 'event', event: stored(1) },
      { type: 'event', event: stored(2) },
      { type: 'status', status: 'connecting' },
    );
    expect(state.connection).toBe('reconnecting');
    const after = run(
      { type: 'status', status: 'pending' },
      { type: 'event', event: stored(1) },
      { type: 'event', event: stored(2) },
      { type: 'status', status: 'connecting' },
      // A replay from an older point repeats 1 and 2: they are dropped.
      { type: 'event', event: stored(1) },
      { type: 'event', event: stored(2) },
      { type: 'event', event: stored(3) },
    );
    expect(after.connection).toBe('live');
    expect(after.events.map((e) => e.sequence)).toEqual([1, 2, 3]);
    expect(after.duplicatesIgnored).toBe(2);
  });

  it('ends after the terminal event, and stays ended', () => {
    const ended = run({ type: 'status', status: 'pending' }, { type: 'event', event: stored(1, 'execution-complete') }, { type: 'status', status: 'idle' });
    expect(ended.connection).toBe('ended');
    expect(executionEventsReducer(ended, { type: 'status', status: 'connecting' }).connection).toBe('ended');
    expect(run({ type: 'event', event: stored(1) }, { type: 'complete' }).connection).toBe('ended');
  });

  it('reports a refusal as an error with its message; idle before a terminal event changes nothing', () => {
    const refused = run({ type: 'status', status: 'error', error: 'Execution 4 belongs to another user' });
    expect(refused).toMatchObject({ connection: 'error', error: 'Execution 4 belongs to another user' });
    const idle = run({ type: 'status', status: 'pending' }, { type: 'event', event: stored(1) }, { type: 'status', status: 'idle' });
    expect(idle.connection).toBe('live');
  });
});
