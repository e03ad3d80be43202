import { useEffect } from 'react';
import { NO_PLAN } from '../execution-events/fold.ts';
import { useExecutionEvents } from '../execution-events/use-execution-events.ts';
import { useExecutionOutput } from '../execution-events/use-execution-output.ts';
import { trpc } from '../trpc.ts';

/**
 * One execution as it runs: its stored record, the plan of the assistant's version it ran, its events folded into a view,
 * and the text its models are writing. Refetches the record as prompts finish, for their outputs.
 */
export function useWatchedExecution(executionId: number) {
  const utils = trpc.useUtils();
  const execution = trpc.executions.get.useQuery({ executionId });
  // The prompts of the version it ran, whatever was saved since.
  const plan = execution.data?.plan ?? NO_PLAN;
  const live = useExecutionEvents(executionId, plan);
  const liveText = useExecutionOutput(executionId, live.status === 'running' || live.status === 'idle');

  // Outputs are stored before `prompt-complete` is emitted: fetch them as each prompt finishes.
  useEffect(() => {
    if (live.view.completedPrompts > 0 || live.status === 'complete' || live.status === 'error') {
      void utils.executions.get.invalidate({ executionId });
    }
  }, [live.view.completedPrompts, live.status, executionId, utils]);

  return { execution, plan, live, liveText };
}
