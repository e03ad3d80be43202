import { useExecutionEvents } from '../execution-events/use-execution-events.ts';

/**
 * A running execution's progress in a list, live: prompts done of all and what runs now. Its
 * events come over the one connection every tab shares, like the execution page's.
 */
export function LiveProgress({ executionId }: { executionId: number }) {
  const { view } = useExecutionEvents(executionId);
  const running = view.prompts.find((prompt) => prompt.status === 'running');
  const label =
    view.status === 'idle'
      ? 'starting…'
      : `${view.completedPrompts} of ${view.totalPrompts} prompts${running ? ` · running ${running.name}` : ''}${view.status === 'complete' ? ' · done' : view.status === 'error' ? ' · stopped' : ''}`;
  return (
    <span className="live-progress muted" data-status={view.status} data-execution-id={executionId}>
      {label}
    </span>
  );
}
