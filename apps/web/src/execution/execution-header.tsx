import type { RouterOutputs } from '@aae/api';
import { Link } from 'react-router';
import { ErrorMessage } from '../components/error-message.tsx';
import { ReplayControls } from '../components/replay-controls.tsx';
import { ConnectionBadge, StatusBadge } from '../components/status-badge.tsx';
import type { ExecutionView } from '../execution-events/fold.ts';
import type { LiveExecutionEvents } from '../execution-events/use-execution-events.ts';
import type { Replay } from '../execution-events/use-replay.ts';
import { useMe } from '../identity/use-me.ts';
import { trpc } from '../trpc.ts';
import { versionPath } from '../versions/route-params.ts';
import { ExecutionFailure } from './execution-failure.tsx';
import { ExecutionProgress } from './execution-progress.tsx';
import { useExecutionActions } from './use-execution-actions.ts';

type Execution = RouterOutputs['executions']['get'];

function describeRun(execution: Execution): string {
  const input = Object.entries(execution.input);
  return [
    `Run by ${execution.userName}`,
    execution.startedAt ? ` · started ${execution.startedAt.toLocaleString()}` : '',
    input.length > 0 ? ` · ${input.map(([name, value]) => `${name}: ${value}`).join(', ')}` : '',
  ].join('');
}

/**
 * The execution's name and state, what can be done with it (cancel while it runs, run it again once
 * it ended), its progress, what went wrong, and replay once it ended.
 */
export function ExecutionHeader({
  executionId,
  execution,
  view,
  total,
  live,
  replay,
}: {
  executionId: number;
  execution: Execution;
  /** The view shown: live, or as it was at the replayed event. */
  view: ExecutionView;
  total: number;
  live: LiveExecutionEvents;
  replay: Replay;
}) {
  const me = useMe();
  const { cancel, runAgain } = useExecutionActions();
  const following = replay.state.position === null;
  const finished = live.status === 'complete' || live.status === 'error';
  // "Run again" runs the assistant as it is now: say so when it changed since this run.
  const current = trpc.assistants.get.useQuery({ id: execution.assistantId }, { enabled: finished, retry: false });
  const currentVersion = current.data?.version;
  const changedSince = currentVersion !== undefined && currentVersion !== execution.assistantVersion;
  const canCancel =
    following &&
    (live.status === 'running' || live.status === 'idle') &&
    (me.data?.role === 'admin' || me.data?.id === execution.userId) &&
    !execution.cancelRequestedAt;

  return (
    <section className="panel execution-header" aria-labelledby="execution-heading">
      <div className="execution-title">
        <h1 id="execution-heading">
          {view.toolName ?? execution.assistantName} <span className="muted">#{executionId}</span>
        </h1>
        <div className="badges">
          <StatusBadge status={view.status} />
          <ConnectionBadge connection={live.connection} />
          {canCancel ? (
            <button type="button" className="danger small" disabled={cancel.isPending || cancel.isSuccess} onClick={() => cancel.mutate({ executionId })}>
              {cancel.isPending || cancel.isSuccess ? 'Cancelling…' : 'Cancel'}
            </button>
          ) : null}
          {finished && following ? (
            <button
              type="button"
              className="small"
              disabled={runAgain.isPending}
              onClick={() => runAgain.mutate({ assistantId: execution.assistantId, input: execution.input })}
              aria-describedby={changedSince ? 'run-again-version' : undefined}
            >
              {runAgain.isPending ? 'Starting…' : changedSince ? `Run again with version ${currentVersion}` : 'Run again'}
            </button>
          ) : null}
        </div>
      </div>
      <p className="muted">
        {describeRun(execution)} · ran <Link to={versionPath(execution.assistantId, execution.assistantVersion)}>version {execution.assistantVersion}</Link>
        {changedSince && finished && following ? (
          <span id="run-again-version">
            {' '}
            · the assistant was saved since; running again uses its current{' '}
            <Link to={versionPath(execution.assistantId, currentVersion)}>version {currentVersion}</Link>, with the same input
          </span>
        ) : null}
      </p>
      <ExecutionProgress view={view} total={total} eventCount={replay.events.length} />
      {live.error ? <ErrorMessage error={{ message: live.error }} title="Live updates stopped" /> : null}
      {cancel.error ? <ErrorMessage error={cancel.error} title="Could not cancel" /> : null}
      {runAgain.error ? <ErrorMessage error={runAgain.error} title="Could not run it again" /> : null}
      {view.error ? <ExecutionFailure error={view.error} /> : null}
      {finished || !following ? <ReplayControls events={live.events} state={replay.state} onChange={replay.setState} /> : null}
    </section>
  );
}
