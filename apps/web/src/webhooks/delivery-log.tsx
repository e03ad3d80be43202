import type { RouterOutputs } from '@aae/api';
import { useState } from 'react';
import { ColumnHeads } from '../components/column-heads.tsx';
import { ErrorMessage } from '../components/error-message.tsx';
import { formatDateTime } from '../components/format.ts';
import { TableScroll } from '../components/table-scroll.tsx';
import { trpc } from '../trpc.ts';

type Delivery = RouterOutputs['webhooks']['deliveries']['items'][number];

const COLUMNS = ['Message', 'Status', 'Response', 'Latency', 'Attempts', 'Time'] as const;
const STATUS_CLASS: Record<Delivery['status'], string> = { pending: 'status-pending', delivered: 'status-completed', failed: 'status-failed' };
const STATUS_LABEL: Record<Delivery['status'], string> = { pending: 'Pending', delivered: 'Delivered', failed: 'Failed' };

const PAGE = 25;

/** An endpoint's deliveries, newest first a page at a time, refreshed while any is pending, each with "Send again". */
export function DeliveryLog({ endpointId, url, enabled }: { endpointId: number; url: string; enabled: boolean }) {
  const utils = trpc.useUtils();
  // The pages walked back through: each one's `before` (undefined: the newest).
  const [pages, setPages] = useState<Array<string | undefined>>([undefined]);
  const before = pages.at(-1);
  const log = trpc.webhooks.deliveries.useQuery(
    { endpointId, limit: PAGE, before },
    // Nothing moves while the endpoint is disabled: no need to ask every second.
    { refetchInterval: (query) => (enabled && query.state.data?.items.some((line) => line.status === 'pending') ? 1_000 : 5_000) },
  );
  const resend = trpc.webhooks.resend.useMutation({ onSettled: () => void utils.webhooks.invalidate() });
  return (
    <section className="panel" aria-labelledby="delivery-log-heading">
      <h2 id="delivery-log-heading">
        Deliveries to <code className="webhook-url">{url}</code>
      </h2>
      {log.error ? <ErrorMessage error={log.error} title="Could not load the deliveries" /> : null}
      {log.data && log.data.items.length === 0 ? <p className="muted">Nothing sent yet.</p> : null}
      {log.data && log.data.items.length > 0 ? (
        <TableScroll label="Delivery log">
          <table className="executions-table deliveries-table">
            <ColumnHeads columns={COLUMNS} actions />
            <tbody>
              {log.data.items.map((line) => (
                <tr key={line.id} data-delivery={line.id}>
                  <td>
                    <code>{line.eventType}</code>
                    <div className="muted">
                      {line.messageId}
                      {line.resentFromId ? ` (sent again from #${line.resentFromId})` : ''}
                    </div>
                  </td>
                  <td>
                    <span className={`status ${STATUS_CLASS[line.status]}`}>{STATUS_LABEL[line.status]}</span>
                    {line.status === 'pending' && !enabled ? <div className="muted">Waiting: the endpoint is disabled</div> : null}
                    {line.status === 'pending' && enabled && line.nextAttemptAt && line.attempts > 0 ? (
                      <div className="muted">Next attempt {formatDateTime(line.nextAttemptAt, { seconds: true })}</div>
                    ) : null}
                  </td>
                  <td>
                    {line.lastStatusCode ?? '—'}
                    {line.lastError ? <div className="webhook-reason">{line.lastError}</div> : null}
                  </td>
                  <td>{line.lastLatencyMs === null ? '—' : `${line.lastLatencyMs} ms`}</td>
                  <td>{line.attempts > 1 ? <AttemptList deliveryId={line.id} attempts={line.attempts} /> : line.attempts}</td>
                  <td>{formatDateTime(line.lastAttemptAt ?? line.createdAt, { seconds: true })}</td>
                  <td>
                    <button type="button" className="small" disabled={resend.isPending} onClick={() => resend.mutate({ deliveryId: line.id })}>
                      Send again<span className="visually-hidden"> {line.messageId}</span>
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableScroll>
      ) : null}
      {pages.length > 1 || log.data?.nextBefore ? (
        <nav className="webhook-actions" aria-label="Delivery log pages">
          <button type="button" className="small" disabled={pages.length === 1} onClick={() => setPages(pages.slice(0, -1))}>
            Newer
          </button>
          <button
            type="button"
            className="small"
            disabled={!log.data?.nextBefore}
            onClick={() => log.data?.nextBefore && setPages([...pages, log.data.nextBefore])}
          >
            Older
          </button>
        </nav>
      ) : null}
      {resend.error ? <ErrorMessage error={resend.error} title="Not sent again" /> : null}
    </section>
  );
}

/** A delivery's attempts, read when a person opens the list. */
function AttemptList({ deliveryId, attempts }: { deliveryId: string; attempts: number }) {
  const [open, setOpen] = useState(false);
  const list = trpc.webhooks.attempts.useQuery({ deliveryId }, { enabled: open });
  return (
    <details onToggle={(event) => setOpen(event.currentTarget.open)}>
      <summary>
        {attempts}
        <span className="visually-hidden"> attempts: show each</span>
      </summary>
      {list.error ? <ErrorMessage error={list.error} title="Could not load the attempts" /> : null}
      <ol className="webhook-attempts">
        {(list.data ?? []).map((attempt) => (
          <li key={attempt.attempt}>
            {formatDateTime(attempt.createdAt, { seconds: true })}: {attempt.statusCode ?? attempt.error ?? 'no answer'}, {attempt.latencyMs} ms
          </li>
        ))}
      </ol>
    </details>
  );
}
