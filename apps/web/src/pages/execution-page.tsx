import { useEffect, useMemo, useState } from 'react';
import { Link, useNavigate, useParams, useSearchParams } from 'react-router';
import { ErrorMessage } from '../components/error-message.tsx';
import { EventLog } from '../components/event-log.tsx';
import { ExportLinks } from '../components/export-links.tsx';
import { formatDuration, formatNumber } from '../components/format.ts';
import { PromptCard } from '../components/prompt-card.tsx';
import { ReplayControls } from '../components/replay-controls.tsx';
import { ConnectionBadge, StatusBadge } from '../components/status-badge.tsx';
import { TimelineChart } from '../components/timeline-chart.tsx';
import { NO_PLAN } from '../execution-events/fold.ts';
import { buildTimeline } from '../execution-events/timeline.ts';
import { useExecutionEvents } from '../execution-events/use-execution-events.ts';
import { useExecutionOutput } from '../execution-events/use-execution-output.ts';
import { useReplay } from '../execution-events/use-replay.ts';
import { useMe } from '../identity/use-me.ts';
import { trpc } from '../trpc.ts';

const TABS = ['progress', 'timeline', 'events'] as const;
type Tab = (typeof TABS)[number];
const TAB_LABEL: Record<Tab, string> = { progress: 'Progress', timeline: 'Timeline', events: 'Events' };

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
  return <ExecutionScreen key={executionId} executionId={executionId} />;
}

function ExecutionScreen({ executionId }: { executionId: number }) {
  const utils = trpc.useUtils();
  const [params, setParams] = useSearchParams();
  const tab: Tab = TABS.find((candidate) => candidate === params.get('tab')) ?? 'progress';
  const execution = trpc.executions.get.useQuery({ executionId });
  const assistant = trpc.assistants.get.useQuery({ id: execution.data?.assistantId ?? 0 }, { enabled: execution.data !== undefined });
  const plan = assistant.data?.prompts ?? NO_PLAN;
  const live = useExecutionEvents(executionId, plan);
  const liveText = useExecutionOutput(executionId, live.status === 'running' || live.status === 'idle');
  const me = useMe();
  const cancel = trpc.executions.cancel.useMutation();
  const navigate = useNavigate();
  const runAgain = trpc.executions.execute.useMutation({ onSuccess: ({ executionId: next }) => navigate(`/executions/${next}`) });
  const { state: replay, setState: onReplayChange, events: shownEvents, view, cursorMs } = useReplay(plan, live);
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (live.status !== 'running') return;
    const timer = setInterval(() => setNow(Date.now()), 500);
    return () => clearInterval(timer);
  }, [live.status]);
  const timeline = useMemo(() => buildTimeline(live.view, live.status === 'running' ? now : undefined), [live.view, live.status, now]);

  // Outputs are stored before `prompt-complete` is emitted: fetch them as each prompt finishes.
  useEffect(() => {
    if (live.view.completedPrompts > 0 || live.status === 'complete' || live.status === 'error') {
      void utils.executions.get.invalidate({ executionId });
    }
  }, [live.view.completedPrompts, live.status, executionId, utils]);

  if (execution.error) return <ErrorMessage error={execution.error} />;
  if (execution.isPending)
    return (
      <p className="muted" role="status">
        Loading execution…
      </p>
    );

  const outputs = new Map(execution.data.promptResults.map((result) => [result.promptId, result.output]));
  const total = view.totalPrompts || plan.length;
  const percent = total > 0 ? Math.round((view.completedPrompts / total) * 100) : 0;
  const running = view.prompts.find((prompt) => prompt.status === 'running');
  const canCancel =
    replay.position === null &&
    (live.status === 'running' || live.status === 'idle') &&
    (me.data?.role === 'admin' || me.data?.id === execution.data.userId) &&
    !execution.data.cancelRequestedAt;
  const finished = live.status === 'complete' || live.status === 'error';

  return (
    <div className={`execution execution-${view.status}`} data-status={view.status}>
      <section className="panel execution-header" aria-labelledby="execution-heading">
        <div className="execution-title">
          <h1 id="execution-heading">
            {view.toolName ?? execution.data.assistantName} <span className="muted">#{executionId}</span>
          </h1>
          <div className="badges">
            <StatusBadge status={view.status} />
            <ConnectionBadge connection={live.connection} />
            {canCancel ? (
              <button type="button" className="danger small" disabled={cancel.isPending || cancel.isSuccess} onClick={() => cancel.mutate({ executionId })}>
                {cancel.isPending || cancel.isSuccess ? 'Cancelling…' : 'Cancel'}
              </button>
            ) : null}
            {finished && replay.position === null ? (
              <button
                type="button"
                className="small"
                disabled={runAgain.isPending}
                onClick={() => runAgain.mutate({ assistantId: execution.data.assistantId, input: execution.data.input })}
              >
                {runAgain.isPending ? 'Starting…' : 'Run again'}
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
          {view.progress && view.status === 'running' ? ` · ${view.progress.message} (${Math.round(view.progress.percentage)}%)` : ''}
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
            <dd>{shownEvents.length}</dd>
          </div>
        </dl>
        {live.error ? <ErrorMessage error={{ message: live.error }} title="Live updates stopped" /> : null}
        {cancel.error ? <ErrorMessage error={cancel.error} title="Could not cancel" /> : null}
        {runAgain.error ? <ErrorMessage error={runAgain.error} title="Could not run it again" /> : null}
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
        {finished || replay.position !== null ? <ReplayControls events={live.events} state={replay} onChange={onReplayChange} /> : null}
      </section>

      <div className="tabs">
        <div className="tab-list" role="tablist" aria-label="Execution views">
          {TABS.map((candidate) => (
            <button
              key={candidate}
              type="button"
              role="tab"
              id={`tab-${candidate}`}
              aria-selected={tab === candidate}
              aria-controls={`panel-${candidate}`}
              className={tab === candidate ? 'tab active' : 'tab'}
              onClick={() =>
                setParams(
                  (current) => {
                    const next = new URLSearchParams(current);
                    if (candidate === 'progress') next.delete('tab');
                    else next.set('tab', candidate);
                    return next;
                  },
                  { replace: true },
                )
              }
            >
              {TAB_LABEL[candidate]}
            </button>
          ))}
        </div>
        <ExportLinks base={`/api/executions/${executionId}/events`} label="Download events" />
      </div>

      <div role="tabpanel" id={`panel-${tab}`} aria-labelledby={`tab-${tab}`}>
        {tab === 'progress' ? (
          <ol className="prompt-list" aria-label="Prompts">
            {view.prompts.map((prompt) => (
              <li key={prompt.promptId}>
                <PromptCard
                  prompt={prompt}
                  total={total}
                  promptName={(id) => view.prompts.find((candidate) => candidate.promptId === id)?.name}
                  output={prompt.status === 'complete' ? outputs.get(prompt.promptId) : undefined}
                  liveText={replay.position === null ? liveText.get(prompt.promptId) : undefined}
                />
              </li>
            ))}
          </ol>
        ) : tab === 'timeline' ? (
          <section className="panel">
            <TimelineChart timeline={timeline} cursorMs={cursorMs} />
          </section>
        ) : (
          <section className="panel">
            <EventLog events={shownEvents} />
          </section>
        )}
      </div>
    </div>
  );
}
