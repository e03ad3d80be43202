import { isTerminalEvent, type StoredEvent } from '@aae/events';

/**
 * `connecting` before the first connection; `live` while connected; `reconnecting` after a
 * connection dropped (the client resumes from the last event id by itself); `ended` once the
 * server closed the stream after the terminal event; `error` when it refused or gave up.
 */
export type ConnectionState = 'connecting' | 'live' | 'reconnecting' | 'ended' | 'error';

export interface ExecutionEventsState {
  events: StoredEvent[];
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
  | { type: 'status'; status: SubscriptionStatus; error?: string | null }
  | { type: 'complete' };

export const initialExecutionEventsState: ExecutionEventsState = {
  events: [],
  connection: 'connecting',
  everConnected: false,
  error: null,
  duplicatesIgnored: 0,
};

export function executionEventsReducer(state: ExecutionEventsState, action: ExecutionEventsAction): ExecutionEventsState {
  switch (action.type) {
    case 'event': {
      const last = state.events.at(-1);
      if (last && action.event.sequence <= last.sequence) {
        return { ...state, duplicatesIgnored: state.duplicatesIgnored + 1 };
      }
      return { ...state, events: [...state.events, action.event], connection: 'live', everConnected: true, error: null };
    }
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
