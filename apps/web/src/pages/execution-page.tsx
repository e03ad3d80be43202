import { Link, useParams } from 'react-router';
import { ErrorMessage } from '../components/error-message.tsx';
import { EventLog } from '../components/event-log.tsx';
import { useReplay } from '../execution-events/use-replay.ts';
import { ExecutionHeader } from '../execution/execution-header.tsx';
import { ExecutionTabList, useExecutionTab } from '../execution/execution-tabs.tsx';
import { PromptList } from '../execution/prompt-list.tsx';
import { TimelineTab } from '../execution/timeline-tab.tsx';
import { useWatchedExecution } from '../execution/use-watched-execution.ts';

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
  const [tab, selectTab] = useExecutionTab();
  const { execution, plan, live, liveText } = useWatchedExecution(executionId);
  const replay = useReplay(plan, live);

  if (execution.error) return <ErrorMessage error={execution.error} />;
  if (execution.isPending)
    return (
      <p className="muted" role="status">
        Loading execution…
      </p>
    );

  const { view } = replay;
  const total = view.totalPrompts || plan.length;
  const outputs = new Map(execution.data.promptResults.map((result) => [result.promptId, result.output]));
  const texts = new Map(execution.data.plan.map((prompt) => [prompt.id, prompt.content]));
  return (
    <div className={`execution execution-${view.status}`} data-status={view.status}>
      <ExecutionHeader executionId={executionId} execution={execution.data} view={view} total={total} live={live} replay={replay} />
      <ExecutionTabList tab={tab} onSelect={selectTab} executionId={executionId} />
      <div role="tabpanel" id={`panel-${tab}`} aria-labelledby={`tab-${tab}`}>
        {tab === 'progress' ? (
          <PromptList view={view} total={total} outputs={outputs} texts={texts} liveText={replay.state.position === null ? liveText : undefined} />
        ) : tab === 'timeline' ? (
          <TimelineTab view={live.view} cursorMs={replay.cursorMs} />
        ) : (
          <section className="panel">
            <EventLog events={replay.events} />
          </section>
        )}
      </div>
    </div>
  );
}
