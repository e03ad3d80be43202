export interface RunVariable {
  name: string;
  label: string;
  type: 'text' | 'textarea' | 'number';
  required: boolean;
  description?: string | undefined;
}

/** The names of the required variables left empty, in the form's order. */
export function missingRunInputs(variables: readonly RunVariable[], values: Readonly<Record<string, string>>): string[] {
  return variables.filter((variable) => variable.required && !values[variable.name]?.trim()).map((variable) => variable.name);
}

interface RunInputFieldsProps {
  variables: readonly RunVariable[];
  values: Readonly<Record<string, string>>;
  /** Required variables found empty, each then marked and explained. */
  missing: ReadonlySet<string>;
  onChange(name: string, value: string): void;
  /** Prefixes each field's id (`${idPrefix}${name}`). */
  idPrefix?: string;
}

/** One labelled field per input variable of an assistant, as a run needs them. */
export function RunInputFields({ variables, values, missing, onChange, idPrefix = 'input-' }: RunInputFieldsProps) {
  return variables.map((variable) => {
    const id = `${idPrefix}${variable.name}`;
    const invalid = missing.has(variable.name);
    const props = {
      id,
      name: variable.name,
      value: values[variable.name] ?? '',
      required: variable.required,
      'aria-invalid': invalid || undefined,
      'aria-describedby': `${id}-hint${invalid ? ` ${id}-error` : ''}`,
      onChange: (event: { target: { value: string } }) => onChange(variable.name, event.target.value),
    };
    return (
      <div className="field" key={variable.name}>
        <label htmlFor={id}>
          {variable.label || variable.name}
          {variable.required ? (
            <span className="required" aria-hidden="true">
              {' '}
              *
            </span>
          ) : (
            <span className="muted"> (optional)</span>
          )}
        </label>
        {variable.type === 'textarea' ? <textarea rows={4} {...props} /> : <input type={variable.type === 'number' ? 'number' : 'text'} {...props} />}
        <small id={`${id}-hint`} className="muted">
          {variable.description || `{{${variable.name}}}`}
        </small>
        {invalid ? (
          <small id={`${id}-error`} className="field-error" role="alert">
            {variable.label || variable.name} is required.
          </small>
        ) : null}
      </div>
    );
  });
}
