import { useEffect, useMemo } from 'react';
import { Link, useParams } from 'react-router';
import { ErrorMessage } from '../components/error-message.tsx';
import { EventLog } from '../components/event-log.tsx';
import { PromptCard } from '../components/prompt-card.tsx';
import { ConnectionBadge, StatusBadge } from '../components/status-badge.tsx';
import { formatDuration, formatNumber } from '../components/format.ts';
import type { PlannedPrompt } from '../execution-view/execution-view.ts';
import { useExecutionEvents } from '../execution-view/use-execution-events.ts';
import { useExecutionOutput } from '../execution-view/use-execution-output.ts';
import { trpc } from '../trpc.ts';

export function ExecutionPage() {
  const { executionId: raw } = useParams();
  const executionId = Number(raw);
  if (!Number.isInteger(executionId) || executionId <= 0) {
    return (
      <section className="panel empty-state">
        <h1>Not an execution</h1>
        <p>
          “{raw}” is not an execution id. See <Link to="/executions">past executions</Link>.
        </p>
      </section>
    );
  }
  return <ExecutionView key={executionId} executionId={executionId} />;
}

function ExecutionView({ executionId }: { executionId: number }) {
  const utils = trpc.useUtils();
  const execution = trpc.executions.get.useQuery({ executionId });
  const assistant = trpc.assistants.get.useQuery(
    { id: execution.data?.assistantId ?? 0 },
    { enabled: execution.data !== undefined },
  );
  const plan = useMemo<PlannedPrompt[]>(() => assistant.data?.prompts ?? [], [assistant.data]);
  const { events, view, connection, error } = useExecutionEvents(executionId, plan);
  const liveText = useExecutionOutput(executionId, view.status === 'running' || view.status === 'idle');
  const me = trpc.users.me.useQuery();
  const cancel = trpc.executions.cancel.useMutation();

  // Outputs are stored before `prompt-complete` is emitted: fetch them as each prompt finishes.
  useEffect(() => {
    if (view.completedPrompts > 0 || view.status === 'complete' || view.status === 'error') {
      void utils.executions.get.invalidate({ executionId });
    }
  }, [view.completedPrompts, view.status, executionId, utils]);

  if (execution.error) return <ErrorMessage error={execution.error} />;
  if (execution.isPending) return <p className="muted" role="status">Loading execution…</p>;

  const outputs = new Map(execution.data.promptResults.map((result) => [result.promptId, result.output]));
  const canCancel =
    (view.status === 'running' || view.status === 'idle') &&
    (me.data?.role === 'admin' || me.data?.name === execution.data.userName) &&
    !execution.data.cancelRequestedAt;
  const total = view.totalPrompts || plan.length;
  const percent = total > 0 ? Math.round((view.completedPrompts / total) * 100) : 0;
  const running = view.prompts.find((prompt) => prompt.status === 'running');

  return (
    <div className={`execution execution-${view.status}`} data-status={view.status}>
      <section className="panel execution-header" aria-labelledby="execution-heading">
        <div className="execution-title">
          <h1 id="execution-heading">
            {view.toolName ?? execution.data.assistantName} <span className="muted">#{executionId}</span>
          </h1>
          <div className="badges">
            <StatusBadge status={view.status} />
            <ConnectionBadge connection={connection} />
            {canCancel ? (
              <button
                type="button"
                className="danger small"
                disabled={cancel.isPending || cancel.isSuccess}
                onClick={() => cancel.mutate({ executionId })}
              >
                {cancel.isPending || cancel.isSuccess ? 'Cancelling…' : 'Cancel'}
              </button>
            ) : null}
          </div>
        </div>
        <p className="muted">
          Run by {execution.data.userName}
          {execution.data.startedAt ? ` · started ${execution.data.startedAt.toLocaleString()}` : ''}
          {Object.keys(execution.data.input).length > 0
            ? ` · ${Object.entries(execution.data.input)
                .map(([name, value]) => `${name}: ${value}`)
                .join(', ')}`
            : ''}
        </p>
        <div
          className="progress"
          role="progressbar"
          aria-label="Prompts completed"
          aria-valuemin={0}
          aria-valuemax={total}
          aria-valuenow={view.completedPrompts}
        >
          <div className="progress-fill" style={{ width: `${percent}%` }} />
        </div>
        <p className="progress-caption" aria-live="polite">
          {view.status === 'complete'
            ? `All ${total} prompts complete`
            : view.status === 'error'
              ? `Stopped after ${view.completedPrompts} of ${total} prompts`
              : running
                ? `Running prompt ${running.position} of ${total}: ${running.name}`
                : view.status === 'idle'
                  ? 'Waiting for the execution to start…'
                  : `${view.completedPrompts} of ${total} prompts complete`}
          {view.progress ? ` · ${view.progress.message} (${Math.round(view.progress.percentage)}%)` : ''}
        </p>
        <dl className="stats">
          <div>
            <dt>Prompts</dt>
            <dd>
              {view.completedPrompts} / {total}
            </dd>
          </div>
          <div>
            <dt>Total tokens</dt>
            <dd>{view.totalTokens !== undefined ? formatNumber(view.totalTokens) : '—'}</dd>
          </div>
          <div>
            <dt>Duration</dt>
            <dd>{view.durationMs !== undefined ? formatDuration(view.durationMs) : '—'}</dd>
          </div>
          <div>
            <dt>Events</dt>
            <dd>{events.length}</dd>
          </div>
        </dl>
        {error ? <ErrorMessage error={{ message: error }} title="Live updates stopped" /> : null}
        {cancel.error ? <ErrorMessage error={cancel.error} title="Could not cancel" /> : null}
        {view.error ? (
          <div className="error-box execution-error-box" role="alert">
            <strong>
              Execution failed{view.error.recoverable ? ' (you can run it again)' : ''}: {view.error.message}
            </strong>
            {view.error.details ? (
              <details>
                <summary>Details</summary>
                <pre>{view.error.details}</pre>
              </details>
            ) : null}
          </div>
        ) : null}
      </section>

      <ol className="prompt-list" aria-label="Prompts">
        {view.prompts.map((prompt) => (
          <li key={prompt.promptId}>
            <PromptCard
              prompt={prompt}
              total={total}
              output={outputs.get(prompt.promptId)}
              liveText={liveText.get(prompt.promptId)}
            />
          </li>
        ))}
      </ol>

      <EventLog events={events} />
    </div>
  );
}
