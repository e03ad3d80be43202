import type { RouterInputs } from '@aae/api';
import { useState, type FormEvent } from 'react';
import { ErrorMessage } from '../components/error-message.tsx';
import { TextField } from '../components/text-field.tsx';
import { trpc } from '../trpc.ts';

const EVERY_ASSISTANT = 'all';

type EventTypeChoice = NonNullable<RouterInputs['webhooks']['create']['eventTypes']>[number];

/** Registers an endpoint; `onCreated` receives its secret, which is shown once. */
export function EndpointForm({ onCreated }: { onCreated(created: { url: string; secret: string }): void }) {
  const utils = trpc.useUtils();
  const eventTypes = trpc.webhooks.eventTypes.useQuery();
  const assistants = trpc.assistants.list.useQuery({ limit: 100 });
  const [url, setUrl] = useState('');
  const [description, setDescription] = useState('');
  const [chosen, setChosen] = useState<Set<EventTypeChoice>>(new Set());
  const [assistant, setAssistant] = useState(EVERY_ASSISTANT);
  const [enabled, setEnabled] = useState(true);
  const [problem, setProblem] = useState<string | undefined>();
  const create = trpc.webhooks.create.useMutation({
    onSuccess: (created) => {
      setUrl('');
      setDescription('');
      setChosen(new Set());
      onCreated({ url: created.endpoint.url, secret: created.secret });
      void utils.webhooks.list.invalidate();
    },
  });

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const found = /^https?:\/\/\S+$/.test(url.trim()) ? undefined : 'Enter an http:// or https:// URL.';
    setProblem(found);
    if (found) return;
    create.mutate({
      url: url.trim(),
      description,
      eventTypes: [...chosen],
      assistantId: assistant === EVERY_ASSISTANT ? null : Number(assistant),
      enabled,
    });
  };
  const toggle = (type: EventTypeChoice, on: boolean) => {
    const next = new Set(chosen);
    if (on) next.add(type);
    else next.delete(type);
    setChosen(next);
  };

  return (
    <form onSubmit={submit} noValidate aria-labelledby="new-endpoint-heading">
      <h2 id="new-endpoint-heading">Add an endpoint</h2>
      <TextField
        id="webhook-url"
        label="URL"
        required
        type="url"
        autoComplete="off"
        value={url}
        onChange={setUrl}
        error={problem}
        hint="Where signed POSTs go."
      />
      <TextField id="webhook-description" label="Description" autoComplete="off" value={description} onChange={setDescription} maxLength={500} />
      <fieldset className="scope-choices">
        <legend>Event types (none chosen: all of them)</legend>
        {(eventTypes.data ?? []).map((type) => (
          <div key={type} className="scope-choice">
            <input id={`webhook-type-${type}`} type="checkbox" checked={chosen.has(type)} onChange={(event) => toggle(type, event.target.checked)} />
            <label htmlFor={`webhook-type-${type}`}>
              <code>{type}</code>
            </label>
          </div>
        ))}
      </fieldset>
      <div className="field">
        <label htmlFor="webhook-assistant">Executions of</label>
        <select id="webhook-assistant" value={assistant} onChange={(event) => setAssistant(event.target.value)}>
          <option value={EVERY_ASSISTANT}>Every assistant</option>
          {(assistants.data?.items ?? []).map((item) => (
            <option key={item.id} value={String(item.id)}>
              {item.name}
            </option>
          ))}
        </select>
      </div>
      <div className="scope-choice">
        <input id="webhook-enabled" type="checkbox" checked={enabled} onChange={(event) => setEnabled(event.target.checked)} />
        <label htmlFor="webhook-enabled">Enabled</label>
      </div>
      <button type="submit" className="primary" disabled={create.isPending}>
        {create.isPending ? 'Adding…' : 'Add endpoint'}
      </button>
      {create.error ? <ErrorMessage error={create.error} title="The endpoint was not added" /> : null}
    </form>
  );
}
