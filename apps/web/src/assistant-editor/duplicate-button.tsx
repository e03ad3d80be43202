import { useNavigate } from 'react-router';
import { ErrorMessage } from '../components/error-message.tsx';
import { trpc } from '../trpc.ts';

/** Makes the viewer's own private copy of an assistant and opens it in the editor. */
export function DuplicateButton({ id, name, className }: { id: number; name: string; className?: string | undefined }) {
  const navigate = useNavigate();
  const utils = trpc.useUtils();
  const duplicate = trpc.assistants.duplicate.useMutation({
    onSuccess: async (copy) => {
      await utils.assistants.list.invalidate();
      navigate(`/assistants/${copy.id}/edit`, { state: { saved: true } });
    },
  });
  return (
    <>
      <button type="button" className={className} disabled={duplicate.isPending} onClick={() => duplicate.mutate({ id })}>
        {duplicate.isPending ? 'Duplicating…' : 'Duplicate'}
        <span className="visually-hidden"> {name}</span>
      </button>
      {duplicate.error ? <ErrorMessage error={duplicate.error} title={`“${name}” was not duplicated`} /> : null}
    </>
  );
}
