import { type ReactNode, useEffect, useRef, useState } from 'react';
import { Link, useLocation, useParams } from 'react-router';
import { AssistantForm } from '../assistant-editor/assistant-form.tsx';
import { canChangeAssistant } from '../assistant-editor/can-change.ts';
import { DuplicateButton } from '../assistant-editor/duplicate-button.tsx';
import { draftOf, emptyDraft } from '../assistant-editor/draft.ts';
import type { PromptOptions } from '../assistant-editor/prompt-fields.tsx';
import { ErrorMessage } from '../components/error-message.tsx';
import { useMe } from '../identity/use-me.ts';
import { trpc } from '../trpc.ts';
import { versionsPath } from '../versions/route-params.ts';

/** The models, tools and repositories a prompt may use, or what to show while they load. */
function usePromptOptions(): { options: PromptOptions } | { pending: ReactNode } {
  const models = trpc.assistants.models.useQuery();
  const tools = trpc.assistants.tools.useQuery();
  // Every repository the user can read, a page at a time.
  const repositories = trpc.knowledge.repositories.list.useInfiniteQuery({ limit: 100 }, { getNextPageParam: (page) => page.nextCursor });
  const { hasNextPage, isFetchingNextPage, fetchNextPage } = repositories;
  useEffect(() => {
    if (hasNextPage && !isFetchingNextPage) void fetchNextPage();
  }, [hasNextPage, isFetchingNextPage, fetchNextPage]);
  const error = models.error ?? tools.error ?? repositories.error;
  if (error) return { pending: <ErrorMessage error={error} title="Could not load the models, tools and repositories" /> };
  if (!models.data || !tools.data || !repositories.data || hasNextPage) return { pending: <Loading what="the editor" /> };
  return { options: { models: models.data, tools: tools.data, repositories: repositories.data.pages.flatMap((page) => page.items) } };
}

function Loading({ what }: { what: string }) {
  return (
    <p className="muted" role="status">
      Loading {what}…
    </p>
  );
}

/** A new assistant, from a blank form. */
export function NewAssistantPage() {
  const loaded = usePromptOptions();
  const create = trpc.assistants.create.useMutation();
  const utils = trpc.useUtils();
  if ('pending' in loaded) return loaded.pending;
  return (
    <AssistantForm
      heading="New assistant"
      initial={emptyDraft(loaded.options.models[0] ?? 'local')}
      options={loaded.options}
      save={async ({ prompts, ...input }) => {
        const created = await create.mutateAsync({ ...input, prompts: prompts.map(({ id: _id, ...prompt }) => prompt) });
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
  // Always fetched anew on opening: a form built from a cached, older version would meet a conflict on saving.
  const assistant = trpc.assistants.get.useQuery({ id }, { enabled: valid, retry: false, refetchOnWindowFocus: false, refetchOnMount: 'always' });
  const loaded = usePromptOptions();
  const saveVersion = trpc.assistants.save.useMutation();
  const utils = trpc.useUtils();
  // The version the form's edits start from: the one loaded, then each one saved from here.
  const baseVersion = useRef<number | null>(null);
  const [generation, setGeneration] = useState(0);
  const fresh = assistant.isFetchedAfterMount && !assistant.isFetching ? assistant.data : undefined;
  if (baseVersion.current === null && fresh) baseVersion.current = fresh.version;

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
  if (baseVersion.current === null || !assistant.data || me.isPending) return <Loading what="the assistant" />;
  const current = assistant.data;
  if (!canChangeAssistant(me.data, current)) {
    return (
      <section className="panel empty-state" aria-labelledby="not-allowed-heading">
        <h1 id="not-allowed-heading">Not yours to change</h1>
        <p>
          Only the owner of “{current.name}” or an admin may change it. You can <Link to={`/assistant-architect/${id}`}>run it</Link> or make your own copy:
        </p>
        <DuplicateButton id={id} name={current.name} />
      </section>
    );
  }
  if ('pending' in loaded) return loaded.pending;
  const justCreated = (location.state as { saved?: boolean } | null)?.saved === true;

  /** Loads the newest version (after a conflict) and starts the form again from it. */
  const loadLatest = async () => {
    const latest = await utils.assistants.get.fetch({ id }, { staleTime: 0 });
    baseVersion.current = latest.version;
    setGeneration((value) => value + 1);
  };

  return (
    <>
      {justCreated ? (
        <p className="save-notice" role="status">
          Created “{current.name}”.
        </p>
      ) : null}
      <AssistantForm
        key={`${id}:${generation}`}
        heading={`Edit “${current.name}”`}
        headingNote={
          <Link to={versionsPath(id)} className="muted">
            version {current.version} · history
          </Link>
        }
        initial={draftOf(current)}
        options={loaded.options}
        assistantId={id}
        save={async (content) => {
          const saved = await saveVersion.mutateAsync({ id, baseVersion: baseVersion.current ?? current.version, ...content });
          baseVersion.current = saved.version;
          utils.assistants.get.setData({ id }, saved);
          await utils.assistants.list.invalidate();
          return saved;
        }}
        describeRefusal={(refusal, retry) =>
          refusal.data?.code === 'CONFLICT' ? (
            <div className="error-box conflict" role="alert">
              <strong>Someone else saved this assistant while you were editing it.</strong>
              <p>{refusal.message}</p>
              <p>Your changes are still here and were not saved.</p>
              <div className="row-actions">
                <button
                  type="button"
                  onClick={async () => {
                    baseVersion.current = (await utils.assistants.get.fetch({ id }, { staleTime: 0 })).version;
                    retry();
                  }}
                >
                  Save mine over theirs
                </button>
                <button type="button" className="danger" onClick={() => void loadLatest()}>
                  Discard mine and load theirs
                </button>
              </div>
            </div>
          ) : null
        }
      />
    </>
  );
}
