import type { RouterOutputs } from '@aae/api';
import { Link } from 'react-router';
import { ColumnHeads } from '../components/column-heads.tsx';
import { ConfirmAction } from '../components/confirm-action.tsx';
import { ErrorMessage } from '../components/error-message.tsx';
import { formatDateTime, formatNumber } from '../components/format.ts';
import { TableScroll } from '../components/table-scroll.tsx';
import { useMe } from '../identity/use-me.ts';
import { trpc } from '../trpc.ts';
import { canChangeRepository } from './can-change.ts';

type Repository = RouterOutputs['knowledge']['repositories']['list']['items'][number];

const COLUMNS = ['Repository', 'Embedding model', 'Documents', 'Chunks', 'Owner', 'Created'] as const;

/** The repositories the viewer can see, each a link to its page; delete where allowed, after asking. */
export function RepositoryTable({ repositories }: { repositories: Repository[] }) {
  const me = useMe();
  const utils = trpc.useUtils();
  const remove = trpc.knowledge.repositories.delete.useMutation({ onSettled: () => void utils.knowledge.repositories.list.invalidate() });
  return (
    <>
      <TableScroll label="Knowledge repositories">
        <table className="executions-table repositories-table">
          <ColumnHeads columns={COLUMNS} actions />
          <tbody>
            {repositories.map((repository) => (
              <tr key={repository.id} data-repository={repository.id}>
                <td>
                  <Link to={`/knowledge/${repository.id}`}>{repository.name}</Link>
                  {repository.description ? <div className="muted">{repository.description}</div> : null}
                  {repository.visibility === 'shared' ? <span className="badge">Shared</span> : null}
                </td>
                <td>
                  <code>{repository.embeddingModel}</code>
                </td>
                <td>{formatNumber(repository.documentCount)}</td>
                <td>{formatNumber(repository.chunkCount)}</td>
                <td>{repository.ownerName ?? 'Built in'}</td>
                <td>{formatDateTime(repository.createdAt)}</td>
                <td>
                  {canChangeRepository(me.data, repository) ? (
                    <ConfirmAction
                      label="Delete"
                      subject={repository.name}
                      question="Delete this repository and its documents? Prompts that use it find nothing from then on."
                      confirmLabel="Delete repository"
                      busy={remove.isPending && remove.variables?.repositoryId === repository.id}
                      onConfirm={() => remove.mutate({ repositoryId: repository.id })}
                    />
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableScroll>
      {remove.error ? <ErrorMessage error={remove.error} title="The repository was not deleted" /> : null}
    </>
  );
}
