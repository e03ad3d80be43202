/** A field's error under it, tied to it by `${id}-error`. */
export function FieldError({ id, error }: { id: string; error: string | undefined }) {
  return error ? (
    <small id={`${id}-error`} className="field-error">
      {error}
    </small>
  ) : null;
}

/** `aria-describedby` for a field with an optional hint (`${id}-hint`) and its error. */
export function describedBy(id: string, error: string | undefined, hint = false): string | undefined {
  return [hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ') || undefined;
}
