import { useSearchParams } from 'react-router';
import { ExportLinks } from '../components/export-links.tsx';

const TABS = ['progress', 'timeline', 'events'] as const;
export type ExecutionTab = (typeof TABS)[number];
const TAB_LABEL: Record<ExecutionTab, string> = { progress: 'Progress', timeline: 'Timeline', events: 'Events' };

/** The open tab, kept in the address (`?tab=`) so a link opens it; progress is the default. */
export function useExecutionTab(): [ExecutionTab, (tab: ExecutionTab) => void] {
  const [params, setParams] = useSearchParams();
  const tab = TABS.find((candidate) => candidate === params.get('tab')) ?? 'progress';
  const select = (next: ExecutionTab) =>
    setParams(
      (current) => {
        const updated = new URLSearchParams(current);
        if (next === 'progress') updated.delete('tab');
        else updated.set('tab', next);
        return updated;
      },
      { replace: true },
    );
  return [tab, select];
}

export function ExecutionTabList({ tab, onSelect, executionId }: { tab: ExecutionTab; onSelect: (tab: ExecutionTab) => void; executionId: number }) {
  return (
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
            onClick={() => onSelect(candidate)}
          >
            {TAB_LABEL[candidate]}
          </button>
        ))}
      </div>
      <ExportLinks base={`/api/executions/${executionId}/events`} label="Download events" />
    </div>
  );
}
