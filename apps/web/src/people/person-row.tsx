import type { RouterOutputs } from '@aae/api';
import { useState } from 'react';
import { ConfirmAction } from '../components/confirm-action.tsx';
import { ErrorMessage } from '../components/error-message.tsx';
import { formatDateTime } from '../components/format.ts';
import { trpc } from '../trpc.ts';
import { SetPasswordForm } from './set-password-form.tsx';

type Person = RouterOutputs['users']['list'][number];
type Changes = ReturnType<typeof usePersonChanges>;

export const PEOPLE_COLUMNS = ['Name', 'Email', 'Role', 'Status', 'Signs in with', 'Created'] as const;

const METHOD_LABELS: Record<string, string> = { credential: 'password' };

/** One person, with their role and access changes; a refusal shows under the row it concerns. */
export function PersonRow({ person, isMe }: { person: Person; isMe: boolean }) {
  const changes = usePersonChanges(person, isMe);
  const [settingPassword, setSettingPassword] = useState(false);
  const disabled = person.disabledAt !== null;
  return (
    <>
      <tr data-person={person.email}>
        <td>
          {person.name}
          {isMe ? <span className="muted"> (you)</span> : null}
        </td>
        <td>{person.email}</td>
        <td>{person.role}</td>
        <td>
          <span className={`status ${disabled ? 'status-person-disabled' : 'status-person-active'}`}>{disabled ? 'disabled' : 'active'}</span>
        </td>
        <td>{person.signInMethods.map((method) => METHOD_LABELS[method] ?? method).join(', ') || 'none yet'}</td>
        <td>{formatDateTime(person.createdAt)}</td>
        <td>
          <PersonActions person={person} isMe={isMe} changes={changes} onSetPassword={() => setSettingPassword(true)} />
        </td>
      </tr>
      {settingPassword ? (
        <tr className="row-problem">
          <td colSpan={PEOPLE_COLUMNS.length + 1}>
            <SetPasswordForm person={person} onClose={() => setSettingPassword(false)} />
          </td>
        </tr>
      ) : null}
      {changes.error ? (
        <tr className="row-problem">
          <td colSpan={PEOPLE_COLUMNS.length + 1}>
            <ErrorMessage error={changes.error} title={`Nothing changed for ${person.name}`} />
          </td>
        </tr>
      ) : null}
    </>
  );
}

/** A role change and a disable/enable; only the latest one's refusal is kept. */
function usePersonChanges(person: Person, isMe: boolean) {
  const utils = trpc.useUtils();
  // Your own role decides what you may see, so it is read again after a change to it.
  const refresh = () => Promise.all([utils.users.list.invalidate(), isMe ? utils.users.me.invalidate() : undefined]);
  const setRole = trpc.users.setRole.useMutation({ onSuccess: refresh });
  const setDisabled = trpc.users.setDisabled.useMutation({ onSuccess: refresh });
  return {
    setRole,
    setDisabled,
    error: setRole.error ?? setDisabled.error,
    toggleRole() {
      setDisabled.reset();
      setRole.mutate({ userId: person.id, role: person.role === 'admin' ? 'member' : 'admin' });
    },
    toggleDisabled() {
      setRole.reset();
      setDisabled.mutate({ userId: person.id, disabled: person.disabledAt === null });
    },
  };
}

function PersonActions({ person, isMe, changes, onSetPassword }: { person: Person; isMe: boolean; changes: Changes; onSetPassword(): void }) {
  const disabled = person.disabledAt !== null;
  return (
    <div className="row-actions">
      <button type="button" className="small" disabled={changes.setRole.isPending} onClick={changes.toggleRole}>
        {person.role === 'admin' ? 'Make member' : 'Make admin'}
        <span className="visually-hidden"> {person.name}</span>
      </button>
      {/* Your own password is changed on the Account page, with the current one. */}
      {isMe ? null : (
        <button type="button" className="small" onClick={onSetPassword}>
          Set password<span className="visually-hidden"> for {person.name}</span>
        </button>
      )}
      {/* The server refuses disabling yourself; the button is not offered. */}
      {isMe ? null : (
        <ConfirmAction
          label={disabled ? 'Enable' : 'Disable'}
          subject={person.name}
          question={disabled ? `Let ${person.name} sign in again?` : `Disable ${person.name}? Their sessions and tokens stop working at once.`}
          confirmLabel={disabled ? 'Yes, enable' : 'Yes, disable'}
          busy={changes.setDisabled.isPending}
          onConfirm={changes.toggleDisabled}
        />
      )}
    </div>
  );
}
