import { TextField } from '../components/text-field.tsx';
import type { DraftErrors, VariableDraft, VariableType } from './draft.ts';
import { fieldId } from './field-ids.ts';
import { newVariable } from './draft.ts';
import { FieldError } from './field-error.tsx';

interface VariableFieldsProps {
  variables: VariableDraft[];
  errors: DraftErrors;
  onChange(variables: VariableDraft[]): void;
}

const TYPES: ReadonlyArray<{ value: VariableType; label: string }> = [
  { value: 'text', label: 'Text' },
  { value: 'textarea', label: 'Long text' },
  { value: 'number', label: 'Number' },
];

/** The inputs an assistant asks for when it runs: each is `{{name}}` in a prompt. */
export function VariableFields({ variables, errors, onChange }: VariableFieldsProps) {
  const update = (key: string, change: Partial<VariableDraft>) =>
    onChange(variables.map((variable) => (variable.key === key ? { ...variable, ...change } : variable)));
  return (
    <section className="editor-section" aria-labelledby="variables-heading">
      <h2 id="variables-heading">Input variables</h2>
      <FieldError id={fieldId('inputVariables')} error={errors.inputVariables} />
      {variables.length === 0 ? <p className="muted">None yet: a run of this assistant asks for nothing.</p> : null}
      <ol className="variable-list">
        {variables.map((variable, index) => {
          const base = `variable.${variable.key}`;
          const title = variable.name || `variable ${index + 1}`;
          return (
            <li key={variable.key} className="variable-row">
              <fieldset>
                <legend>Variable {title}</legend>
                <TextField
                  id={fieldId(`${base}.name`)}
                  label="Name"
                  autoComplete="off"
                  spellCheck={false}
                  hint={`Used as {{${variable.name || 'name'}}}`}
                  value={variable.name}
                  error={errors[`${base}.name`]}
                  onChange={(name) => update(variable.key, { name })}
                />
                <TextField
                  id={fieldId(`${base}.label`)}
                  label="Label"
                  value={variable.label}
                  error={errors[`${base}.label`]}
                  onChange={(label) => update(variable.key, { label })}
                />
                <div className="field">
                  <label htmlFor={fieldId(`${base}.type`)}>Type</label>
                  <select
                    id={fieldId(`${base}.type`)}
                    value={variable.type}
                    onChange={(event) => update(variable.key, { type: event.target.value as VariableType })}
                  >
                    {TYPES.map((type) => (
                      <option key={type.value} value={type.value}>
                        {type.label}
                      </option>
                    ))}
                  </select>
                </div>
                <div className="field checkbox-field">
                  <input
                    id={fieldId(`${base}.required`)}
                    type="checkbox"
                    checked={variable.required}
                    onChange={(event) => update(variable.key, { required: event.target.checked })}
                  />
                  <label htmlFor={fieldId(`${base}.required`)}>Required</label>
                </div>
                <div className="wide">
                  <TextField
                    id={fieldId(`${base}.description`)}
                    label="Description"
                    value={variable.description}
                    error={errors[`${base}.description`]}
                    onChange={(description) => update(variable.key, { description })}
                  />
                </div>
                <button type="button" className="small danger" onClick={() => onChange(variables.filter((other) => other.key !== variable.key))}>
                  Remove<span className="visually-hidden"> variable {title}</span>
                </button>
              </fieldset>
            </li>
          );
        })}
      </ol>
      <button type="button" onClick={() => onChange([...variables, newVariable()])}>
        Add variable
      </button>
    </section>
  );
}
