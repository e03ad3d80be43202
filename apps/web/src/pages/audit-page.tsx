import type { RouterOutputs } from '@aae/api';
import { useSearchParams } from 'react-router';
import { AUDIT_ACTION_LABELS, AUDIT_ACTIONS, describeDetails, isAuditAction } from '../audit/audit-actions.ts';
import { ColumnHeads } from '../components/column-heads.tsx';
import { ErrorMessage } from '../components/error-message.tsx';
import { formatDateTime } from '../components/format.ts';
import { TableScroll } from '../components/table-scroll.tsx';
import { trpc } from '../trpc.ts';

type Entry = RouterOutputs['audit']['list']['items'][number];
const PAGE_SIZE = 25;

/** Sign-ins, account and token changes, newest first (admins); the filters live in the URL. */
export function AuditPage() {
  const [params, setParams] = useSearchParams();
  const action = params.get('action');
  const userId = Number(params.get('userId')) || undefined;
  const log = trpc.audit.list.useInfiniteQuery(
    { limit: PAGE_SIZE, action: isAuditAction(action) ? action : undefined, userId },
    { getNextPageParam: (page) => page.nextCursor ?? undefined },
  );
  const entries = log.data?.pages.flatMap((page) => page.items) ?? [];
  const filter = (name: string, value: string) => {
    const next = new URLSearchParams(params);
    if (value) next.set(name, value);
    else next.delete(name);
    setParams(next, { replace: true });
  };

  return (
    <section className="panel" aria-labelledby="audit-heading">
      <h1 id="audit-heading">Audit log</h1>
      <p className="muted">Who signed in (or failed to), and every change to accounts and tokens, newest first.</p>
      <AuditFilters action={isAuditAction(action) ? action : ''} userId={userId} onChange={filter} />
      {log.error ? <ErrorMessage error={log.error} title="Could not load the audit log" /> : null}
      {log.isPending ? (
        <p className="muted" role="status">
          Loading…
        </p>
      ) : entries.length === 0 && !log.error ? (
        <p className="empty-state muted">No entry matches.</p>
      ) : (
        <AuditTable entries={entries} />
      )}
      {log.hasNextPage ? (
        <button type="button" onClick={() => void log.fetchNextPage()} disabled={log.isFetchingNextPage}>
          {log.isFetchingNextPage ? 'Loading…' : 'Load more'}
        </button>
      ) : null}
    </section>
  );
}

function AuditFilters(props: { action: string; userId: number | undefined; onChange(name: string, value: string): void }) {
  const people = trpc.users.list.useQuery();
  return (
    <form className="filters" aria-label="Audit log filters" onSubmit={(event) => event.preventDefault()}>
      <div className="field">
        <label htmlFor="audit-action">Action</label>
        <select id="audit-action" value={props.action} onChange={(event) => props.onChange('action', event.target.value)}>
          <option value="">all actions</option>
          {AUDIT_ACTIONS.map((action) => (
            <option key={action} value={action}>
              {AUDIT_ACTION_LABELS[action]}
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor="audit-person">Person</label>
        <select id="audit-person" value={props.userId ?? ''} onChange={(event) => props.onChange('userId', event.target.value)}>
          <option value="">everyone</option>
          {(people.data ?? []).map((person) => (
            <option key={person.id} value={person.id}>
              {person.name} ({person.email})
            </option>
          ))}
        </select>
      </div>
    </form>
  );
}

function AuditTable({ entries }: { entries: Entry[] }) {
  return (
    <TableScroll label="Audit log entries">
      <table className="executions-table audit-table">
        <ColumnHeads columns={['Time', 'Action', 'Who', 'Subject', 'Address', 'Details']} />
        <tbody>
          {entries.map((entry) => (
            <tr key={entry.id} data-action={entry.action}>
              <td>{formatDateTime(entry.createdAt, { seconds: true })}</td>
              <td>
                <span className={`audit-action audit-${entry.action}`}>{isAuditAction(entry.action) ? AUDIT_ACTION_LABELS[entry.action] : entry.action}</span>
              </td>
              <td>{entry.actor ? `${entry.actor.name} (${entry.actor.email})` : '—'}</td>
              <td>{entry.subject ?? '—'}</td>
              <td className="wrap">
                {entry.ipAddress ?? '—'}
                {entry.userAgent ? <small className="muted user-agent">{entry.userAgent}</small> : null}
              </td>
              <td className="wrap">
                {describeDetails(entry.details).map((line) => (
                  <span key={line} className="detail">
                    {line}
                  </span>
                ))}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableScroll>
  );
}
