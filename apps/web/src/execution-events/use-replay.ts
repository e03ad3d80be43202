import type { StoredEvent } from '@aae/events';
import { useMemo, useState } from 'react';
import { type ExecutionView, foldExecutionEvents, type PlannedPrompt } from './fold.ts';

export interface ReplayState {
  /** How many events are shown; null follows the live stream. */
  position: number | null;
  playing: boolean;
}

/**
 * Where replay stands, and what it shows: the first `position` events and the view they fold into
 * (the same fold as the live view); the live events and view while it follows the stream.
 */
export function useReplay(plan: readonly PlannedPrompt[], live: { events: StoredEvent[]; view: ExecutionView }) {
  const [state, setState] = useState<ReplayState>({ position: null, playing: false });
  const { position } = state;
  const events = useMemo(() => (position === null ? live.events : live.events.slice(0, position)), [live.events, position]);
  const view = useMemo(() => (position === null ? live.view : foldExecutionEvents(plan, events)), [position, live.view, plan, events]);
  const first = live.events[0];
  const last = events.at(-1);
  /** How far into the execution the shown events reach, for the timeline's cursor. */
  const cursorMs = position !== null && first && last ? Date.parse(last.eventData.timestamp) - Date.parse(first.eventData.timestamp) : undefined;
  return { state, setState, events, view, cursorMs };
}

export type Replay = ReturnType<typeof useReplay>;
