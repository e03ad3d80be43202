import type { RouterOutputs } from '@aae/api';
import { useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { Navigate, useLocation, useNavigate, useSearchParams } from 'react-router';
import { ErrorMessage } from '../components/error-message.tsx';
import { findFieldErrors } from '../components/field-errors.ts';
import { TextField } from '../components/text-field.tsx';
import { useFormFields } from '../components/use-form-fields.ts';
import { signInWithEmail, signInWithProvider, type AuthFailure } from '../identity/auth-api.ts';
import type { SignInState } from '../identity/require-sign-in.tsx';
import { safeReturnPath } from '../identity/return-path.ts';
import { useMe } from '../identity/use-me.ts';
import { trpc } from '../trpc.ts';

type Provider = RouterOutputs['setup']['status']['sso'][number];

/** Email and password, or single sign-on; then on to the page the person wanted. */
export function SignInPage() {
  const [params] = useSearchParams();
  const next = safeReturnPath(params.get('next'));
  const status = trpc.setup.status.useQuery();
  const me = useMe();
  const reason = (useLocation().state as SignInState | null)?.reason;

  if (status.data?.needsSetup) return <Navigate to="/setup" replace />;
  if (me.status === 'success') return <Navigate to={next} replace />;
  return (
    <section className="panel narrow" aria-labelledby="sign-in-heading">
      <h1 id="sign-in-heading">Sign in</h1>
      {reason ? (
        <p className="notice" role="status">
          {reason}
        </p>
      ) : null}
      <SsoProblem code={params.get('error')} />
      <PasswordForm next={next} />
      {status.error ? <ErrorMessage error={status.error} title="Could not load the sign-in options" /> : null}
      {status.data && status.data.sso.length > 0 ? <SsoButtons providers={status.data.sso} next={next} /> : null}
      <p className="muted small-print">No account? There is no sign-up here: an admin creates accounts. Ask yours.</p>
    </section>
  );
}

type Field = 'email' | 'password';

function PasswordForm({ next }: { next: string }) {
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const { values, setErrors, field } = useFormFields<Field>({ email: '', password: '' });
  const [failure, setFailure] = useState<AuthFailure | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    const found = findFieldErrors<Field>(
      { email: values.email.trim() ? undefined : 'Enter your email address.', password: values.password ? undefined : 'Enter your password.' },
      (field) => `sign-in-${field}`,
    );
    setErrors(found ?? {});
    if (found) return;
    setBusy(true);
    const result = await signInWithEmail(values.email.trim(), values.password);
    setBusy(false);
    if (!result.ok) return setFailure(result);
    // Whatever was cached belonged to no one or to someone else. Reset, not cleared: mounted
    // observers (the header's) must see the new answers.
    void queryClient.resetQueries();
    navigate(next, { replace: true });
  }

  return (
    <form onSubmit={(event) => void submit(event)} noValidate aria-label="Sign in with email and password">
      <TextField id="sign-in-email" label="Email" type="email" autoComplete="username" {...field('email')} />
      <TextField id="sign-in-password" label="Password" type="password" autoComplete="current-password" {...field('password')} />
      {failure ? <ErrorMessage error={{ message: failure.message }} title={failureTitle(failure)} /> : null}
      <button type="submit" className="primary" disabled={busy}>
        {busy ? 'Signing in…' : 'Sign in'}
      </button>
    </form>
  );
}

function failureTitle(failure: AuthFailure): string {
  if (failure.code === 'TOO_MANY_ATTEMPTS' || failure.status === 429) return 'Too many attempts';
  if (failure.code === 'ACCOUNT_DISABLED') return 'Account disabled';
  if (failure.status === 401) return 'Not signed in';
  return 'Could not sign in';
}

function SsoButtons({ providers, next }: { providers: Provider[]; next: string }) {
  const [failure, setFailure] = useState<AuthFailure | null>(null);
  const [leaving, setLeaving] = useState<string | null>(null);
  const start = async (provider: Provider) => {
    setLeaving(provider.id);
    const problem = await signInWithProvider(provider.id, next, `/sign-in?next=${encodeURIComponent(next)}`);
    if (problem) {
      setLeaving(null);
      setFailure(problem);
    }
  };
  return (
    // biome-ignore lint/a11y/useSemanticElements: an inline group of controls, not a form's fieldset
    <div className="sso" role="group" aria-label="Single sign-on">
      <p className="divider">
        <span>or</span>
      </p>
      {providers.map((provider) => (
        <button key={provider.id} type="button" className="sso-button" disabled={leaving !== null} onClick={() => void start(provider)}>
          {leaving === provider.id ? `Opening ${provider.name}…` : `Sign in with ${provider.name}`}
        </button>
      ))}
      {failure ? <ErrorMessage error={{ message: failure.message }} title="Single sign-on did not start" /> : null}
    </div>
  );
}

const SSO_PROBLEMS: Record<string, string> = {
  signup_disabled: 'That account is not known here. An admin has to create your account (with the same email address) first.',
  account_not_linked: 'That email address already has an account here that is not linked to this provider. Sign in with your password.',
  access_denied: 'The sign-in was cancelled at the provider.',
};

/** The provider sent the person back with an error (better-auth's `?error=` code). */
function SsoProblem({ code }: { code: string | null }) {
  if (!code) return null;
  return (
    <div className="error-box" role="alert">
      <strong>Single sign-on did not complete</strong>
      <p>{SSO_PROBLEMS[code.toLowerCase()] ?? `The provider or the server refused it (${code}). Try again, or sign in with your password.`}</p>
    </div>
  );
}
