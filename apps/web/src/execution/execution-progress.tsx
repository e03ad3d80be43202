import { formatDuration, formatNumber } from '../components/format.ts';
import type { ExecutionView } from '../execution-events/fold.ts';

function caption(view: ExecutionView, total: number): string {
  const running = view.prompts.find((prompt) => prompt.status === 'running');
  if (view.status === 'complete') return `All ${total} prompts complete`;
  if (view.status === 'error') return `Stopped after ${view.completedPrompts} of ${total} prompts`;
  if (running) return `Running prompt ${running.position} of ${total}: ${running.name}`;
  if (view.status === 'idle') return 'Waiting for the execution to start…';
  return `${view.completedPrompts} of ${total} prompts complete`;
}

/** The progress bar, what is happening now, and the run's counts. */
export function ExecutionProgress({ view, total, eventCount }: { view: ExecutionView; total: number; eventCount: number }) {
  const percent = total > 0 ? Math.round((view.completedPrompts / total) * 100) : 0;
  return (
    <>
      <div className="progress" role="progressbar" aria-label="Prompts completed" aria-valuemin={0} aria-valuemax={total} aria-valuenow={view.completedPrompts}>
        <div className="progress-fill" style={{ width: `${percent}%` }} />
      </div>
      <p className="progress-caption" aria-live="polite">
        {caption(view, total)}
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
          <dd>{eventCount}</dd>
        </div>
      </dl>
    </>
  );
}
