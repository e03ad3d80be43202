import { useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { Link, Navigate, useNavigate, useSearchParams } from 'react-router';
import { ErrorMessage } from '../components/error-message.tsx';
import { findFieldErrors } from '../components/field-errors.ts';
import { TextField } from '../components/text-field.tsx';
import { useFormFields } from '../components/use-form-fields.ts';
import { confirmationProblem, emailProblem, passwordProblem } from '../identity/account-rules.ts';
import { signInWithEmail } from '../identity/auth-api.ts';
import { NewPasswordFields } from '../identity/new-password-fields.tsx';
import { HOME_PATH } from '../identity/return-path.ts';
import { trpc } from '../trpc.ts';

/** The first run: creates the first admin, signs them in and opens the app. */
export function SetupPage() {
  const status = trpc.setup.status.useQuery();
  const [finishing, setFinishing] = useState(false);
  if (status.isPending)
    return (
      <p className="muted" role="status">
        Loading…
      </p>
    );
  if (status.error) return <ErrorMessage error={status.error} />;
  if (!status.data.needsSetup && !finishing) return <Navigate to="/" replace />;
  return (
    <section className="panel narrow" aria-labelledby="setup-heading">
      <h1 id="setup-heading">Set up Assistant Architect Events</h1>
      <p className="muted">
        Nobody has an account yet. Create the first admin: you can then add the people who use the app on the People page. Every field is needed.
      </p>
      <p className="muted">
        Open this page with the set-up link the server printed when it started (it ends in <code>?code=…</code>), or paste that code below: whoever reaches a
        new server first cannot become its admin without it.
      </p>
      <SetupForm onFinishing={setFinishing} />
    </section>
  );
}

type Field = 'code' | 'name' | 'email' | 'password' | 'confirm';

function SetupForm({ onFinishing }: { onFinishing(finishing: boolean): void }) {
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const { values, errors, setErrors, set, field } = useFormFields<Field>({ code: params.get('code') ?? '', name: '', email: '', password: '', confirm: '' });
  const [signInProblem, setSignInProblem] = useState<string | null>(null);
  const createAdmin = trpc.setup.createAdmin.useMutation();

  async function submit(event: FormEvent) {
    event.preventDefault();
    const found = findFieldErrors<Field>(
      {
        code: values.code.trim() ? undefined : 'Paste the set-up code the server printed.',
        name: values.name.trim() ? undefined : 'Enter your name.',
        email: emailProblem(values.email),
        password: passwordProblem(values.password),
        confirm: confirmationProblem(values.password, values.confirm),
      },
      (field) => `setup-${field}`,
    );
    setErrors(found ?? {});
    if (found) return;
    onFinishing(true);
    const email = values.email.trim();
    // A refusal is shown from the mutation's own state.
    const created = await createAdmin.mutateAsync({ code: values.code.trim(), name: values.name, email, password: values.password }).catch(() => null);
    if (!created) return onFinishing(false);
    const signedIn = await signInWithEmail(email, values.password);
    if (!signedIn.ok) return setSignInProblem(signedIn.message);
    // Reset, not cleared: mounted observers (the header's) must see the new answers.
    void queryClient.resetQueries();
    navigate(HOME_PATH, { replace: true });
  }

  const busy = createAdmin.isPending || (createAdmin.isSuccess && !signInProblem);
  return (
    <form onSubmit={(event) => void submit(event)} noValidate>
      {params.get('code') ? null : <TextField id="setup-code" label="Set-up code" autoComplete="off" {...field('code')} />}
      <TextField id="setup-name" label="Your name" autoComplete="name" {...field('name')} />
      <TextField id="setup-email" label="Email" type="email" autoComplete="email" {...field('email')} />
      <NewPasswordFields idPrefix="setup" label="Password" values={values} errors={errors} onChange={(field, value) => set(field)(value)} />
      {createAdmin.error ? <ErrorMessage error={createAdmin.error} title="The admin was not created" /> : null}
      {createAdmin.error?.data?.code === 'CONFLICT' ? (
        <p>
          <Link to="/sign-in">Go to the sign-in page</Link>
        </p>
      ) : null}
      {signInProblem ? (
        <div className="error-box" role="alert">
          <strong>The admin was created, but signing in failed</strong>
          <p>
            {signInProblem} <Link to="/sign-in">Go to the sign-in page</Link>.
          </p>
        </div>
      ) : null}
      <button type="submit" className="primary" disabled={busy}>
        {busy ? 'Creating…' : 'Create admin and sign in'}
      </button>
    </form>
  );
}
