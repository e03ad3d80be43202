import type { ExecutionView, Span } from './fold.ts';

export type TimelineKind = 'prompt' | 'knowledge' | 'tool';

export interface TimelineRow {
  key: string;
  kind: TimelineKind;
  label: string;
  /** Milliseconds from the execution's start. */
  startMs: number;
  /** Null while it is still running (or if the execution stopped first). */
  endMs: number | null;
  status: 'running' | 'complete' | 'error';
  /** The prompt a retrieval or tool call belongs to, for indentation. */
  promptId: number;
}

export interface Timeline {
  rows: TimelineRow[];
  /** From the first event to the last one (or to `now` while running). */
  totalMs: number;
}

/**
 * A waterfall of an execution from its folded view: one row per started prompt, with its knowledge
 * retrieval and tool calls under it, placed by their events' timestamps. Pure: the same view always
 * gives the same timeline.
 */
export function buildTimeline(view: ExecutionView, now?: number): Timeline {
  const { firstEventAt, lastEventAt, endedAt } = view;
  if (firstEventAt === undefined || lastEventAt === undefined) return { rows: [], totalMs: 0 };
  const origin = Date.parse(firstEventAt);
  const at = (timestamp: string) => Date.parse(timestamp) - origin;
  const ended = endedAt === undefined ? undefined : at(endedAt);
  const row = (key: string, kind: TimelineKind, label: string, promptId: number, span: Span): TimelineRow => {
    const base = { key, kind, label, promptId, startMs: at(span.startedAt) };
    if (span.endedAt !== undefined) return { ...base, endMs: at(span.endedAt), status: span.status };
    // Whatever was still open when the execution ended stopped with it.
    return ended === undefined ? { ...base, endMs: null, status: 'running' } : { ...base, endMs: ended, status: 'error' };
  };

  const rows: TimelineRow[] = [];
  const started = view.prompts.flatMap((prompt) => (prompt.span ? [{ prompt, span: prompt.span }] : []));
  for (const { prompt, span } of started.sort((a, b) => a.span.sequence - b.span.sequence)) {
    const children: { sequence: number; row: TimelineRow }[] = [];
    const knowledge = prompt.knowledge;
    if (knowledge?.span) {
      const count = knowledge.repositories.length;
      const label = `${knowledge.searchType} search in ${count} repositor${count === 1 ? 'y' : 'ies'}`;
      children.push({
        sequence: knowledge.span.sequence,
        row: row(`knowledge-${knowledge.span.sequence}`, 'knowledge', label, prompt.promptId, knowledge.span),
      });
    }
    for (const tool of prompt.tools) {
      if (tool.span) children.push({ sequence: tool.span.sequence, row: row(`tool-${tool.span.sequence}`, 'tool', tool.toolName, prompt.promptId, tool.span) });
    }
    // Children sit under their prompt, in the order they started.
    rows.push(
      row(`prompt-${prompt.promptId}`, 'prompt', prompt.name, prompt.promptId, span),
      ...children.sort((a, b) => a.sequence - b.sequence).map((child) => child.row),
    );
  }
  const totalMs = Math.max(ended ?? Math.max(at(lastEventAt), (now ?? Date.parse(lastEventAt)) - origin), 1);
  return { rows, totalMs };
}
