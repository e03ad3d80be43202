import type { RouterOutputs } from '@aae/api';
import { useState, type FormEvent } from 'react';
import { ErrorMessage } from '../components/error-message.tsx';
import { findFieldErrors, type FieldErrors } from '../components/field-errors.ts';
import { TextField } from '../components/text-field.tsx';
import { trpc } from '../trpc.ts';

export type NewToken = RouterOutputs['tokens']['create'];
type ScopeOption = RouterOutputs['tokens']['scopes'][number];
type Scope = ScopeOption['scope'];

const EXPIRIES = [
  { value: '7', label: '7 days' },
  { value: '30', label: '30 days' },
  { value: '90', label: '90 days' },
  { value: '365', label: '1 year' },
  { value: 'never', label: 'Never' },
];

type Field = 'name' | 'scopes';

/** Names a token, picks what it may do and how long it works. */
export function CreateTokenForm({ onCreated }: { onCreated(token: NewToken): void }) {
  const scopes = trpc.tokens.scopes.useQuery();
  const utils = trpc.useUtils();
  const [name, setName] = useState('');
  const [chosen, setChosen] = useState<ReadonlySet<Scope>>(new Set());
  const [expiry, setExpiry] = useState('90');
  const [errors, setErrors] = useState<FieldErrors<Field>>({});
  const create = trpc.tokens.create.useMutation({
    onSuccess: (token) => {
      setName('');
      setChosen(new Set());
      void utils.tokens.list.invalidate();
      onCreated(token);
    },
  });

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const found = findFieldErrors<Field>(
      { name: name.trim() ? undefined : 'Name the token after what will use it.', scopes: chosen.size > 0 ? undefined : 'Choose at least one scope.' },
      (field) => (field === 'name' ? 'token-name' : `token-scope-${scopes.data?.find((option) => option.allowed)?.scope ?? ''}`),
    );
    setErrors(found ?? {});
    if (found) return;
    create.mutate({ name: name.trim(), scopes: [...chosen], expiresInDays: expiry === 'never' ? null : Number(expiry) });
  };

  return (
    <form onSubmit={submit} noValidate aria-labelledby="create-token-heading">
      <h2 id="create-token-heading">Create a token</h2>
      <TextField
        id="token-name"
        label="Name"
        hint="What will use it, e.g. “nightly export” or “laptop scripts”."
        maxLength={100}
        value={name}
        onChange={setName}
        error={errors.name}
      />
      {scopes.error ? <ErrorMessage error={scopes.error} title="Could not load the scopes" /> : null}
      {scopes.data ? <ScopeChoices options={scopes.data} chosen={chosen} onChange={setChosen} error={errors.scopes} /> : null}
      <div className="field">
        <label htmlFor="token-expiry">Expires after</label>
        <select id="token-expiry" value={expiry} onChange={(event) => setExpiry(event.target.value)}>
          {EXPIRIES.map((option) => (
            <option key={option.value} value={option.value}>
              {option.label}
            </option>
          ))}
        </select>
      </div>
      {create.error ? <ErrorMessage error={create.error} title="The token was not created" /> : null}
      <button type="submit" className="primary" disabled={create.isPending}>
        {create.isPending ? 'Creating…' : 'Create token'}
      </button>
    </form>
  );
}

function ScopeChoices(props: { options: ScopeOption[]; chosen: ReadonlySet<Scope>; onChange(next: ReadonlySet<Scope>): void; error?: string | undefined }) {
  const toggle = (scope: Scope, on: boolean) => {
    const next = new Set(props.chosen);
    if (on) next.add(scope);
    else next.delete(scope);
    props.onChange(next);
  };
  return (
    <fieldset className="scope-choices" aria-describedby={props.error ? 'token-scopes-error' : undefined}>
      <legend>Scopes: what the token may do</legend>
      {props.options.map((option) => (
        <div key={option.scope} className="scope-choice">
          <input
            id={`token-scope-${option.scope}`}
            type="checkbox"
            checked={props.chosen.has(option.scope)}
            disabled={!option.allowed}
            aria-describedby={`token-scope-${option.scope}-description`}
            onChange={(event) => toggle(option.scope, event.target.checked)}
          />
          <label htmlFor={`token-scope-${option.scope}`}>
            <code>{option.scope}</code>
          </label>
          <small id={`token-scope-${option.scope}-description`} className="muted">
            {option.description}
          </small>
        </div>
      ))}
      {props.error ? (
        <small id="token-scopes-error" className="field-error">
          {props.error}
        </small>
      ) : null}
    </fieldset>
  );
}
