import { useState, type FormEvent } from 'react';
import { Link } from 'react-router';
import { ErrorMessage } from '../components/error-message.tsx';
import { findFieldErrors } from '../components/field-errors.ts';
import { TextField } from '../components/text-field.tsx';
import { useFormFields } from '../components/use-form-fields.ts';
import { confirmationProblem, passwordProblem } from '../identity/account-rules.ts';
import { changePassword, type AuthFailure } from '../identity/auth-api.ts';
import { NewPasswordFields } from '../identity/new-password-fields.tsx';
import { useMe } from '../identity/use-me.ts';

/** Who you are, and a new password. */
export function AccountPage() {
  const me = useMe();
  if (!me.data) return null;
  return (
    <>
      <section className="panel" aria-labelledby="account-heading">
        <h1 id="account-heading">Your account</h1>
        <dl className="facts-list">
          <dt>Name</dt>
          <dd>{me.data.name}</dd>
          <dt>Email</dt>
          <dd>{me.data.email}</dd>
          <dt>Role</dt>
          <dd>{me.data.role === 'admin' ? 'Admin: sees everyone’s executions, manages people' : 'Member: sees your own executions'}</dd>
        </dl>
        <p className="muted">
          Scripts and other programs sign in with a <Link to="/tokens">personal access token</Link>, not with your password.
        </p>
      </section>
      <section className="panel narrow-form" aria-labelledby="password-heading">
        <h2 id="password-heading">Change your password</h2>
        <p className="muted">Your other sessions (other browsers and devices) are signed out; this one stays signed in.</p>
        <ChangePasswordForm />
      </section>
    </>
  );
}

type Field = 'current' | 'password' | 'confirm';
const EMPTY: Record<Field, string> = { current: '', password: '', confirm: '' };

function ChangePasswordForm() {
  const { values, setValues, errors, setErrors, set, field } = useFormFields(EMPTY);
  const [outcome, setOutcome] = useState<AuthFailure | 'changed' | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    const found = findFieldErrors<Field>(
      {
        current: values.current ? undefined : 'Enter your current password.',
        password: passwordProblem(values.password),
        confirm: confirmationProblem(values.password, values.confirm),
      },
      (field) => `account-${field}`,
    );
    setErrors(found ?? {});
    setOutcome(null);
    if (found) return;
    setBusy(true);
    const result = await changePassword(values.current, values.password);
    setBusy(false);
    setOutcome(result.ok ? 'changed' : result);
    if (result.ok) setValues(EMPTY);
  }

  return (
    <form onSubmit={(event) => void submit(event)} noValidate>
      <TextField id="account-current" label="Current password" type="password" autoComplete="current-password" {...field('current')} />
      <NewPasswordFields idPrefix="account" label="New password" values={values} errors={errors} onChange={(field, value) => set(field)(value)} />
      {outcome === 'changed' ? (
        <p className="success-box" role="status">
          Password changed. Your other sessions were signed out.
        </p>
      ) : outcome ? (
        <ErrorMessage
          error={{ message: outcome.code === 'INVALID_PASSWORD' ? 'Your current password is not right.' : outcome.message }}
          title="The password was not changed"
        />
      ) : null}
      <button type="submit" className="primary" disabled={busy}>
        {busy ? 'Changing…' : 'Change password'}
      </button>
    </form>
  );
}
