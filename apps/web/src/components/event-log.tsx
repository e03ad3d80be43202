import type { StoredEvent } from '@aae/events';
import { allExpanded, defaultStyles, JsonView } from 'react-json-view-lite';
import 'react-json-view-lite/dist/index.css';
import { formatTime } from './format.ts';

/** The raw events as stored, in order, each payload in a JSON viewer. */
export function EventLog({ events }: { events: readonly StoredEvent[] }) {
  if (events.length === 0) return <p className="muted">No events yet.</p>;
  return (
    <ol className="event-log">
      {events.map((event) => (
        <li key={event.sequence}>
          <details>
            <summary>
              <span className="muted">#{event.sequence}</span> <time dateTime={event.eventData.timestamp}>{formatTime(event.eventData.timestamp)}</time>{' '}
              <code className={`event-type event-${event.eventType}`}>{event.eventType}</code>
            </summary>
            <div className="json">
              <JsonView data={event.eventData} shouldExpandNode={allExpanded} style={defaultStyles} />
            </div>
          </details>
        </li>
      ))}
    </ol>
  );
}
