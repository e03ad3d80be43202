import type { RouterOutputs } from '@aae/api';
import { Link } from 'react-router';
import { canChangeAssistant } from '../assistant-editor/can-change.ts';
import { DuplicateButton } from '../assistant-editor/duplicate-button.tsx';
import { ColumnHeads } from '../components/column-heads.tsx';
import { ConfirmAction } from '../components/confirm-action.tsx';
import { ErrorMessage } from '../components/error-message.tsx';
import { TableScroll } from '../components/table-scroll.tsx';
import { useMe } from '../identity/use-me.ts';
import { trpc } from '../trpc.ts';
import { versionsPath } from '../versions/route-params.ts';

type Summary = RouterOutputs['assistants']['list']['items'][number];

/** The assistants the viewer can see, with what they may do to each. */
export function AssistantsPage() {
  const assistants = trpc.assistants.list.useInfiniteQuery({ limit: 50 }, { getNextPageParam: (page) => page.nextCursor ?? undefined });
  return (
    <section className="panel" aria-labelledby="assistants-heading">
      <div className="toolbar">
        <h1 id="assistants-heading">Assistants</h1>
        <Link to="/assistants/new" className="button-link primary">
          New assistant
        </Link>
      </div>
      {assistants.isPending ? (
        <p className="muted" role="status">
          Loading assistants…
        </p>
      ) : assistants.error ? (
        <ErrorMessage error={assistants.error} title="Could not load the assistants" />
      ) : assistants.data.pages[0]?.items.length === 0 ? (
        <div className="empty-state">
          <h2>No assistants yet</h2>
          <p>
            An assistant is a chain of prompts with the inputs it asks for. <Link to="/assistants/new">Create the first one</Link>.
          </p>
        </div>
      ) : (
        <>
          <TableScroll label="Assistants">
            <table className="executions-table assistants-table">
              <ColumnHeads columns={['Name', 'Description', 'Prompts', 'Owner']} actions />
              <tbody>
                {assistants.data.pages
                  .flatMap((page) => page.items)
                  .map((assistant) => (
                    <AssistantRow key={assistant.id} assistant={assistant} />
                  ))}
              </tbody>
            </table>
          </TableScroll>
          {assistants.hasNextPage ? (
            <button type="button" onClick={() => void assistants.fetchNextPage()} disabled={assistants.isFetchingNextPage}>
              {assistants.isFetchingNextPage ? 'Loading…' : 'More assistants'}
            </button>
          ) : null}
        </>
      )}
    </section>
  );
}

function AssistantRow({ assistant }: { assistant: Summary }) {
  const me = useMe();
  const utils = trpc.useUtils();
  const remove = trpc.assistants.delete.useMutation({ onSettled: () => utils.assistants.list.invalidate() });
  const changeable = canChangeAssistant(me.data, assistant);
  return (
    <>
      <tr data-assistant-id={assistant.id}>
        <td>
          <strong>{assistant.name}</strong>
        </td>
        <td className="wrap">{assistant.description || <span className="muted">—</span>}</td>
        <td>{assistant.promptCount}</td>
        <td>{assistant.ownerName ?? <span className="muted">built in</span>}</td>
        <td>
          <div className="row-actions">
            {changeable ? (
              <Link to={`/assistants/${assistant.id}/edit`} className="button-link small">
                Edit<span className="visually-hidden"> {assistant.name}</span>
              </Link>
            ) : null}
            <Link to={`/assistant-architect/${assistant.id}`} className="button-link small">
              Run<span className="visually-hidden"> {assistant.name}</span>
            </Link>
            <Link to={versionsPath(assistant.id)} className="button-link small">
              Versions<span className="visually-hidden"> of {assistant.name}</span>
            </Link>
            <DuplicateButton id={assistant.id} name={assistant.name} className="small" />
            {changeable ? (
              <ConfirmAction
                label="Delete"
                subject={assistant.name}
                question={`Delete “${assistant.name}”? Past runs keep their history.`}
                confirmLabel="Yes, delete"
                busy={remove.isPending}
                onConfirm={() => remove.mutate({ id: assistant.id })}
              />
            ) : null}
          </div>
        </td>
      </tr>
      {remove.error ? (
        <tr className="row-problem">
          <td colSpan={5}>
            <ErrorMessage error={remove.error} title={`“${assistant.name}” was not deleted`} />
          </td>
        </tr>
      ) : null}
    </>
  );
}
