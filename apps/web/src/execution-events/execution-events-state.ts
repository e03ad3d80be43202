import { isTerminalEvent, type StoredEvent } from '@aae/events';
import { applyExecutionEvent, type ExecutionView, foldExecutionEvents, initialExecutionView, NO_PLAN, type PlannedPrompt } from './fold.ts';

/**
 * `connecting` before the first connection; `live` while connected; `reconnecting` after a
 * connection dropped (the client resumes from the last event id by itself); `ended` once the
 * server closed the stream after the terminal event; `error` when it refused or gave up.
 */
export type ConnectionState = 'connecting' | 'live' | 'reconnecting' | 'ended' | 'error';

export interface ExecutionEventsState {
  events: StoredEvent[];
  /** The assistant's prompts, shown pending until their events arrive. */
  plan: readonly PlannedPrompt[];
  /** `events` folded onto `plan`, one event at a time as each arrives. */
  view: ExecutionView;
  connection: ConnectionState;
  /** Whether a connection was ever up, to tell a first connect from a reconnect. */
  everConnected: boolean;
  error: string | null;
  /** Events dropped because they were already applied (a replay after a reset). */
  duplicatesIgnored: number;
}

/** The subscription's status as `useSubscription` reports it. */
export type SubscriptionStatus = 'idle' | 'connecting' | 'pending' | 'error';

export type ExecutionEventsAction =
  | { type: 'event'; event: StoredEvent }
  | { type: 'plan'; plan: readonly PlannedPrompt[] }
  | { type: 'status'; status: SubscriptionStatus; error?: string | null }
  | { type: 'complete' };

export const initialExecutionEventsState: ExecutionEventsState = {
  events: [],
  plan: NO_PLAN,
  view: initialExecutionView(),
  connection: 'connecting',
  everConnected: false,
  error: null,
  duplicatesIgnored: 0,
};

export function executionEventsReducer(state: ExecutionEventsState, action: ExecutionEventsAction): ExecutionEventsState {
  switch (action.type) {
    case 'event': {
      // The one place repeats are dropped: anything at or below the last sequence held was applied.
      const last = state.events.at(-1);
      if (last && action.event.sequence <= last.sequence) {
        return { ...state, duplicatesIgnored: state.duplicatesIgnored + 1 };
      }
      return {
        ...state,
        events: [...state.events, action.event],
        view: applyExecutionEvent(state.view, action.event),
        connection: 'live',
        everConnected: true,
        error: null,
      };
    }
    case 'plan':
      // The plan often arrives after the first events (and again when its query refetches): fold what is held onto it again.
      return { ...state, plan: action.plan, view: foldExecutionEvents(action.plan, state.events) };
    case 'status': {
      if (state.connection === 'ended') return state;
      switch (action.status) {
        case 'pending':
          return { ...state, connection: 'live', everConnected: true, error: null };
        case 'connecting':
          return { ...state, connection: state.everConnected ? 'reconnecting' : 'connecting' };
        case 'error':
          return { ...state, connection: 'error', error: action.error ?? 'The event stream failed' };
        case 'idle':
          // The stream stopped; after a terminal event that is the normal end.
          return state.events.length > 0 && isTerminalEvent(state.events.at(-1)!) ? { ...state, connection: 'ended' } : state;
      }
      return state;
    }
    case 'complete':
      return { ...state, connection: 'ended' };
  }
}
