import { skipToken } from '@tanstack/react-query';
import { useState } from 'react';
import { trpc } from '../trpc.ts';

/**
 * The text each prompt's model is writing, as it writes it, keyed by prompt id. Live only: what
 * was written before the page subscribed is shown once the prompt's output is stored.
 */
export function useExecutionOutput(executionId: number, live: boolean): ReadonlyMap<number, string> {
  const [text, setText] = useState<ReadonlyMap<number, string>>(new Map());
  trpc.events.onExecutionOutput.useSubscription(live ? { executionId } : skipToken, {
    onData(delta) {
      setText((current) => new Map(current).set(delta.promptId, (current.get(delta.promptId) ?? '') + delta.text));
    },
  });
  return text;
}
