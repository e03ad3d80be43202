import type { StoredEvent } from '@aae/events';
import { formatTime } from './format.ts';

/** The raw events as stored, in order. */
export function EventLog({ events }: { events: readonly StoredEvent[] }) {
  return (
    <details className="panel event-log">
      <summary>
        Event log <span className="muted">({events.length} events)</span>
      </summary>
      <ol>
        {events.map((event) => (
          <li key={event.sequence}>
            <span className="muted">#{event.sequence}</span> <time dateTime={event.eventData.timestamp}>{formatTime(event.eventData.timestamp)}</time>{' '}
            <code className={`event-type event-${event.eventType}`}>{event.eventType}</code>
            <details>
              <summary>payload</summary>
              <pre>{JSON.stringify(event.eventData, null, 2)}</pre>
            </details>
          </li>
        ))}
      </ol>
    </details>
  );
}
