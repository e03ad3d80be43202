import type { StoredEvent } from '@aae/events';

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

const ms = (event: StoredEvent) => Date.parse(event.eventData.timestamp);

/**
 * A waterfall of an execution from its events' timestamps: one row per prompt, with its knowledge
 * retrievals and tool calls under it. Pure: the same events always give the same timeline.
 */
export function buildTimeline(events: readonly StoredEvent[], now?: number): Timeline {
  const first = events[0];
  if (!first) return { rows: [], totalMs: 0 };
  const origin = ms(first);
  const rows: TimelineRow[] = [];
  const open = new Map<string, TimelineRow>();
  const openTools = new Map<string, TimelineRow[]>();
  let ended: { at: number; failed: boolean } | null = null;
  const at = (event: StoredEvent) => ms(event) - origin;

  const start = (row: TimelineRow, key: string) => {
    rows.push(row);
    open.set(key, row);
  };
  const finish = (key: string, event: StoredEvent, status: TimelineRow['status']) => {
    const row = open.get(key);
    if (!row) return;
    row.endMs = at(event);
    row.status = status;
    open.delete(key);
  };

  for (const event of events) {
    switch (event.eventType) {
      case 'prompt-start':
        start(
          {
            key: `prompt-${event.eventData.promptId}`,
            kind: 'prompt',
            label: event.eventData.promptName,
            startMs: at(event),
            endMs: null,
            status: 'running',
            promptId: event.eventData.promptId,
          },
          `prompt-${event.eventData.promptId}`,
        );
        break;
      case 'prompt-complete':
        finish(`prompt-${event.eventData.promptId}`, event, 'complete');
        break;
      case 'knowledge-retrieval-start':
        start(
          {
            key: `knowledge-${event.sequence}`,
            kind: 'knowledge',
            label: `${event.eventData.searchType} search in ${event.eventData.repositories.length} repositor${event.eventData.repositories.length === 1 ? 'y' : 'ies'}`,
            startMs: at(event),
            endMs: null,
            status: 'running',
            promptId: event.eventData.promptId,
          },
          `knowledge-${event.eventData.promptId}`,
        );
        break;
      case 'knowledge-retrieved':
        finish(`knowledge-${event.eventData.promptId}`, event, 'complete');
        break;
      case 'tool-execution-start': {
        const row: TimelineRow = {
          key: `tool-${event.sequence}`,
          kind: 'tool',
          label: event.eventData.toolName,
          startMs: at(event),
          endMs: null,
          status: 'running',
          promptId: event.eventData.promptId,
        };
        rows.push(row);
        const key = `${event.eventData.promptId}:${event.eventData.toolName}`;
        openTools.set(key, [...(openTools.get(key) ?? []), row]);
        break;
      }
      case 'tool-execution-complete': {
        const key = `${event.eventData.promptId}:${event.eventData.toolName}`;
        const row = openTools.get(key)?.shift();
        if (row) {
          row.endMs = at(event);
          row.status = event.eventData.success ? 'complete' : 'error';
        }
        break;
      }
      case 'execution-error':
        ended = { at: at(event), failed: true };
        if (event.eventData.promptId !== undefined) finish(`prompt-${event.eventData.promptId}`, event, 'error');
        break;
      case 'execution-complete':
        ended = { at: at(event), failed: false };
        break;
      default:
        break;
    }
  }
  // Whatever was still open when the execution ended stopped with it.
  if (ended) {
    for (const row of rows) {
      if (row.endMs === null) {
        row.endMs = ended.at;
        row.status = 'error';
      }
    }
  }
  const last = events[events.length - 1]!;
  const totalMs = Math.max(ended ? ended.at : Math.max(at(last), (now ?? ms(last)) - origin), 1);
  // Children sit under their prompt, in the order they started.
  const ordered: TimelineRow[] = [];
  for (const prompt of rows.filter((row) => row.kind === 'prompt')) {
    ordered.push(prompt, ...rows.filter((row) => row.kind !== 'prompt' && row.promptId === prompt.promptId));
  }
  return { rows: ordered, totalMs };
}
