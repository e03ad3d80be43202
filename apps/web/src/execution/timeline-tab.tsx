import { useEffect, useMemo, useState } from 'react';
import { TimelineChart } from '../components/timeline-chart.tsx';
import type { ExecutionView } from '../execution-events/fold.ts';
import { buildTimeline } from '../execution-events/timeline.ts';

/**
 * The waterfall of the live view, derived only while this tab is open; while the execution runs,
 * the open bars grow every half second.
 */
export function TimelineTab({ view, cursorMs }: { view: ExecutionView; cursorMs: number | undefined }) {
  const running = view.status === 'running';
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!running) return;
    const timer = setInterval(() => setNow(Date.now()), 500);
    return () => clearInterval(timer);
  }, [running]);
  const timeline = useMemo(() => buildTimeline(view, running ? now : undefined), [view, running, now]);
  return (
    <section className="panel">
      <TimelineChart timeline={timeline} cursorMs={cursorMs} />
    </section>
  );
}
