import type { Timeline } from '../execution-events/timeline.ts';
import { formatDuration } from './format.ts';

/** The waterfall: one bar per prompt, retrieval and tool call, on a shared time axis. */
export function TimelineChart({ timeline, cursorMs }: { timeline: Timeline; cursorMs?: number | undefined }) {
  if (timeline.rows.length === 0) return <p className="muted">Nothing has started yet.</p>;
  const pct = (value: number) => `${Math.min(100, (value / timeline.totalMs) * 100)}%`;
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((fraction) => fraction * timeline.totalMs);
  return (
    <figure className="timeline" aria-label="Execution timeline">
      <div className="timeline-axis" aria-hidden="true">
        {ticks.map((tick) => (
          <span key={tick} style={{ left: pct(tick) }}>
            {formatDuration(tick)}
          </span>
        ))}
      </div>
      <ol className="timeline-rows">
        {timeline.rows.map((row) => {
          const end = row.endMs ?? timeline.totalMs;
          return (
            <li key={row.key} className={`timeline-row timeline-${row.kind}`}>
              <span className="timeline-label">{row.label}</span>
              <span className="timeline-track">
                <span
                  className={`timeline-bar bar-${row.status}`}
                  style={{ left: pct(row.startMs), width: `max(2px, ${pct(end - row.startMs)})` }}
                  title={`${row.label}: ${formatDuration(row.startMs)} → ${row.endMs === null ? 'running' : formatDuration(row.endMs)}`}
                />
              </span>
              <span className="timeline-duration">{row.endMs === null ? 'running' : formatDuration(row.endMs - row.startMs)}</span>
            </li>
          );
        })}
      </ol>
      {cursorMs !== undefined ? (
        <div
          className="timeline-cursor"
          style={{ left: `calc(var(--label-width) + (100% - var(--label-width) - var(--duration-width)) * ${Math.min(1, cursorMs / timeline.totalMs)})` }}
          aria-hidden="true"
        />
      ) : null}
      <figcaption className="muted">
        {formatDuration(timeline.totalMs)} from the first event to the last. Bars: prompts, knowledge retrievals (blue), tool calls (amber).
      </figcaption>
    </figure>
  );
}
