import type { RouterOutputs } from '@aae/api';
import { useState, type FormEvent } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { ErrorMessage } from '../components/error-message.tsx';
import { missingRunInputs, RunInputFields } from '../components/run-input-fields.tsx';
import { trpc } from '../trpc.ts';
import { versionsPath } from '../versions/route-params.ts';

type Assistant = RouterOutputs['assistants']['get'];

export function RunPage() {
  const params = useParams();
  // Summaries, a page at a time: the list never carries prompts or forms, however large they are.
  const assistants = trpc.assistants.list.useInfiniteQuery({ limit: 50 }, { getNextPageParam: (page) => page.nextCursor ?? undefined });

  if (assistants.isPending)
    return (
      <p className="muted" role="status">
        Loading assistants…
      </p>
    );
  if (assistants.error) return <ErrorMessage error={assistants.error} />;
  const list = assistants.data.pages.flatMap((page) => page.items);
  if (list.length === 0) {
    return (
      <section className="panel empty-state">
        <h1>No assistants yet</h1>
        <p>
          <Link to="/assistants/new">Create an assistant</Link> to run it here.
        </p>
      </section>
    );
  }

  const selectedId = params.assistantId ? Number(params.assistantId) : list[0]!.id;

  return (
    <div className="run-layout">
      <section className="panel" aria-labelledby="assistants-heading">
        <h2 id="assistants-heading">Assistants</h2>
        <ul className="assistant-list">
          {list.map((assistant) => (
            <li key={assistant.id}>
              <Link
                to={`/assistant-architect/${assistant.id}`}
                className={assistant.id === selectedId ? 'assistant-link active' : 'assistant-link'}
                aria-current={assistant.id === selectedId ? 'page' : undefined}
              >
                <strong>{assistant.name}</strong>
                <span className="muted">
                  {assistant.promptCount} prompt{assistant.promptCount === 1 ? '' : 's'}
                </span>
              </Link>
            </li>
          ))}
        </ul>
        {assistants.hasNextPage ? (
          <button type="button" onClick={() => void assistants.fetchNextPage()} disabled={assistants.isFetchingNextPage}>
            {assistants.isFetchingNextPage ? 'Loading…' : 'More assistants'}
          </button>
        ) : null}
      </section>
      <SelectedAssistant key={selectedId} id={selectedId} />
    </div>
  );
}

/** The chosen assistant's chain and form, read on its own. */
function SelectedAssistant({ id }: { id: number }) {
  const assistant = trpc.assistants.get.useQuery({ id }, { enabled: Number.isSafeInteger(id) && id > 0, retry: false });
  if (!Number.isSafeInteger(id) || id <= 0 || assistant.error?.data?.code === 'NOT_FOUND' || assistant.error?.data?.code === 'BAD_REQUEST') {
    return (
      <section className="panel empty-state">
        <h1>Assistant not found</h1>
        <p>No assistant has id {String(id)}. Pick one from the list.</p>
      </section>
    );
  }
  if (assistant.error) return <ErrorMessage error={assistant.error} />;
  if (assistant.isPending)
    return (
      <p className="muted" role="status">
        Loading the assistant…
      </p>
    );
  return <RunForm assistant={assistant.data} />;
}

function RunForm({ assistant }: { assistant: Assistant }) {
  const navigate = useNavigate();
  const [values, setValues] = useState<Record<string, string>>({});
  const [missing, setMissing] = useState<Set<string>>(new Set());
  const execute = trpc.executions.execute.useMutation({
    onSuccess: ({ executionId }) => navigate(`/executions/${executionId}`),
  });

  function submit(event: FormEvent) {
    event.preventDefault();
    const empty = missingRunInputs(assistant.inputVariables, values);
    setMissing(new Set(empty));
    if (empty.length > 0) {
      document.getElementById(`input-${empty[0]}`)?.focus();
      return;
    }
    execute.mutate({ assistantId: assistant.id, input: values });
  }

  return (
    <section className="panel run-form" aria-labelledby="run-heading">
      <h1 id="run-heading">{assistant.name}</h1>
      {assistant.description ? <p className="muted">{assistant.description}</p> : null}
      <ol className="chain" aria-label="Prompt chain">
        {assistant.prompts.map((prompt) => (
          <li key={prompt.id}>
            <span className="chain-name">{prompt.name}</span>
            <span className="badge">{prompt.modelId}</span>
            {prompt.repositoryIds.length > 0 ? <span className="badge">knowledge</span> : null}
            {prompt.enabledTools.length > 0 ? <span className="badge">tools</span> : null}
          </li>
        ))}
      </ol>
      <form onSubmit={submit} noValidate>
        <RunInputFields
          variables={assistant.inputVariables}
          values={values}
          missing={missing}
          onChange={(name, value) => {
            setValues((current) => ({ ...current, [name]: value }));
            if (missing.has(name)) setMissing((current) => new Set([...current].filter((other) => other !== name)));
          }}
        />
        {execute.error ? <ErrorMessage error={execute.error} /> : null}
        <button type="submit" className="primary" disabled={execute.isPending}>
          {execute.isPending ? 'Starting…' : 'Run assistant'}
        </button>
      </form>
      <p className="muted">
        Runs version {assistant.version} · <Link to={versionsPath(assistant.id)}>all versions</Link>
      </p>
    </section>
  );
}
