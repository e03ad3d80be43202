import type { RouterOutputs } from '@aae/api';
import { ColumnHeads } from '../components/column-heads.tsx';
import { ConfirmAction } from '../components/confirm-action.tsx';
import { ErrorMessage } from '../components/error-message.tsx';
import { formatDateTime } from '../components/format.ts';
import { TableScroll } from '../components/table-scroll.tsx';
import { trpc } from '../trpc.ts';

type Token = RouterOutputs['tokens']['list'][number];

/** The person's tokens, whatever their status; active ones can be revoked. */
export function TokenTable() {
  const tokens = trpc.tokens.list.useQuery();
  if (tokens.isPending)
    return (
      <p className="muted" role="status">
        Loading tokens…
      </p>
    );
  if (tokens.error) return <ErrorMessage error={tokens.error} title="Could not load your tokens" />;
  if (tokens.data.length === 0) return <p className="empty-state muted">You have no tokens yet.</p>;
  return (
    <TableScroll label="Your tokens">
      <table className="executions-table tokens-table">
        <ColumnHeads columns={['Name', 'Token', 'Scopes', 'Created', 'Expires', 'Last used', 'Status']} actions />
        <tbody>
          {tokens.data.map((token) => (
            <TokenRow key={token.id} token={token} />
          ))}
        </tbody>
      </table>
    </TableScroll>
  );
}

function TokenRow({ token }: { token: Token }) {
  const utils = trpc.useUtils();
  const revoke = trpc.tokens.revoke.useMutation({ onSettled: () => utils.tokens.list.invalidate() });
  return (
    <>
      <tr data-token-id={token.id}>
        <td>{token.name}</td>
        <td>
          <code>{token.start ? `${token.start}…` : '—'}</code>
        </td>
        <td className="wrap">{token.scopes.join(', ')}</td>
        <td>{formatDateTime(token.createdAt)}</td>
        <td>{token.expiresAt ? formatDateTime(token.expiresAt) : 'never'}</td>
        <td>{token.lastUsedAt ? formatDateTime(token.lastUsedAt) : 'never'}</td>
        <td>
          <span className={`status status-token-${token.status}`}>{token.status}</span>
        </td>
        <td>
          {token.status === 'active' ? (
            <ConfirmAction
              label="Revoke"
              subject={token.name}
              question={`Revoke “${token.name}”? Whatever uses it is refused at once.`}
              confirmLabel="Yes, revoke"
              busy={revoke.isPending}
              onConfirm={() => revoke.mutate({ tokenId: token.id })}
            />
          ) : null}
        </td>
      </tr>
      {revoke.error ? (
        <tr className="row-problem">
          <td colSpan={8}>
            <ErrorMessage error={revoke.error} title={`“${token.name}” was not revoked`} />
          </td>
        </tr>
      ) : null}
    </>
  );
}
