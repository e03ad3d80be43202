import type { RouterOutputs } from '@aae/api';
import { useState, type FormEvent } from 'react';
import { ErrorMessage } from '../components/error-message.tsx';
import { findFieldErrors } from '../components/field-errors.ts';
import { TextField } from '../components/text-field.tsx';
import { useFormFields } from '../components/use-form-fields.ts';
import { trpc } from '../trpc.ts';

type Repository = RouterOutputs['knowledge']['repositories']['create'];

/** Creates a repository: its name, description, embedding model (of those the server offers) and who sees it. */
export function RepositoryForm({ onCreated }: { onCreated(repository: Repository): void }) {
  const utils = trpc.useUtils();
  const models = trpc.knowledge.repositories.embeddingModels.useQuery();
  const { values, setValues, setErrors, field } = useFormFields({ name: '', description: '' });
  const [model, setModel] = useState<string | null>(null);
  const [visibility, setVisibility] = useState<'private' | 'shared'>('private');
  const create = trpc.knowledge.repositories.create.useMutation({
    onSuccess: (repository) => {
      setValues({ name: '', description: '' });
      void utils.knowledge.repositories.list.invalidate();
      onCreated(repository);
    },
  });
  const chosenModel = model ?? models.data?.default ?? '';

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const problems = findFieldErrors({ name: values.name.trim() ? undefined : 'Enter a name.' }, (name) => `repository-${name}`);
    setErrors(problems ?? {});
    if (problems) return;
    create.mutate({ name: values.name.trim(), description: values.description, visibility, ...(chosenModel ? { embeddingModel: chosenModel } : {}) });
  };

  return (
    <form onSubmit={submit} noValidate aria-labelledby="new-repository-heading">
      <h2 id="new-repository-heading">Create a repository</h2>
      <TextField id="repository-name" label="Name" required autoComplete="off" maxLength={200} {...field('name')} />
      <TextField id="repository-description" label="Description" autoComplete="off" maxLength={5_000} {...field('description')} />
      <div className="field">
        <label htmlFor="repository-model">Embedding model</label>
        <select
          id="repository-model"
          value={chosenModel}
          disabled={!models.data}
          aria-describedby="repository-model-hint"
          onChange={(event) => setModel(event.target.value)}
        >
          {(models.data?.models ?? []).map((id) => (
            <option key={id} value={id}>
              {id}
              {id === models.data?.default ? ' (default)' : ''}
            </option>
          ))}
        </select>
        <small id="repository-model-hint" className="muted">
          Turns passages into vectors for vector and hybrid search; it cannot be changed later.
        </small>
      </div>
      <div className="field">
        <label htmlFor="repository-visibility">Who sees it</label>
        <select id="repository-visibility" value={visibility} onChange={(event) => setVisibility(event.target.value === 'shared' ? 'shared' : 'private')}>
          <option value="private">Only me (and admins)</option>
          <option value="shared">Everyone signed in</option>
        </select>
      </div>
      <button type="submit" className="primary" disabled={create.isPending}>
        {create.isPending ? 'Creating…' : 'Create repository'}
      </button>
      {models.error ? <ErrorMessage error={models.error} title="Could not load the embedding models" /> : null}
      {create.error ? <ErrorMessage error={create.error} title="The repository was not created" /> : null}
    </form>
  );
}
