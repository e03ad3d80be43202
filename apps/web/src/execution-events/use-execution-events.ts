import { useEffect, useMemo, useReducer } from 'react';
import { trpc } from '../trpc.ts';
import { executionEventsReducer, initialExecutionEventsState } from './execution-events-state.ts';
import { buildExecutionView, type PlannedPrompt } from './fold.ts';

/**
 * Every event of an execution, live: replays what is stored, then streams what happens next.
 * After a dropped connection the link resumes from the last event id it received, so nothing is
 * missed or repeated; the reducer also drops anything at or below the last sequence it holds.
 */
export function useExecutionEvents(executionId: number, plan: readonly PlannedPrompt[] = []) {
  const [state, dispatch] = useReducer(executionEventsReducer, initialExecutionEventsState);
  const subscription = trpc.events.onExecutionEvent.useSubscription(
    { executionId },
    {
      onData: (tracked) => dispatch({ type: 'event', event: tracked.data }),
      onComplete: () => dispatch({ type: 'complete' }),
    },
  );
  const { status, error } = subscription;
  useEffect(() => {
    dispatch({ type: 'status', status, error: error?.message ?? null });
  }, [status, error]);

  const view = useMemo(() => buildExecutionView(plan, state.events), [plan, state.events]);
  return { events: state.events, view, status: view.status, connection: state.connection, error: state.error };
}
