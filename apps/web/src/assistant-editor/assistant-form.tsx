import { type FormEvent, useRef, useState } from 'react';
import { Link, useNavigate } from 'react-router';
import { ErrorMessage } from '../components/error-message.tsx';
import { TextField } from '../components/text-field.tsx';
import { missingRunInputs, RunInputFields } from '../components/run-input-fields.tsx';
import { trpc } from '../trpc.ts';
import { type AssistantDraft, type AssistantInput, type DraftErrors, errorsFromIssues, inputOf, runInputOf, staleErrorKeys } from './draft.ts';
import { describedBy, FieldError } from './field-error.tsx';
import { fieldId, focusField } from './field-ids.ts';
import { LeavePrompt, useLeaveGuard } from '../components/leave-guard.tsx';
import { PromptListEditor } from './prompt-list-editor.tsx';
import type { PromptOptions } from './prompt-fields.tsx';
import { VariableFields } from './variable-fields.tsx';

/** A refusal as the form reads it: its message, code and the fields it names. */
export interface SaveRefusal {
  message: string;
  data?: { code?: string; fieldIssues?: Array<{ path: Array<string | number>; message: string }> | null } | null;
}

export interface AssistantFormProps {
  heading: string;
  /** Beside the heading: which version is being edited. */
  headingNote?: React.ReactNode;
  initial: AssistantDraft;
  options: PromptOptions;
  /** The assistant being edited, which "Save and run" runs as it is when nothing changed; absent for a new one. */
  assistantId?: number;
  /** Stores the draft (create or save) and answers the assistant's id and its saved prompts' ids, in order. */
  save(input: AssistantInput): Promise<{ id: number; prompts?: ReadonlyArray<{ id: number }> }>;
  /** After a plain save: where to go (a new assistant's edit page), or nothing to stay. */
  afterSave?(id: number): string | null;
  /**
   * What a refusal of `save` means beyond its fields (a conflict), shown above the actions, or
   * null for the plain message; `retry` saves the same way again.
   */
  describeRefusal?(refusal: SaveRefusal, retry: () => void): React.ReactNode;
}

