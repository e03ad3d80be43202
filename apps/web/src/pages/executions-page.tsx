import { Link } from 'react-router';
import { ErrorMessage } from '../components/error-message.tsx';
import { formatDuration, formatNumber } from '../components/format.ts';
import { StatusBadge } from '../components/status-badge.tsx';
import { trpc } from '../trpc.ts';

export function ExecutionsPage() {
  const me = trpc.users.me.useQuery();
  const executions = trpc.executions.list.useInfiniteQuery(
    { limit: 20 },
    { getNextPageParam: (page) => page.nextCursor ?? undefined, refetchInterval: 5_000 },
  );
  const rows = executions.data?.pages.flatMap((page) => page.items) ?? [];

  return (
    <section className="panel" aria-labelledby="executions-heading">
      <h1 id="executions-heading">Executions</h1>
      <p className="muted">{me.data?.role === 'admin' ? 'Every user’s executions, newest first.' : 'Your executions, newest first.'}</p>
      {executions.error ? <ErrorMessage error={executions.error} /> : null}
      {executions.isPending ? (
        <p className="muted" role="status">
          Loading…
        </p>
      ) : rows.length === 0 ? (
        <p className="empty-state">
          No executions yet. <Link to="/assistant-architect">Run an assistant</Link>.
        </p>
      ) : (
        <div className="table-scroll">
          <table className="executions-table">
            <thead>
              <tr>
                <th scope="col">#</th>
                <th scope="col">Assistant</th>
                <th scope="col">User</th>
                <th scope="col">Status</th>
                <th scope="col">Started</th>
                <th scope="col">Duration</th>
                <th scope="col">Tokens</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((row) => (
                <tr key={row.id}>
                  <td>
                    <Link to={`/executions/${row.id}`}>#{row.id}</Link>
                  </td>
                  <td>{row.assistantName}</td>
                  <td>{row.userName}</td>
                  <td>
                    <StatusBadge status={row.status} />
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
