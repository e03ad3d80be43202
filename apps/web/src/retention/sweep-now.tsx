import { ErrorMessage } from '../components/error-message.tsx';
import { trpc } from '../trpc.ts';

/** Runs one sweep now and says what it deleted. */
export function SweepNow() {
  const utils = trpc.useUtils();
  const sweep = trpc.retention.runNow.useMutation({ onSettled: () => void utils.retention.policies.invalidate() });
  return (
    <div>
      <button type="button" onClick={() => sweep.mutate()} disabled={sweep.isPending}>
        {sweep.isPending ? 'Sweeping…' : 'Sweep now'}
      </button>
      {sweep.error ? <ErrorMessage error={sweep.error} title="The sweep failed" /> : null}
      {sweep.data ? (
        <p className="success-box" role="status">
          Deleted {sweep.data.executions.toLocaleString('en-US')} execution(s) and {sweep.data.events.toLocaleString('en-US')} event(s).
        </p>
      ) : null}
    </div>
  );
}
