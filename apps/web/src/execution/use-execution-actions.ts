import { useNavigate } from 'react-router';
import { trpc } from '../trpc.ts';

/** Cancelling an execution, and running it again (which opens the new one). */
export function useExecutionActions() {
  const navigate = useNavigate();
  const cancel = trpc.executions.cancel.useMutation();
  const runAgain = trpc.executions.execute.useMutation({ onSuccess: ({ executionId }) => navigate(`/executions/${executionId}`) });
  return { cancel, runAgain };
}
