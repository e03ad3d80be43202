import type { RouterOutputs } from '@aae/api';
import type { SearchType } from '@aae/events';
import { useId, useState, type FormEvent } from 'react';
import { ErrorMessage } from '../components/error-message.tsx';
import { trpc } from '../trpc.ts';

type Passage = RouterOutputs['knowledge']['search'][number];

const SEARCH_TYPES: ReadonlyArray<{ type: SearchType; label: string; how: string }> = [
  { type: 'keyword', label: 'Keyword', how: 'full-text match, ranked by cover density' },
  { type: 'vector', label: 'Vector', how: 'cosine similarity of embeddings' },
  { type: 'hybrid', label: 'Hybrid', how: 'both, fused by reciprocal rank' },
];

const SNIPPET_CHARACTERS = 220;
/** The passage's start on a few lines: runs of blank lines (after a heading kept as context) folded into one space. */
function snippet(content: string): string {
  const text = content.replace(/\s*\n\s*\n\s*/g, ' · ').trim();
  return text.length > SNIPPET_CHARACTERS ? `${text.slice(0, SNIPPET_CHARACTERS).trimEnd()}…` : text;
}

function SearchColumn({ repositoryId, query, type, label, how }: { repositoryId: number; query: string; type: SearchType; label: string; how: string }) {
  const headingId = useId();
  const results = trpc.knowledge.search.useQuery({ repositoryIds: [repositoryId], query, searchType: type, limit: 5 }, { enabled: query.length > 0 });
  return (
    <section className={`search-column search-${type}`} aria-labelledby={headingId}>
      <h3 id={headingId}>{label}</h3>
      <p className="muted search-how">{how}</p>
      {results.error ? <ErrorMessage error={results.error} title={`${label} search failed`} /> : null}
      {results.isFetching && !results.data ? (
        <p className="muted" role="status">
          Searching…
        </p>
      ) : null}
      {results.data?.length === 0 ? <p className="muted">No passage matches.</p> : null}
      {results.data && results.data.length > 0 ? (
        <ol className="search-results">
          {results.data.map((passage: Passage) => (
            <li key={passage.chunkId} className="search-result">
              <div className="search-result-head">
                <span className="search-result-title">{passage.documentTitle}</span>
                <span className="search-score">
                  <span className="visually-hidden">score </span>
                  {passage.score.toFixed(3)}
                </span>
              </div>
              <p className="search-snippet">{snippet(passage.content)}</p>
            </li>
          ))}
        </ol>
      ) : null}
    </section>
  );
}

/** A query against this repository, answered by keyword, vector and hybrid search side by side with their scores (0–1). */
export function SearchPreview({ repositoryId }: { repositoryId: number }) {
  const [draft, setDraft] = useState('');
  const [query, setQuery] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const trimmed = draft.trim();
    setProblem(trimmed ? null : 'Enter words to search for.');
    if (trimmed) setQuery(trimmed);
  };
  return (
    <section className="panel search-preview" aria-labelledby="search-heading">
      <h2 id="search-heading">Search preview</h2>
      <form className="search-form" aria-label="Search this repository" onSubmit={submit} noValidate>
        <div className="field">
          <label htmlFor="knowledge-query">Query</label>
          <input
            id="knowledge-query"
            type="search"
            value={draft}
            maxLength={2_000}
            aria-invalid={problem ? true : undefined}
            aria-describedby={problem ? 'knowledge-query-error' : undefined}
            onChange={(event) => setDraft(event.target.value)}
          />
          {problem ? (
            <small id="knowledge-query-error" className="field-error">
              {problem}
            </small>
          ) : null}
        </div>
        <button type="submit" className="primary">
          Search
        </button>
      </form>
      {query ? (
        <div className="search-columns">
          {SEARCH_TYPES.map(({ type, label, how }) => (
            <SearchColumn key={type} repositoryId={repositoryId} query={query} type={type} label={label} how={how} />
          ))}
        </div>
      ) : (
        <p className="muted">Results from each search type appear here side by side, best first, with their scores from 0 to 1.</p>
      )}
    </section>
  );
}
