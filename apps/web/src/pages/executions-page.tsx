import { EVENT_TYPES, EXECUTION_SORTS, EXECUTION_STATUSES, type ExecutionSort } from '@aae/events';
import { useState, type FormEvent } from 'react';
import { Link, useSearchParams } from 'react-router';
import { ErrorMessage } from '../components/error-message.tsx';
import { ExportLinks } from '../components/export-links.tsx';
import { formatDuration, formatNumber } from '../components/format.ts';
import { StatusBadge } from '../components/status-badge.tsx';
import { LiveProgress } from '../execution/live-progress.tsx';
import { useMe } from '../identity/use-me.ts';
import { trpc } from '../trpc.ts';

const STATUSES = EXECUTION_STATUSES;
const FILTER_KEYS = ['assistantName', 'userName', 'status', 'from', 'to', 'eventType'] as const;

/** Filters and sort live in the URL, so a filtered history can be linked to and reloaded. */
function readFilters(params: URLSearchParams) {
  const status = STATUSES.find((value) => value === params.get('status'));
  const eventType = EVENT_TYPES.find((value) => value === params.get('eventType'));
  const date = (name: string, endOfDay = false) => {
    const value = params.get(name);
    if (!value || !/^\d{4}-\d{2}-\d{2}$/.test(value)) return undefined;
    const day = new Date(`${value}T00:00:00`);
    return endOfDay ? new Date(day.getTime() + 86_400_000) : day;
  };
  const sort = EXECUTION_SORTS.find((value) => value === params.get('sort')) ?? 'createdAt';
  return {
    assistantName: params.get('assistantName') || undefined,
    userName: params.get('userName') || undefined,
    status,
    eventType,
    from: date('from'),
    to: date('to', true),
    sort,
    order: params.get('order') === 'asc' ? ('asc' as const) : ('desc' as const),
  };
}

