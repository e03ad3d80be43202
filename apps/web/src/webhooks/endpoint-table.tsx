import type { RouterOutputs } from '@aae/api';
import { ColumnHeads } from '../components/column-heads.tsx';
import { ConfirmAction } from '../components/confirm-action.tsx';
import { ErrorMessage } from '../components/error-message.tsx';
import { formatDateTime } from '../components/format.ts';
import { TableScroll } from '../components/table-scroll.tsx';
import { trpc } from '../trpc.ts';

export type WebhookEndpoint = RouterOutputs['webhooks']['list'][number];

const COLUMNS = ['Endpoint', 'Sends', 'Status', 'Deliveries'] as const;

const sends = (endpoint: WebhookEndpoint) =>
  `${endpoint.eventTypes.length === 0 ? 'Every event type' : endpoint.eventTypes.join(', ')} · ${endpoint.assistantName ?? 'every assistant'}`;

/** The endpoints: what each receives, whether it is enabled (or why not), its deliveries, and what an admin can do. */
export function EndpointTable(props: {
  endpoints: WebhookEndpoint[];
  selected: number | null;
  onSelect(endpointId: number): void;
  onSecret(created: { url: string; secret: string }): void;
}) {
  const utils = trpc.useUtils();
  const refresh = () => void utils.webhooks.invalidate();
  const update = trpc.webhooks.update.useMutation({ onSettled: refresh });
  const remove = trpc.webhooks.delete.useMutation({ onSettled: refresh });
  const sendTest = trpc.webhooks.sendTest.useMutation({ onSettled: refresh });
  const rotate = trpc.webhooks.rotateSecret.useMutation();
  if (props.endpoints.length === 0) return <p className="muted">No endpoint yet: nothing is sent.</p>;
  const error = update.error ?? remove.error ?? sendTest.error ?? rotate.error;
  return (
    <>
      <TableScroll label="Webhook endpoints">
        <table className="executions-table webhooks-table">
          <ColumnHeads columns={COLUMNS} actions />
          <tbody>
            {props.endpoints.map((endpoint) => (
              <tr key={endpoint.id} data-endpoint={endpoint.id}>
                <td>
                  <code className="webhook-url">{endpoint.url}</code>
                  {endpoint.description ? <div className="muted">{endpoint.description}</div> : null}
                </td>
                <td>{sends(endpoint)}</td>
                <td>
                  {endpoint.enabled ? (
                    <span className="status status-completed">Enabled</span>
                  ) : (
                    <>
                      <span className="status status-failed">Disabled</span>
                      <div className="webhook-reason">{endpoint.disabledReason}</div>
                    </>
                  )}
                  {endpoint.consecutiveFailures > 0 ? <div className="muted">{endpoint.consecutiveFailures} failed attempt(s) in a row</div> : null}
                </td>
                <td>
                  {endpoint.deliveries.delivered} delivered, {endpoint.deliveries.pending} pending, {endpoint.deliveries.failed} failed
                  {endpoint.lastDelivery?.at ? <div className="muted">Last: {formatDateTime(endpoint.lastDelivery.at)}</div> : null}
                </td>
                <td>
                  <div className="webhook-actions">
                    <button type="button" className="small" aria-pressed={props.selected === endpoint.id} onClick={() => props.onSelect(endpoint.id)}>
                      Deliveries<span className="visually-hidden"> of {endpoint.url}</span>
                    </button>
                    <button type="button" className="small" disabled={sendTest.isPending} onClick={() => sendTest.mutate({ endpointId: endpoint.id })}>
                      Send test event<span className="visually-hidden"> to {endpoint.url}</span>
                    </button>
                    <button
                      type="button"
                      className="small"
                      disabled={update.isPending}
                      onClick={() => update.mutate({ endpointId: endpoint.id, enabled: !endpoint.enabled })}
                    >
                      {endpoint.enabled ? 'Disable' : 'Re-enable'}
                      <span className="visually-hidden"> {endpoint.url}</span>
                    </button>
                    <ConfirmAction
                      label="Rotate secret"
                      subject={`of ${endpoint.url}`}
                      question="Rotate? The receiver must switch to the new secret: messages signed with the old one stop at once."
                      confirmLabel="Rotate secret"
                      busy={rotate.isPending}
                      onConfirm={() => rotate.mutate({ endpointId: endpoint.id }, { onSuccess: ({ secret }) => props.onSecret({ url: endpoint.url, secret }) })}
                    />
                    <ConfirmAction
                      label="Delete"
                      subject={endpoint.url}
                      question="Delete this endpoint and its delivery log? Nothing more is sent to it."
                      confirmLabel="Delete endpoint"
                      busy={remove.isPending && remove.variables?.endpointId === endpoint.id}
                      onConfirm={() => remove.mutate({ endpointId: endpoint.id })}
                    />
                  </div>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableScroll>
      {error ? <ErrorMessage error={error} title="That did not work" /> : null}
    </>
  );
}
