import { useNavigate } from 'react-router';
import { ErrorMessage } from '../components/error-message.tsx';
import { RepositoryForm } from '../knowledge/repository-form.tsx';
import { RepositoryTable } from '../knowledge/repository-table.tsx';
import { trpc } from '../trpc.ts';

/** Knowledge repositories: those the viewer can see, and a new one. */
export function KnowledgePage() {
  const navigate = useNavigate();
  const repositories = trpc.knowledge.repositories.list.useQuery({ limit: 100 });
  return (
    <>
      <section className="panel" aria-labelledby="knowledge-heading">
        <h1 id="knowledge-heading">Knowledge</h1>
        <p className="muted">
          Repositories of documents (Markdown, plain text or PDF) that prompts retrieve passages from, by keyword, vector or hybrid search.
        </p>
        {repositories.error ? <ErrorMessage error={repositories.error} title="Could not load the repositories" /> : null}
        {repositories.isPending ? (
          <p className="muted" role="status">
            Loading…
          </p>
        ) : null}
        {repositories.data?.items.length === 0 ? (
          <p className="muted empty-repositories">No repository yet: create one below, then add documents to it.</p>
        ) : null}
        {repositories.data && repositories.data.items.length > 0 ? <RepositoryTable repositories={repositories.data.items} /> : null}
        {repositories.data?.nextCursor ? <p className="muted">Showing the first 100 repositories.</p> : null}
      </section>
      <section className="panel narrow-form">
        <RepositoryForm onCreated={(repository) => navigate(`/knowledge/${repository.id}`)} />
      </section>
    </>
  );
}
