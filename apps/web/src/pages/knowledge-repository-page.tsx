import { Link, useParams } from 'react-router';
import { ErrorMessage } from '../components/error-message.tsx';
import { formatNumber } from '../components/format.ts';
import { useMe } from '../identity/use-me.ts';
import { canChangeRepository } from '../knowledge/can-change.ts';
import { DocumentTable } from '../knowledge/document-table.tsx';
import { SearchPreview } from '../knowledge/search-preview.tsx';
import { UploadArea } from '../knowledge/upload-area.tsx';
import { trpc } from '../trpc.ts';

/** One repository: its documents, adding more (with each import's progress), and a search preview. */
export function KnowledgeRepositoryPage() {
  const repositoryId = Number(useParams().repositoryId);
  const valid = Number.isSafeInteger(repositoryId) && repositoryId > 0;
  const me = useMe();
  const utils = trpc.useUtils();
  const repository = trpc.knowledge.repositories.get.useQuery({ repositoryId }, { enabled: valid });
  const documents = trpc.knowledge.documents.list.useQuery({ repositoryId, limit: 500 }, { enabled: valid });
  const limits = trpc.knowledge.importLimits.useQuery();
  const refresh = () => {
    void utils.knowledge.documents.list.invalidate({ repositoryId });
    void utils.knowledge.repositories.invalidate();
  };

  if (!valid) {
    return (
      <section className="panel">
        <h1>Repository not found</h1>
        <p>
          This address names no repository. <Link to="/knowledge">See the repositories</Link>.
        </p>
      </section>
    );
  }
  // A failed refetch keeps what was shown (and the uploads under way); only a first load that failed replaces the page.
  if (repository.error && !repository.data) {
    return (
      <section className="panel" aria-labelledby="repository-heading">
        <h1 id="repository-heading">Knowledge repository</h1>
        <ErrorMessage error={repository.error} title="Could not open the repository" />
        <p>
          <Link to="/knowledge">Back to the repositories</Link>
        </p>
      </section>
    );
  }
  if (!repository.data) {
    return (
      <section className="panel">
        <p className="muted" role="status">
          Loading…
        </p>
      </section>
    );
  }
  const canChange = canChangeRepository(me.data, repository.data);
  return (
    <>
      <section className="panel" aria-labelledby="repository-heading">
        <p className="muted breadcrumb">
          <Link to="/knowledge">Knowledge</Link> /
        </p>
        <h1 id="repository-heading">{repository.data.name}</h1>
        {repository.data.description ? <p className="repository-description">{repository.data.description}</p> : null}
        <p className="muted">
          Embedding model <code>{repository.data.embeddingModel}</code> · {formatNumber(repository.data.documentCount)} documents ·{' '}
          {formatNumber(repository.data.chunkCount)} chunks · {repository.data.visibility === 'shared' ? 'shared with everyone signed in' : 'private'}
        </p>
        {canChange && limits.data ? <UploadArea repositoryId={repositoryId} limits={limits.data} onStored={refresh} /> : null}
        {limits.error ? <ErrorMessage error={limits.error} title="Could not load what an import takes" /> : null}
        {canChange ? null : <p className="muted">Only its owner or an admin can add or delete documents here.</p>}
      </section>
      <section className="panel" aria-labelledby="documents-heading">
        <h2 id="documents-heading">Documents</h2>
        {documents.error ? <ErrorMessage error={documents.error} title="Could not load the documents" /> : null}
        {documents.isPending ? (
          <p className="muted" role="status">
            Loading…
          </p>
        ) : null}
        {documents.data?.items.length === 0 ? <p className="muted empty-documents">No document yet{canChange ? ': add some above.' : '.'}</p> : null}
        {documents.data && documents.data.items.length > 0 ? <DocumentTable documents={documents.data.items} canChange={canChange} /> : null}
        {documents.data?.nextCursor ? <p className="muted">Showing the first 500 documents.</p> : null}
      </section>
      <SearchPreview repositoryId={repositoryId} />
    </>
  );
}
