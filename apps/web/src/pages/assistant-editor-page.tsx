import type { ReactNode } from 'react';
import { Link, useLocation, useParams, useSearchParams } from 'react-router';
import { AssistantForm } from '../assistant-editor/assistant-form.tsx';
import { canChangeAssistant } from '../assistant-editor/can-change.ts';
import { draftOf, emptyDraft } from '../assistant-editor/draft.ts';
import type { PromptOptions } from '../assistant-editor/prompt-fields.tsx';
import { ErrorMessage } from '../components/error-message.tsx';
import { useMe } from '../identity/use-me.ts';
import { trpc } from '../trpc.ts';

/** The models, tools and repositories a prompt may use, or what to show while they load. */
function usePromptOptions(): { options: PromptOptions } | { pending: ReactNode } {
  const models = trpc.assistants.models.useQuery();
  const tools = trpc.assistants.tools.useQuery();
  const repositories = trpc.knowledge.repositories.list.useQuery({ limit: 100 });
  const error = models.error ?? tools.error ?? repositories.error;
  if (error) return { pending: <ErrorMessage error={error} title="Could not load the models, tools and repositories" /> };
  if (!models.data || !tools.data || !repositories.data) return { pending: <Loading what="the editor" /> };
  return { options: { models: models.data, tools: tools.data, repositories: repositories.data.items } };
}

function Loading({ what }: { what: string }) {
  return (
    <p className="muted" role="status">
      Loading {what}…
    </p>
  );
}

/** A new assistant, blank or (with `?copyOf=<id>`) a copy of one the viewer can see. */
export function NewAssistantPage() {
  const [search] = useSearchParams();
  const copyOf = Number(search.get('copyOf') ?? Number.NaN);
  const copying = Number.isSafeInteger(copyOf) && copyOf > 0;
  const source = trpc.assistants.get.useQuery({ id: copyOf }, { enabled: copying, retry: false });
  const loaded = usePromptOptions();
  const create = trpc.assistants.create.useMutation();
  const utils = trpc.useUtils();
  if ('pending' in loaded) return loaded.pending;
  if (copying && source.error) return <ErrorMessage error={source.error} title="Could not load the assistant to copy" />;
  if (copying && !source.data) return <Loading what="the assistant to copy" />;
  const initial = copying && source.data ? draftOf(source.data, { copy: true }) : emptyDraft(loaded.options.models[0] ?? 'local');
  return (
    <AssistantForm
      key={copying ? `copy-${copyOf}` : 'new'}
      heading={copying ? `New assistant from “${source.data?.name}”` : 'New assistant'}
      initial={initial}
      options={loaded.options}
      save={async (input) => {
        const created = await create.mutateAsync(input);
        await utils.assistants.list.invalidate();
        return created;
      }}
      afterSave={(id) => `/assistants/${id}/edit`}
    />
  );
}

/** An assistant its owner (or an admin) changes; anyone else is told they may not. */
export function EditAssistantPage() {
  const params = useParams();
  const location = useLocation();
  const id = Number(params.assistantId);
  const valid = Number.isSafeInteger(id) && id > 0;
  const me = useMe();
  const assistant = trpc.assistants.get.useQuery({ id }, { enabled: valid, retry: false, refetchOnWindowFocus: false });
  const loaded = usePromptOptions();
  const update = trpc.assistants.update.useMutation();
  const utils = trpc.useUtils();
  if (!valid || assistant.error?.data?.code === 'NOT_FOUND' || assistant.error?.data?.code === 'BAD_REQUEST') {
    return (
      <section className="panel empty-state" aria-labelledby="missing-heading">
        <h1 id="missing-heading">Assistant not found</h1>
        <p>
          No assistant has id {String(params.assistantId)}. <Link to="/assistants">See the assistants</Link>.
        </p>
      </section>
    );
  }
  if (assistant.error) return <ErrorMessage error={assistant.error} title="Could not load the assistant" />;
  if (!assistant.data || me.isPending) return <Loading what="the assistant" />;
  if (!canChangeAssistant(me.data, assistant.data)) {
    return (
      <section className="panel empty-state" aria-labelledby="not-allowed-heading">
        <h1 id="not-allowed-heading">Not yours to change</h1>
        <p>
          Only the owner of “{assistant.data.name}” or an admin may change it. You can <Link to={`/assistant-architect/${id}`}>run it</Link> or{' '}
          <Link to={`/assistants/new?copyOf=${id}`}>make your own copy</Link>.
        </p>
      </section>
    );
  }
  if ('pending' in loaded) return loaded.pending;
  const justCreated = (location.state as { saved?: boolean } | null)?.saved === true;
  return (
    <>
      {justCreated ? (
        <p className="save-notice" role="status">
          Created “{assistant.data.name}”.
        </p>
      ) : null}
      <AssistantForm
        key={id}
        heading={`Edit “${assistant.data.name}”`}
        initial={draftOf(assistant.data)}
        options={loaded.options}
        save={async (input) => {
          await update.mutateAsync({ id, name: input.name, description: input.description, visibility: input.visibility });
          await utils.assistants.invalidate();
          return { id };
        }}
      />
    </>
  );
}
