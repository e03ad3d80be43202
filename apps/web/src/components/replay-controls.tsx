import type { StoredEvent } from '@aae/events';
import { useEffect } from 'react';
import type { ReplayState } from '../execution-events/use-replay.ts';
import { formatTime } from './format.ts';

/**
 * Scrub or play through an execution's events; the view above shows the execution as it was after
 * the chosen event. Play keeps the events' own rhythm, with long pauses shortened.
 */
export function ReplayControls({ events, state, onChange }: { events: readonly StoredEvent[]; state: ReplayState; onChange: (state: ReplayState) => void }) {
  const position = state.position ?? events.length;
  useEffect(() => {
    if (!state.playing) return;
    if (position >= events.length) {
      onChange({ position: null, playing: false });
      return;
    }
    const current = events[position - 1];
    const next = events[position];
    const gap = current && next ? Date.parse(next.eventData.timestamp) - Date.parse(current.eventData.timestamp) : 0;
    const timer = setTimeout(() => onChange({ position: position + 1, playing: true }), Math.min(600, Math.max(80, gap)));
    return () => clearTimeout(timer);
  }, [state.playing, position, events, onChange]);

  const shown = events[position - 1];
  return (
    // biome-ignore lint/a11y/useSemanticElements: an inline group of controls, not a form's fieldset
    <div className="replay" role="group" aria-label="Replay">
      <button
        type="button"
        onClick={() => onChange({ position: state.playing ? position : position >= events.length ? 0 : position, playing: !state.playing })}
        disabled={events.length === 0}
      >
        {state.playing ? 'Pause' : 'Play'}
      </button>
      <button
        type="button"
        onClick={() => onChange({ position: Math.max(0, position - 1), playing: false })}
        disabled={position === 0}
        aria-label="Previous event"
      >
        ‹
      </button>
      <label className="replay-slider">
        <span className="visually-hidden">Events shown</span>
        <input
          type="range"
          min={0}
          max={events.length}
          value={position}
          onChange={(event) => onChange({ position: Number(event.target.value), playing: false })}
        />
      </label>
      <button
        type="button"
        onClick={() => onChange({ position: Math.min(events.length, position + 1), playing: false })}
        disabled={position >= events.length}
        aria-label="Next event"
      >
        ›
      </button>
      <span className="replay-status" aria-live="polite">
        {state.position === null
          ? `Live · ${events.length} events`
          : `Event ${position} of ${events.length}${shown ? ` · ${shown.eventType} at ${formatTime(shown.eventData.timestamp)}` : ''}`}
      </span>
      {state.position !== null ? (
        <button type="button" onClick={() => onChange({ position: null, playing: false })}>
          Show latest
        </button>
      ) : null}
    </div>
  );
}
