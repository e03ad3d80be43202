import { useState, type FormEvent } from 'react';
import { ErrorMessage } from '../components/error-message.tsx';
import { findFieldErrors } from '../components/field-errors.ts';
import { TextField } from '../components/text-field.tsx';
import { useFormFields } from '../components/use-form-fields.ts';
import { emailProblem, MIN_PASSWORD_LENGTH, passwordProblem } from '../identity/account-rules.ts';
import { trpc } from '../trpc.ts';

type Field = 'name' | 'email' | 'password';
type Role = 'member' | 'admin';
const EMPTY: Record<Field, string> = { name: '', email: '', password: '' };

/** An admin creates an account; the person signs in with the initial password and may change it. */
export function CreatePersonForm() {
  const utils = trpc.useUtils();
  const { values, setValues, setErrors, field } = useFormFields(EMPTY);
  const [role, setRole] = useState<Role>('member');
  const create = trpc.users.create.useMutation({
    onSuccess: () => {
      setValues(EMPTY);
      setRole('member');
      void utils.users.list.invalidate();
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const found = findFieldErrors<Field>(
      {
        name: values.name.trim() ? undefined : 'Enter their name.',
        email: emailProblem(values.email),
        password: passwordProblem(values.password),
      },
      (field) => `person-${field}`,
    );
    setErrors(found ?? {});
    if (!found) create.mutate({ name: values.name.trim(), email: values.email.trim(), password: values.password, role });
  };

  return (
    <form onSubmit={submit} noValidate aria-labelledby="create-person-heading">
      <h2 id="create-person-heading">Add a person</h2>
      <TextField id="person-name" label="Name" autoComplete="off" {...field('name')} />
      <TextField id="person-email" label="Email" type="email" autoComplete="off" {...field('email')} />
      <TextField
        id="person-password"
        label="Initial password"
        type="password"
        autoComplete="new-password"
        hint={`At least ${MIN_PASSWORD_LENGTH} characters. Give it to them privately; they can change it on their Account page.`}
        {...field('password')}
      />
      <div className="field">
        <label htmlFor="person-role">Role</label>
        <select id="person-role" value={role} onChange={(event) => setRole(event.target.value as Role)}>
          <option value="member">Member: runs assistants, sees their own executions</option>
          <option value="admin">Admin: also sees everyone’s data and manages people</option>
        </select>
      </div>
      {create.error ? <ErrorMessage error={create.error} title="The person was not added" /> : null}
      {create.data ? (
        <p className="success-box" role="status">
          Added {create.data.name} ({create.data.email}) as {create.data.role === 'admin' ? 'an admin' : 'a member'}.
        </p>
      ) : null}
      <button type="submit" className="primary" disabled={create.isPending}>
        {create.isPending ? 'Adding…' : 'Add person'}
      </button>
    </form>
  );
}