export function ExecutionsPage() {
  const me = useMe();
  const admin = me.data?.role === 'admin';
  const [params, setParams] = useSearchParams();
  const filters = readFilters(params);
  const executions = trpc.executions.list.useInfiniteQuery(
    { limit: 25, ...filters },
    { getNextPageParam: (page) => page.nextCursor ?? undefined, refetchInterval: 5_000 },
  );
  const rows = executions.data?.pages.flatMap((page) => page.items) ?? [];

  const sortBy = (sort: ExecutionSort) => {
    const next = new URLSearchParams(params);
    const order = filters.sort === sort && filters.order === 'desc' ? 'asc' : 'desc';
    next.set('sort', sort);
    next.set('order', order);
    setParams(next);
  };
  const sortHeader = (sort: ExecutionSort, label: string) => (
    <th scope="col" aria-sort={filters.sort === sort ? (filters.order === 'asc' ? 'ascending' : 'descending') : 'none'}>
      <button type="button" className="sort-button" onClick={() => sortBy(sort)}>
        {label}
        <span aria-hidden="true">{filters.sort === sort ? (filters.order === 'asc' ? ' ▲' : ' ▼') : ' ↕'}</span>
      </button>
    </th>
  );
  const exportQuery = new URLSearchParams(
    Object.entries({ ...Object.fromEntries(FILTER_KEYS.map((key) => [key, params.get(key) ?? ''])), sort: filters.sort, order: filters.order })
      .filter(([, value]) => value)
      .map(([key, value]) => [
        key,
        key === 'to' && filters.to ? filters.to.toISOString() : key === 'from' && filters.from ? filters.from.toISOString() : value,
      ]),
  ).toString();

  return (
    <section className="panel" aria-labelledby="executions-heading">
      <h1 id="executions-heading">{admin ? 'History' : 'Your executions'}</h1>
      <p className="muted">{admin ? 'Every user’s executions. Filter, sort, open one to see its events.' : 'Your executions, newest first.'}</p>
      <Filters admin={admin} params={params} onApply={(next) => setParams(next)} />
      <div className="toolbar">
        <ExportLinks base={`/api/executions?${exportQuery}`} label="Download executions" />
        <ExportLinks base={`/api/events?${exportQuery}`} label="Download their events" />
      </div>
      {executions.error ? <ErrorMessage error={executions.error} /> : null}
      {executions.error ? null : executions.isPending ? (
        <p className="muted" role="status">
          Loading…
        </p>
      ) : rows.length === 0 ? (
        <p className="empty-state">
          {FILTER_KEYS.some((key) => params.get(key)) ? (
            'No execution matches these filters.'
          ) : (
            <>
              No executions yet. <Link to="/assistant-architect">Run an assistant</Link>.
            </>
          )}
        </p>
      ) : (
        <div className="table-scroll">
          <table className="executions-table">
            <thead>
              <tr>
                <th scope="col">#</th>
                <th scope="col">Assistant</th>
                {admin ? <th scope="col">User</th> : null}
                <th scope="col">Status</th>
                {sortHeader('createdAt', 'Started')}
                {sortHeader('duration', 'Duration')}
                {sortHeader('tokens', 'Tokens')}
              </tr>
            </thead>
            <tbody>
              {rows.map((row) => (
                <tr key={row.id}>
                  <td>
                    <Link to={`/executions/${row.id}`}>#{row.id}</Link>
                  </td>
                  <td className="wrap">{row.assistantName}</td>
                  {admin ? <td className="wrap">{row.userName}</td> : null}
                  <td className="wrap">
                    <StatusBadge status={row.status} />
                    {row.status === 'running' || row.status === 'pending' ? (
                      <>
                        {' '}
                        <LiveProgress executionId={row.id} />
                      </>
                    ) : null}
                  </td>
                  <td>{(row.startedAt ?? row.createdAt).toLocaleString()}</td>
                  <td>{row.startedAt && row.finishedAt ? formatDuration(row.finishedAt.getTime() - row.startedAt.getTime()) : '—'}</td>
                  <td>{formatNumber(row.totalTokens)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {executions.hasNextPage ? (
        <button type="button" onClick={() => void executions.fetchNextPage()} disabled={executions.isFetchingNextPage}>
          {executions.isFetchingNextPage ? 'Loading…' : 'Load more'}
        </button>
      ) : null}
    </section>
  );
}

function Filters({ admin, params, onApply }: { admin: boolean; params: URLSearchParams; onApply: (next: URLSearchParams) => void }) {
  const [draft, setDraft] = useState(
    () => Object.fromEntries(FILTER_KEYS.map((key) => [key, params.get(key) ?? ''])) as Record<(typeof FILTER_KEYS)[number], string>,
  );
  const field = (key: (typeof FILTER_KEYS)[number]) => ({
    id: `filter-${key}`,
    name: key,
    value: draft[key],
    onChange: (event: { target: { value: string } }) => setDraft((current) => ({ ...current, [key]: event.target.value })),
  });
  const apply = (event: FormEvent) => {
    event.preventDefault();
    const next = new URLSearchParams(params);
    for (const key of FILTER_KEYS) {
      if (draft[key]) next.set(key, draft[key]);
      else next.delete(key);
    }
    onApply(next);
  };
  const clear = () => {
    setDraft(Object.fromEntries(FILTER_KEYS.map((key) => [key, ''])) as typeof draft);
    const next = new URLSearchParams(params);
    for (const key of FILTER_KEYS) next.delete(key);
    onApply(next);
  };
  return (
    <form className="filters" onSubmit={apply} aria-label="Filters">
      <div className="field">
        <label htmlFor="filter-assistantName">Assistant</label>
        <input type="search" placeholder="name contains…" {...field('assistantName')} />
      </div>
      {admin ? (
        <div className="field">
          <label htmlFor="filter-userName">User</label>
          <input type="text" placeholder="exact name" {...field('userName')} />
        </div>
      ) : null}
      <div className="field">
        <label htmlFor="filter-status">Status</label>
        <select {...field('status')}>
          <option value="">any</option>
          {STATUSES.map((status) => (
            <option key={status} value={status}>
              {status}
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor="filter-eventType">Has event</label>
        <select {...field('eventType')}>
          <option value="">any</option>
          {EVENT_TYPES.map((type) => (
            <option key={type} value={type}>
              {type}
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor="filter-from">From</label>
        <input type="date" {...field('from')} />
      </div>
      <div className="field">
        <label htmlFor="filter-to">To</label>
        <input type="date" {...field('to')} />
      </div>
      <div className="filter-actions">
        <button type="submit" className="primary">
          Apply
        </button>
        <button type="button" onClick={clear}>
          Clear
        </button>
      </div>
    </form>
  );
}
