import { EVENT_TYPES, type EventType, type StoredEvent } from '@aae/events';
import { useState } from 'react';
import { Link } from 'react-router';
import { ErrorMessage } from '../components/error-message.tsx';
import { formatTime } from '../components/format.ts';
import { trpc } from '../trpc.ts';

interface FeedItem {
  event: StoredEvent;
  assistantName: string;
  userName: string;
}
const MAX_ROWS = 300;

function summarise(item: FeedItem): string {
  const { event } = item;
  switch (event.eventType) {
    case 'execution-start':
      return `${event.eventData.totalPrompts} prompts`;
    case 'execution-complete':
      return `${event.eventData.totalTokens} tokens in ${event.eventData.duration} ms`;
    case 'execution-error':
      return event.eventData.error;
    case 'prompt-start':
      return `${event.eventData.promptName} (${event.eventData.position}/${event.eventData.totalPrompts}) on ${event.eventData.modelId}`;
    case 'prompt-complete':
      return `${event.eventData.outputTokens} tokens in ${event.eventData.duration} ms${event.eventData.cached ? ', cached' : ''}`;
    case 'knowledge-retrieval-start':
      return `${event.eventData.searchType} search in ${event.eventData.repositories.length} repositories`;
    case 'knowledge-retrieved':
      return `${event.eventData.documentsFound} documents, relevance ${event.eventData.relevanceScore.toFixed(2)}`;
    case 'variable-substitution':
      return Object.keys(event.eventData.variables).join(', ');
    case 'tool-execution-start':
      return event.eventData.toolName;
    case 'tool-execution-complete':
      return `${event.eventData.toolName} ${event.eventData.success ? 'succeeded' : `failed: ${event.eventData.error ?? ''}`}`;
    case 'progress':
      return `${event.eventData.message} (${event.eventData.percentage}%)`;
    default:
      return '';
  }
}

/** New events of every execution as they happen, on one connection. */
export function LiveFeedPage() {
  const [types, setTypes] = useState<EventType[]>([]);
  const [assistantName, setAssistantName] = useState('');
  const [applied, setApplied] = useState<{ types: EventType[]; assistantName: string }>({ types: [], assistantName: '' });
  const [paused, setPaused] = useState(false);
  const [items, setItems] = useState<FeedItem[]>([]);
  const feed = trpc.events.onAnyEvent.useSubscription(
    { types: applied.types.length > 0 ? applied.types : undefined, assistantName: applied.assistantName || undefined, backlog: 30 },
    {
      onData: ({ data }) => {
        if (!paused) setItems((current) => [data, ...current].slice(0, MAX_ROWS));
      },
    },
  );

  return (
    <section className="panel" aria-labelledby="feed-heading">
      <div className="execution-title">
        <h1 id="feed-heading">Live feed</h1>
        <span className={`connection connection-${feed.status === 'pending' ? 'live' : feed.status === 'error' ? 'error' : 'connecting'}`} role="status">
          {feed.status === 'pending' ? (paused ? 'Paused' : 'Live') : feed.status === 'error' ? 'Disconnected' : 'Connecting…'}
        </span>
      </div>
      <form
        className="filters"
        aria-label="Feed filters"
        onSubmit={(event) => {
          event.preventDefault();
          setItems([]);
          setApplied({ types, assistantName });
        }}
      >
        <fieldset className="type-filter">
          <legend>Event types (none = all)</legend>
          {EVENT_TYPES.map((type) => (
            <label key={type}>
              <input
                type="checkbox"
                checked={types.includes(type)}
                onChange={(event) => setTypes((current) => (event.target.checked ? [...current, type] : current.filter((t) => t !== type)))}
              />{' '}
              {type}
            </label>
          ))}
        </fieldset>
        <div className="field">
          <label htmlFor="feed-assistant">Assistant</label>
          <input
            id="feed-assistant"
            type="search"
            value={assistantName}
            onChange={(event) => setAssistantName(event.target.value)}
            placeholder="name contains…"
          />
        </div>
        <div className="filter-actions">
          <button type="submit" className="primary">
            Apply
          </button>
          <button type="button" onClick={() => setPaused((value) => !value)} aria-pressed={paused}>
            {paused ? 'Resume' : 'Pause'}
          </button>
        </div>
      </form>
      {feed.status === 'error' && feed.error ? <ErrorMessage error={feed.error} title="The feed stopped" /> : null}
      {feed.status === 'connecting' && feed.error ? (
        <p className="muted" role="status">
          {feed.error.message}
        </p>
      ) : null}
      {items.length === 0 ? (
        <p className="empty-state muted">Waiting for events…</p>
      ) : (
        <div className="table-scroll">
          <table className="executions-table feed-table">
            <thead>
              <tr>
                <th scope="col">Time</th>
                <th scope="col">Event</th>
                <th scope="col">Execution</th>
                <th scope="col">Assistant</th>
                <th scope="col">User</th>
                <th scope="col">Details</th>
              </tr>
            </thead>
            <tbody>
              {items.map((item) => (
                <tr key={item.event.id} data-event-type={item.event.eventType}>
                  <td>{formatTime(item.event.eventData.timestamp)}</td>
                  <td>
                    <code className={`event-type event-${item.event.eventType}`}>{item.event.eventType}</code>
                  </td>
                  <td>
                    <Link to={`/executions/${item.event.executionId}`}>#{item.event.executionId}</Link>
                  </td>
                  <td>{item.assistantName}</td>
                  <td>{item.userName}</td>
                  <td className="feed-details">{summarise(item)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