/** The whole assistant on one page: details, input variables, prompts, and the run inputs for "Save and run". */
export function AssistantForm({ heading, headingNote, initial, options, assistantId, save, afterSave, describeRefusal }: AssistantFormProps) {
  const navigate = useNavigate();
  const [draft, setDraft] = useState(initial);
  const [saved, setSaved] = useState(() => JSON.stringify(initial));
  const [errors, setErrors] = useState<DraftErrors>({});
  const [refusal, setRefusal] = useState<SaveRefusal | null>(null);
  const [general, setGeneral] = useState<string[]>([]);
  const [busy, setBusy] = useState<'save' | 'run' | null>(null);
  const [lastMode, setLastMode] = useState<'save' | 'run'>('save');
  const [notice, setNotice] = useState<string | null>(null);
  const [runValues, setRunValues] = useState<Record<string, string>>({});
  const [missing, setMissing] = useState<Set<string>>(new Set());
  const execute = trpc.executions.execute.useMutation();
  const dirty = JSON.stringify(draft) !== saved;
  // Guards while a save runs too: leaving then would lose the changes if the save is refused.
  const { blocker, allowNext } = useLeaveGuard(dirty);
  const noticeRef = useRef<HTMLParagraphElement>(null);

  const change = (next: AssistantDraft, touched: string[] = []) => {
    setDraft(next);
    setNotice(null);
    // The server's word on a prompt's content goes on any change: the live check says what still holds.
    const stale = (key: string) => touched.includes(key) || (key.startsWith('prompt.') && key.endsWith('.content'));
    if (Object.keys(errors).some(stale)) setErrors((current) => Object.fromEntries(Object.entries(current).filter(([key]) => !stale(key))));
  };
  const runVariables = draft.inputVariables.filter((variable) => variable.name.trim() !== '');

  /** Saves, then carries the saved prompts' ids into the draft so the next save continues their lines. */
  async function saveDraft(input: AssistantInput): Promise<number> {
    const result = await save(input);
    const ids = new Map(
      draft.prompts.flatMap((prompt, index) => {
        const stored = result.prompts?.[index];
        return stored ? [[prompt.key, stored.id] as const] : [];
      }),
    );
    const withIds = (prompts: AssistantDraft['prompts']) =>
      prompts.map((prompt) => (ids.has(prompt.key) ? { ...prompt, promptId: ids.get(prompt.key)! } : prompt));
    setErrors({});
    // Edits made while the save ran stay (and unsaved).
    setDraft((current) => ({ ...current, prompts: withIds(current.prompts) }));
    setSaved(JSON.stringify({ ...draft, prompts: withIds(draft.prompts) }));
    return result.id;
  }

  async function submit(mode: 'save' | 'run') {
    setLastMode(mode);
    setRefusal(null);
    setGeneral([]);
    const built = inputOf(draft);
    if ('errors' in built) {
      setErrors(built.errors);
      focusField(Object.keys(built.errors)[0]!);
      return;
    }
    if (mode === 'run') {
      const empty = missingRunInputs(runVariables, runValues);
      setMissing(new Set(empty));
      if (empty.length > 0) {
        document.getElementById(`run-input-${empty[0]}`)?.focus();
        return;
      }
    }
    setBusy(mode);
    try {
      // Nothing changed: run the version there is rather than saving the same again.
      const id = mode === 'run' && !dirty && assistantId !== undefined ? assistantId : await saveDraft(built.input);
      if (mode === 'run') {
        const { executionId } = await execute.mutateAsync({ assistantId: id, input: runInputOf(runVariables, runValues) });
        allowNext();
        navigate(`/executions/${executionId}`);
        return;
      }
      const next = afterSave?.(id) ?? null;
      if (next) {
        allowNext();
        navigate(next, { replace: true, state: { saved: true } });
        return;
      }
      setNotice('Saved.');
      noticeRef.current?.focus();
    } catch (error) {
      const answer = error as SaveRefusal;
      const issues = answer.data?.fieldIssues ?? [];
      const mapped = errorsFromIssues(draft, issues);
      setErrors(mapped.fields);
      setGeneral(mapped.general);
      // Problems shown beside their fields need no box; anything else (or a conflict) does.
      setRefusal(issues.length > 0 && mapped.general.length === 0 ? null : answer);
      const first = Object.keys(mapped.fields)[0];
      if (first) focusField(first);
      else document.getElementById('save-problem')?.focus();
    } finally {
      setBusy(null);
    }
  }

  return (
    <form
      className="panel assistant-form"
      noValidate
      onSubmit={(event: FormEvent) => {
        event.preventDefault();
        void submit('save');
      }}
      aria-labelledby="editor-heading"
    >
      <LeavePrompt blocker={blocker} />
      <div className="toolbar">
        <h1 id="editor-heading">{heading}</h1>
        {headingNote}
        {dirty ? <span className="badge unsaved">Unsaved changes</span> : null}
      </div>
      <section className="editor-section" aria-label="Details">
        <TextField
          id={fieldId('name')}
          label="Name"
          required
          value={draft.name}
          error={errors.name}
          onChange={(name) => change({ ...draft, name }, ['name'])}
        />
        <div className="field">
          <label htmlFor={fieldId('description')}>Description</label>
          <textarea
            id={fieldId('description')}
            rows={2}
            value={draft.description}
            aria-invalid={errors.description ? true : undefined}
            aria-describedby={describedBy(fieldId('description'), errors.description)}
            onChange={(event) => change({ ...draft, description: event.target.value }, ['description'])}
          />
          <FieldError id={fieldId('description')} error={errors.description} />
        </div>
        <div className="field">
          <label htmlFor={fieldId('visibility')}>Who can see and run it</label>
          <select
            id={fieldId('visibility')}
            value={draft.visibility}
            onChange={(event) => change({ ...draft, visibility: event.target.value as AssistantDraft['visibility'] }, ['visibility'])}
          >
            <option value="private">Only me (and admins)</option>
            <option value="shared">Everyone signed in</option>
          </select>
        </div>
      </section>
      <VariableFields
        variables={draft.inputVariables}
        errors={errors}
        onChange={(inputVariables) => {
          change({ ...draft, inputVariables }, ['inputVariables', ...Object.keys(errors).filter((key) => key.startsWith('variable.'))]);
          setRunValues((current) => runInputOf(inputVariables, current));
        }}
      />
      <PromptListEditor
        draft={draft}
        errors={errors}
        options={options}
        onChange={(prompts) => change({ ...draft, prompts }, staleErrorKeys(draft.prompts, prompts, errors))}
      />
      {runVariables.length > 0 ? (
        <section className="editor-section" aria-labelledby="run-inputs-heading">
          <h2 id="run-inputs-heading">Inputs for “Save and run”</h2>
          <RunInputFields
            variables={runVariables}
            values={runValues}
            missing={missing}
            idPrefix="run-input-"
            onChange={(name, value) => {
              setRunValues((current) => ({ ...current, [name]: value }));
              if (missing.has(name)) setMissing((current) => new Set([...current].filter((other) => other !== name)));
            }}
          />
        </section>
      ) : null}
      {refusal ? (
        <div id="save-problem" tabIndex={-1}>
          {describeRefusal?.(refusal, () => void submit(lastMode)) ?? (
            <ErrorMessage error={general.length > 0 ? { message: general.join('; '), data: refusal.data ?? null } : refusal} title="Not saved" />
          )}
        </div>
      ) : null}
      {execute.error ? <ErrorMessage error={execute.error} title="Saved, but the run did not start" /> : null}
      <p ref={noticeRef} className="save-notice" role="status" tabIndex={-1}>
        {notice}
      </p>
      <div className="form-actions">
        <button type="submit" className="primary" disabled={busy !== null}>
          {busy === 'save' ? 'Saving…' : 'Save'}
        </button>
        <button type="button" disabled={busy !== null} onClick={() => void submit('run')}>
          {busy === 'run' ? 'Saving and starting…' : 'Save and run'}
        </button>
        <Link to="/assistants">Back to assistants</Link>
      </div>
    </form>
  );
}
