import { useEffect, useReducer } from 'react';
import { trpc } from '../trpc.ts';
import { executionEventsReducer, initialExecutionEventsState } from './execution-events-state.ts';
import { NO_PLAN, type PlannedPrompt } from './fold.ts';

/**
 * Every event of an execution, live, and the view they fold into: replays what is stored, then
 * streams what happens next. After a dropped connection the link resumes from the last event id it
 * received; the reducer also drops anything at or below the last sequence it holds.
 *
 * `plan` must keep its identity between renders (a cached query result or `NO_PLAN`, not a new
 * array each render): a new one refolds the events, and one per render never settles.
 */
export function useExecutionEvents(executionId: number, plan: readonly PlannedPrompt[] = NO_PLAN) {
  const [state, dispatch] = useReducer(executionEventsReducer, initialExecutionEventsState);
  // Adjusted while rendering, so the plan never shows a frame late.
  if (state.plan !== plan) dispatch({ type: 'plan', plan });
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

  return { events: state.events, view: state.view, status: state.view.status, connection: state.connection, error: state.error };
}

export type LiveExecutionEvents = ReturnType<typeof useExecutionEvents>;
