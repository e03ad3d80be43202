import { TableScroll } from '../components/table-scroll.tsx';
import { Link, useParams } from 'react-router';
import { ErrorMessage } from '../components/error-message.tsx';
import { formatDateTime } from '../components/format.ts';
import { trpc } from '../trpc.ts';
import { CompareForm } from '../versions/compare-form.tsx';
import { positiveInteger, versionPath } from '../versions/route-params.ts';

/** An assistant's versions, newest first, each linked, and two of them to compare. */
export function AssistantVersionsPage() {
  const { assistantId: raw } = useParams();
  const assistantId = positiveInteger(raw);
  if (assistantId === null) return <NotAnAssistant raw={raw} />;
  return <VersionsList key={assistantId} assistantId={assistantId} />;
}

export function NotAnAssistant({ raw }: { raw: string | undefined }) {
  return (
    <section className="panel empty-state">
      <h1>Not an assistant</h1>
      <p>
        “{raw}” is not an assistant id. <Link to="/assistant-architect">Choose an assistant</Link>.
      </p>
    </section>
  );
}

function VersionsList({ assistantId }: { assistantId: number }) {
  const assistant = trpc.assistants.get.useQuery({ id: assistantId });
  const versions = trpc.assistants.versions.useInfiniteQuery({ id: assistantId, limit: 20 }, { getNextPageParam: (page) => page.nextCursor ?? undefined });
  const rows = versions.data?.pages.flatMap((page) => page.items) ?? [];

  if (assistant.error) return <ErrorMessage error={assistant.error} />;
  return (
    <section className="panel" aria-labelledby="versions-heading">
      <h1 id="versions-heading">Versions of {assistant.data?.name ?? `assistant ${assistantId}`}</h1>
      <p className="muted">Each save is a new version. An execution runs the version that was current when it started.</p>
      {versions.error ? <ErrorMessage error={versions.error} /> : null}
      {versions.isPending ? (
        <p className="muted" role="status">
          Loading versions…
        </p>
      ) : rows.length === 0 ? (
        <p className="muted">No versions.</p>
      ) : (
        <>
          {rows.length > 1 ? (
            <CompareForm assistantId={assistantId} latest={rows[0]!.number} from={rows[1]!.number} to={rows[0]!.number} />
          ) : (
            <p className="muted">Only one version so far: nothing to compare yet.</p>
          )}
          <TableScroll label="Versions">
            <table className="version-table wide">
              <caption className="visually-hidden">Versions, newest first</caption>
              <thead>
                <tr>
                  <th scope="col">Version</th>
                  <th scope="col">Name</th>
                  <th scope="col">Saved</th>
                  <th scope="col">By</th>
                  <th scope="col">Prompts</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((row) => (
                  <tr key={row.number}>
                    <td>
                      <Link to={versionPath(assistantId, row.number)}>Version {row.number}</Link>
                      {row.number === assistant.data?.version ? <span className="badge current">current</span> : null}
                    </td>
                    <td>{row.name}</td>
                    <td>{formatDateTime(row.createdAt)}</td>
                    <td>{row.authorName ?? '—'}</td>
                    <td>{row.promptCount}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableScroll>
          {versions.hasNextPage ? (
            <button type="button" onClick={() => void versions.fetchNextPage()} disabled={versions.isFetchingNextPage}>
              {versions.isFetchingNextPage ? 'Loading…' : 'Load older versions'}
            </button>
          ) : null}
        </>
      )}
    </section>
  );
}
