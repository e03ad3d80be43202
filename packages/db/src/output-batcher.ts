import { isTerminalEvent, type StoredEvent } from '@aae/events';
import type { OutputDelta } from './event-bus.ts';
import type { OutputBatch } from './output-notifications.ts';

export interface OutputBatcherOptions {
  /** How long deltas are collected before they are handed on. */
  flushMs: number;
  send(batch: OutputBatch): void;
}

export interface OutputBatcher {
  add(delta: OutputDelta): void;
  /**
   * Hands on at once the text pending for executions whose prompts completed or which ended in
   * `events`, with those ends: other processes get a prompt's last words before its completion.
   */
  settle(events: readonly StoredEvent[]): void;
  /** Hands on everything pending; later deltas are dropped. */
  close(): void;
}

/**
 * Collects the live text of each execution and hands it on once per `flushMs` at most (a model
 * writes a few characters at a time: one NOTIFY each would flood the database): consecutive
 * pieces of a prompt are joined, prompts keep the order in which they first wrote.
 */
export function createOutputBatcher(options: OutputBatcherOptions): OutputBatcher {
  const pending = new Map<number, Map<number, { offset: number; text: string }>>();
  /**
   * How much each prompt wrote here, per execution, until other processes are told it completed:
   * where its next piece starts, so a reader can tell a whole text from one with a gap.
   */
  const written = new Map<number, Map<number, number>>();
  let timer: ReturnType<typeof setTimeout> | null = null;
  let closed = false;

  const take = (executionId: number): OutputBatch['pieces'] => {
    const prompts = pending.get(executionId);
    pending.delete(executionId);
    return [...(prompts ?? [])].map(([promptId, piece]) => ({ promptId, ...piece }));
  };

  function flush() {
    if (timer) clearTimeout(timer);
    timer = null;
    for (const executionId of [...pending.keys()]) {
      options.send({ executionId, pieces: take(executionId), promptsEnded: [], executionEnded: false });
    }
  }

  return {
    add(delta) {
      if (closed || delta.text === '') return;
      let prompts = pending.get(delta.executionId);
      if (!prompts) {
        prompts = new Map();
        pending.set(delta.executionId, prompts);
      }
      let lengths = written.get(delta.executionId);
      if (!lengths) {
        lengths = new Map();
        written.set(delta.executionId, lengths);
      }
      const offset = lengths.get(delta.promptId) ?? 0;
      lengths.set(delta.promptId, offset + delta.text.length);
      const piece = prompts.get(delta.promptId);
      if (piece) piece.text += delta.text;
      else prompts.set(delta.promptId, { offset, text: delta.text });
      if (!timer) timer = setTimeout(flush, options.flushMs).unref();
    },
    settle(events) {
      const ends = new Map<number, { promptsEnded: number[]; executionEnded: boolean }>();
      const endsOf = (executionId: number) => {
        let end = ends.get(executionId);
        if (!end) {
          end = { promptsEnded: [], executionEnded: false };
          ends.set(executionId, end);
        }
        return end;
      };
      for (const event of events) {
        // Sent for every execution that ends, output or not: the process that closes another's
        // orphaned execution has seen none of its text, yet the others must forget it.
        if (isTerminalEvent(event)) {
          endsOf(event.executionId).executionEnded = true;
          written.delete(event.executionId);
        } else if (event.eventType === 'prompt-complete' && written.get(event.executionId)?.delete(event.eventData.promptId)) {
          endsOf(event.executionId).promptsEnded.push(event.eventData.promptId);
        }
      }
      if (closed) return;
      for (const [executionId, end] of ends) options.send({ executionId, pieces: take(executionId), ...end });
    },
    close() {
      flush();
      closed = true;
    },
  };
}
