import type { RouterOutputs } from '@aae/api';
import { useState, type FormEvent } from 'react';
import { ErrorMessage } from '../components/error-message.tsx';
import { TextField } from '../components/text-field.tsx';
import { passwordProblem } from '../identity/account-rules.ts';
import { trpc } from '../trpc.ts';

type Person = RouterOutputs['users']['list'][number];

/** An admin sets a new password for someone who forgot theirs; their sessions end. */
export function SetPasswordForm({ person, onClose }: { person: Person; onClose(): void }) {
  const [password, setPassword] = useState('');
  const [problem, setProblem] = useState<string | undefined>();
  const setPasswordFor = trpc.users.setPassword.useMutation();
  const id = `set-password-${person.id}`;

  function submit(event: FormEvent) {
    event.preventDefault();
    const found = passwordProblem(password);
    setProblem(found);
    if (found) return document.getElementById(id)?.focus();
    setPasswordFor.mutate({ userId: person.id, password });
  }

  if (setPasswordFor.isSuccess) {
    return (
      <div className="notice" role="status">
        <p>New password set for {person.name}; their sessions have ended. Tell them the password privately: they can change it on their Account page.</p>
        <button type="button" className="small" onClick={onClose}>
          Done
        </button>
      </div>
    );
  }
  return (
    <form className="inline-form" onSubmit={submit} noValidate aria-label={`Set a password for ${person.name}`}>
      <TextField
        id={id}
        label={`New password for ${person.name}`}
        type="password"
        autoComplete="new-password"
        value={password}
        onChange={setPassword}
        hint="At least 10 characters. Their sessions end at once."
        error={problem}
      />
      {setPasswordFor.error ? <ErrorMessage error={setPasswordFor.error} title="The password was not set" /> : null}
      <div className="row-actions">
        <button type="submit" className="small primary" disabled={setPasswordFor.isPending}>
          Set password
        </button>
        <button type="button" className="small" onClick={onClose}>
          Cancel
        </button>
      </div>
    </form>
  );
}
