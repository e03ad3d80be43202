import type { StoredEvent } from '@aae/events';
import { describe, expect, it } from 'vitest';
import { foldExecutionEvents } from './fold.ts';
import { storedEvent, t0 } from './testing.ts';
import { buildTimeline } from './timeline.ts';

let sequence = 0;
function event(offsetMs: number, eventType: StoredEvent['eventType'], data: Record<string, unknown>): StoredEvent {
  sequence++;
  return storedEvent(sequence, offsetMs, eventType, data);
}

/** The timeline as the page derives it: from the view the events fold into. */
const timelineOf = (events: readonly StoredEvent[], now?: number) => buildTimeline(foldExecutionEvents([], events), now);

describe('buildTimeline', () => {
  it('lays out prompts with their retrievals and tool calls under them, from the timestamps', () => {
    const events = [
      event(0, 'execution-start', { executionId: 1, totalPrompts: 2, toolName: 'A' }),
      event(10, 'prompt-start', { promptId: 7, promptName: 'Research', position: 1, totalPrompts: 2, modelId: 'local', hasKnowledge: true, hasTools: true }),
      event(20, 'knowledge-retrieval-start', { promptId: 7, repositories: [1, 2], searchType: 'hybrid' }),
      event(70, 'knowledge-retrieved', { promptId: 7, documentsFound: 2, relevanceScore: 0.5, tokens: 80 }),
      event(80, 'tool-execution-start', { promptId: 7, toolName: 'calculator', parameters: {} }),
      event(90, 'tool-execution-complete', { promptId: 7, toolName: 'calculator', success: false, error: 'bad' }),
      event(200, 'prompt-complete', { promptId: 7, outputTokens: 5, duration: 190, cached: false }),
      event(210, 'prompt-start', { promptId: 8, promptName: 'Write', position: 2, totalPrompts: 2, modelId: 'local', hasKnowledge: false, hasTools: false }),
      event(400, 'execution-error', { executionId: 1, error: 'boom', promptId: 8, recoverable: false }),
    ];
    const timeline = timelineOf(events);
    expect(timeline.totalMs).toBe(400);
    expect(timeline.rows.map((row) => [row.kind, row.label, row.startMs, row.endMs, row.status])).toEqual([
      ['prompt', 'Research', 10, 200, 'complete'],
      ['knowledge', 'hybrid search in 2 repositories', 20, 70, 'complete'],
      ['tool', 'calculator', 80, 90, 'error'],
      ['prompt', 'Write', 210, 400, 'error'],
    ]);
  });

  it('leaves running work open and measures up to now while the execution runs', () => {
    const events = [
      event(0, 'execution-start', { executionId: 1, totalPrompts: 1, toolName: 'A' }),
      event(5, 'prompt-start', { promptId: 9, promptName: 'Only', position: 1, totalPrompts: 1, modelId: 'local', hasKnowledge: false, hasTools: false }),
    ];
    const timeline = timelineOf(events, t0 + 1_000);
    expect(timeline.rows[0]).toMatchObject({ status: 'running', endMs: null });
    expect(timeline.totalMs).toBe(1_000);
    expect(timelineOf([])).toEqual({ rows: [], totalMs: 0 });
  });

  it('pairs each tool completion with the earliest call of that tool still running, and closes what the end left open', () => {
    sequence = 0;
    const events = [
      event(0, 'execution-start', { executionId: 1, totalPrompts: 1, toolName: 'A' }),
      event(10, 'prompt-start', { promptId: 3, promptName: 'Sum', position: 1, totalPrompts: 1, modelId: 'local', hasKnowledge: false, hasTools: true }),
      event(20, 'tool-execution-start', { promptId: 3, toolName: 'calculator', parameters: { expression: '1+1' } }),
      event(30, 'tool-execution-start', { promptId: 3, toolName: 'calculator', parameters: { expression: '2+2' } }),
      event(40, 'tool-execution-complete', { promptId: 3, toolName: 'calculator', success: true, result: 2 }),
      // A completion whose start was never seen draws nothing.
      event(45, 'tool-execution-complete', { promptId: 3, toolName: 'clock', success: true, result: 0 }),
      event(50, 'execution-complete', { executionId: 1, totalTokens: 9, duration: 50 }),
    ];
    const timeline = timelineOf(events);
    expect(timeline.totalMs).toBe(50);
    expect(timeline.rows.map((row) => [row.key, row.startMs, row.endMs, row.status])).toEqual([
      ['prompt-3', 10, 50, 'error'],
      ['tool-3', 20, 40, 'complete'],
      ['tool-4', 30, 50, 'error'],
    ]);
  });
});
