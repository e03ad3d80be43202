import type { RouterOutputs } from '@aae/api';
import { ColumnHeads } from '../components/column-heads.tsx';
import { ConfirmAction } from '../components/confirm-action.tsx';
import { ErrorMessage } from '../components/error-message.tsx';
import { formatDateTime, formatNumber } from '../components/format.ts';
import { TableScroll } from '../components/table-scroll.tsx';
import { trpc } from '../trpc.ts';
import { formatBytes } from './read-document-file.ts';

type KnowledgeDocument = RouterOutputs['knowledge']['documents']['list']['items'][number];

const COLUMNS = ['Document', 'Kind', 'Size', 'Chunks', 'Added'] as const;
const KIND_LABELS: Record<string, string> = { 'text/markdown': 'Markdown', 'text/plain': 'Plain text' };

/** A repository's documents; delete where the viewer may change the repository. */
export function DocumentTable({ documents, canChange }: { documents: KnowledgeDocument[]; canChange: boolean }) {
  const utils = trpc.useUtils();
  const remove = trpc.knowledge.documents.delete.useMutation({
    onSettled: () => {
      void utils.knowledge.documents.list.invalidate();
      void utils.knowledge.repositories.invalidate();
    },
  });
  return (
    <>
      <TableScroll label="Documents">
        <table className="executions-table documents-table">
          <ColumnHeads columns={COLUMNS} actions={canChange} />
          <tbody>
            {documents.map((document) => (
              <tr key={document.id} data-document={document.id}>
                <td className="document-title">{document.title}</td>
                <td>{KIND_LABELS[document.mediaType] ?? document.mediaType}</td>
                <td>{formatBytes(document.sizeBytes)}</td>
                <td>{formatNumber(document.chunkCount)}</td>
                <td>{formatDateTime(document.createdAt)}</td>
                {canChange ? (
                  <td>
                    <ConfirmAction
                      label="Delete"
                      subject={document.title}
                      question="Delete this document? Searches stop finding it at once."
                      confirmLabel="Delete document"
                      busy={remove.isPending && remove.variables?.documentId === document.id}
                      onConfirm={() => remove.mutate({ documentId: document.id })}
                    />
                  </td>
                ) : null}
              </tr>
            ))}
          </tbody>
        </table>
      </TableScroll>
      {remove.error ? <ErrorMessage error={remove.error} title="The document was not deleted" /> : null}
    </>
  );
}
