import { PassThrough } from 'node:stream';
import type { StoredEvent } from '@aae/events';
import { describe, expect, it } from 'vitest';
import { barsView, lineView } from './progress-view.ts';

/** A terminal 120 columns wide that keeps what was drawn on it. */
function fakeTerminal() {
  const stream = Object.assign(new PassThrough(), { isTTY: true, columns: 120, rows: 40 });
  let drawn = '';
  stream.on('data', (chunk: Buffer) => {
    drawn += chunk.toString();
  });
  return { stream: stream as unknown as NodeJS.WriteStream, drawn: () => drawn };
}

let sequence = 0;
function event<T extends StoredEvent['eventType']>(eventType: T, eventData: Record<string, unknown>): StoredEvent {
  sequence += 1;
  return {
    id: sequence,
    executionId: 7,
    sequence,
    createdAt: new Date(0),
    eventType,
    eventData: { ...eventData, eventId: `evt_7_${sequence}`, timestamp: '2026-12-01T10:00:00.000Z' },
  } as unknown as StoredEvent;
}

const promptStart = (promptId: number, position: number, promptName: string) =>
  event('prompt-start', { promptId, promptName, position, totalPrompts: 2, modelId: 'local', hasKnowledge: false, hasTools: false });

/** Frames are separated by newlines and by the cursor movements that redraw them (ESC [ … letter). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: the escape character is what is matched
const LINE_BREAKS = /\r?\n|\u001b\[[0-9;]*[A-Za-z]/;

/** The last frame's line of a bar: after the view stops, each bar is drawn once more, as it ended. */
const lastLine = (drawn: string, label: string) =>
  drawn
    .split(LINE_BREAKS)
    .filter((line) => line.startsWith(label))
    .at(-1);

describe('barsView', () => {
  it('moves a prompt through its stages and counts the prompts done', () => {
    const terminal = fakeTerminal();
    const view = barsView(terminal.stream);
    view.show(event('execution-start', { executionId: 7, totalPrompts: 2, toolName: 'Brief' }));
    view.show(promptStart(1, 1, 'Outline'));
    view.show(event('knowledge-retrieval-start', { promptId: 1, repositories: [1], searchType: 'hybrid' }));
    view.show(event('knowledge-retrieved', { promptId: 1, documentsFound: 3, relevanceScore: 0.8, tokens: 120 }));
    view.show(event('prompt-complete', { promptId: 1, outputTokens: 42, duration: 1200, cached: false }));
    view.show(promptStart(2, 2, 'Draft'));
    view.show(event('tool-execution-start', { promptId: 2, toolName: 'calculator' }));
    view.stop();
    expect(lastLine(terminal.drawn(), 'Execution')).toMatch(/\|█{15}░{15}\|\s+50% 1\/2 prompts/);
    expect(lastLine(terminal.drawn(), '1. Outline')).toMatch(/\|█{30}\|\s*100% 42 tokens, 1\.2 s/);
    expect(lastLine(terminal.drawn(), '2. Draft')).toMatch(/\|█{15}░{15}\|\s+50% running calculator/);
  });

  it('shows text that came before its prompt-start once the bar exists, filling towards the limit', () => {
    const terminal = fakeTerminal();
    const view = barsView(terminal.stream, new Map([[2, 100]]));
    view.show(event('execution-start', { executionId: 7, totalPrompts: 2, toolName: 'Brief' }));
    // 200 characters, ~50 tokens of at most 100: half of the writing stage (15% to 95%).
    view.output?.({ promptId: 2, text: 'x'.repeat(200), replace: false });
    view.show(promptStart(2, 1, 'Draft'));
    view.show(event('variable-substitution', { promptId: 2, variables: { topic: 'tides' }, sourcePrompts: [] }));
    view.stop();
    expect(lastLine(terminal.drawn(), '1. Draft')).toMatch(/\|█{17}░{13}\|\s+55% writing, ~50 of at most 100 tokens/);
  });

  it('says which prompts stopped when the execution ends in an error', () => {
    const terminal = fakeTerminal();
    const view = barsView(terminal.stream);
    view.show(event('execution-start', { executionId: 7, totalPrompts: 2, toolName: 'Brief' }));
    view.show(promptStart(1, 1, 'Outline'));
    view.show(event('execution-error', { executionId: 7, error: 'Execution was cancelled by demo', promptId: 1, recoverable: true }));
    view.stop();
    expect(lastLine(terminal.drawn(), '1. Outline')).toMatch(/\|█{2}░{28}\|\s+5% stopped/);
    expect(lastLine(terminal.drawn(), 'Execution')).toMatch(/0% ended: Execution was cancelled by demo/);
  });
});

describe('lineView', () => {
  it('writes one line per event, naming prompts by the names prompt-start gave', () => {
    const out = new PassThrough();
    let text = '';
    out.on('data', (chunk: Buffer) => {
      text += chunk.toString();
    });
    const view = lineView(out);
    view.show(promptStart(3, 1, 'Outline'));
    view.show(event('prompt-complete', { promptId: 3, outputTokens: 5, duration: 40, cached: true }));
    expect(text.split('\n').slice(-2)[0]).toMatch(/^#\d+ 2026-12-01T10:00:00\.000Z prompt-complete "Outline": 5 tokens in 40 ms \(cached\)$/);
  });
});
