import { useState, type FormEvent } from 'react';
import { ErrorMessage } from '../components/error-message.tsx';
import { TextField } from '../components/text-field.tsx';
import { trpc } from '../trpc.ts';
import { days, type RetentionPolicy } from './policy-table.tsx';

const MAX_KEEP_DAYS = 36_500;
const INSTALLATION = 'installation';

/** A whole number of days from 1 to 100 years, or why not. */
function keepDaysProblem(text: string): string | undefined {
  if (!/^\d+$/.test(text.trim())) return 'Enter a whole number of days.';
  const value = Number(text);
  if (value < 1) return 'Keep executions at least 1 day.';
  if (value > MAX_KEEP_DAYS) return `At most ${MAX_KEEP_DAYS.toLocaleString('en-US')} days (100 years); remove the policy to keep forever.`;
  return undefined;
}

/**
 * Sets the installation-wide policy or one assistant's. A change that can delete data (a new
 * policy, or a shorter one) is confirmed first.
 */
export function SetPolicyForm({ policies }: { policies: RetentionPolicy[] }) {
  const utils = trpc.useUtils();
  const assistants = trpc.assistants.list.useQuery({ limit: 100 });
  const [scope, setScope] = useState(INSTALLATION);
  const [keepDays, setKeepDays] = useState('90');
  const [problem, setProblem] = useState<string | undefined>();
  const [confirming, setConfirming] = useState(false);
  const set = trpc.retention.set.useMutation({
    onSuccess: () => {
      setConfirming(false);
      void utils.retention.policies.invalidate();
    },
  });
  const assistantId = scope === INSTALLATION ? null : Number(scope);
  const current = policies.find((policy) => policy.assistantId === assistantId);

  const save = () => set.mutate({ assistantId, keepDays: Number(keepDays) });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const found = keepDaysProblem(keepDays);
    setProblem(found);
    if (found) return;
    // Longer than before deletes nothing more; anything else may.
    if (current && Number(keepDays) >= current.keepDays) save();
    else setConfirming(true);
  };

  return (
    <form onSubmit={submit} noValidate aria-labelledby="set-policy-heading">
      <h2 id="set-policy-heading">Set a policy</h2>
      <div className="field">
        <label htmlFor="policy-scope">Applies to</label>
        <select
          id="policy-scope"
          value={scope}
          onChange={(event) => {
            setScope(event.target.value);
            setConfirming(false);
          }}
        >
          <option value={INSTALLATION}>Every assistant without its own policy</option>
          {(assistants.data?.items ?? []).map((assistant) => (
            <option key={assistant.id} value={String(assistant.id)}>
              {assistant.name}
            </option>
          ))}
        </select>
      </div>
      {assistants.error ? <ErrorMessage error={assistants.error} title="Could not load the assistants" /> : null}
      <TextField
        id="policy-keep-days"
        label="Keep finished executions for (days)"
        inputMode="numeric"
        autoComplete="off"
        hint={current ? `Now: ${days(current.keepDays)}.` : 'Pending and running executions are never deleted.'}
        error={problem}
        value={keepDays}
        onChange={(value) => {
          setKeepDays(value);
          setConfirming(false);
        }}
      />
      {confirming ? (
        // biome-ignore lint/a11y/useSemanticElements: an inline group of controls, not a form's fieldset
        <div className="confirm" role="group" aria-label="Confirm the policy">
          <span className="confirm-question">
            Executions that finished more than {days(Number(keepDays))} ago, and their events, will be deleted at the next sweep. Go on?
          </span>
          <button type="button" className="small danger" disabled={set.isPending} onClick={save}>
            {set.isPending ? 'Saving…' : 'Save and delete'}
          </button>
          <button type="button" className="small" onClick={() => setConfirming(false)}>
            Cancel
          </button>
        </div>
      ) : (
        <button type="submit" className="primary" disabled={set.isPending}>
          {set.isPending ? 'Saving…' : 'Save policy'}
        </button>
      )}
      {set.error ? <ErrorMessage error={set.error} title="The policy was not saved" /> : null}
      {set.data && !set.isPending ? (
        <p className="success-box" role="status">
          Saved: {days(set.data.keepDays)}.
        </p>
      ) : null}
    </form>
  );
}
