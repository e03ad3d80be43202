import { formatEventId, type StoredEvent } from '@aae/events';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createOutputBatcher } from './output-batcher.ts';
import type { OutputBatch } from './output-notifications.ts';

const event = (executionId: number, sequence: number, eventType: 'prompt-complete' | 'execution-complete' | 'progress', promptId = 0) =>
  ({ executionId, sequence, eventType, eventData: { eventId: formatEventId(executionId, sequence), promptId } }) as unknown as StoredEvent;

describe('the output batcher', () => {
  let sent: OutputBatch[];
  beforeEach(() => {
    vi.useFakeTimers();
    sent = [];
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('hands on the many deltas of one window as one batch per execution, each prompt’s text in order', () => {
    const batcher = createOutputBatcher({ flushMs: 75, send: (batch) => sent.push(batch) });
    for (let index = 0; index < 100; index++) {
      batcher.add({ executionId: 1, promptId: 10, text: `${index} ` });
      // A prompt running beside it, in the same execution
      if (index % 10 === 0) batcher.add({ executionId: 1, promptId: 11, text: `[${index}]` });
      if (index % 25 === 0) batcher.add({ executionId: 2, promptId: 20, text: 'elsewhere ' });
    }
    vi.advanceTimersByTime(74);
    expect(sent).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(sent).toEqual([
      {
        executionId: 1,
        pieces: [
          { promptId: 10, offset: 0, text: Array.from({ length: 100 }, (_, index) => `${index} `).join('') },
          { promptId: 11, offset: 0, text: Array.from({ length: 10 }, (_, index) => `[${index * 10}]`).join('') },
        ],
        promptsEnded: [],
        executionEnded: false,
      },
      { executionId: 2, pieces: [{ promptId: 20, offset: 0, text: 'elsewhere '.repeat(4) }], promptsEnded: [], executionEnded: false },
    ]);
    // Nothing pending, nothing sent; the next delta opens the next window.
    vi.advanceTimersByTime(1_000);
    expect(sent).toHaveLength(2);
    batcher.add({ executionId: 1, promptId: 10, text: 'more' });
    vi.advanceTimersByTime(75);
    // It goes on where the prompt's text so far ends.
    const before = sent[0]!.pieces[0]!.text.length;
    expect(sent.slice(2)).toEqual([{ executionId: 1, pieces: [{ promptId: 10, offset: before, text: 'more' }], promptsEnded: [], executionEnded: false }]);
  });

  it('hands on a prompt’s last words with its completion at once, and the end of every execution', () => {
    const batcher = createOutputBatcher({ flushMs: 75, send: (batch) => sent.push(batch) });
    batcher.add({ executionId: 1, promptId: 10, text: 'last words' });
    batcher.add({ executionId: 3, promptId: 30, text: 'still going' });
    batcher.settle([event(1, 5, 'progress'), event(1, 6, 'prompt-complete', 10), event(4, 9, 'execution-complete')]);
    expect(sent).toEqual([
      { executionId: 1, pieces: [{ promptId: 10, offset: 0, text: 'last words' }], promptsEnded: [10], executionEnded: false },
      // Another process's orphan closed here: the others forget what they kept of it.
      { executionId: 4, pieces: [], promptsEnded: [], executionEnded: true },
    ]);
    // A prompt that wrote nothing here is nobody's to forget.
    batcher.settle([event(1, 7, 'prompt-complete', 11)]);
    expect(sent).toHaveLength(2);
    vi.advanceTimersByTime(75);
    expect(sent.slice(2)).toEqual([{ executionId: 3, pieces: [{ promptId: 30, offset: 0, text: 'still going' }], promptsEnded: [], executionEnded: false }]);
  });

  it('hands on what is pending when closed, and nothing after', () => {
    const batcher = createOutputBatcher({ flushMs: 75, send: (batch) => sent.push(batch) });
    batcher.add({ executionId: 1, promptId: 10, text: 'before' });
    batcher.close();
    batcher.add({ executionId: 1, promptId: 10, text: 'after' });
    vi.advanceTimersByTime(1_000);
    expect(sent).toEqual([{ executionId: 1, pieces: [{ promptId: 10, offset: 0, text: 'before' }], promptsEnded: [], executionEnded: false }]);
  });
});
