import { skipToken } from '@tanstack/react-query';
import { useState } from 'react';
import { trpc } from '../trpc.ts';

/**
 * The text each prompt's model is writing, as it writes it, keyed by prompt id. Each
 * (re)subscription starts with the text so far, which replaces what was shown.
 */
export function useExecutionOutput(executionId: number, live: boolean): ReadonlyMap<number, string> {
  const [text, setText] = useState<ReadonlyMap<number, string>>(new Map());
  trpc.events.onExecutionOutput.useSubscription(live ? { executionId } : skipToken, {
    onData(delta) {
      setText((current) => new Map(current).set(delta.promptId, (delta.replace ? '' : (current.get(delta.promptId) ?? '')) + delta.text));
    },
  });
  return text;
}
