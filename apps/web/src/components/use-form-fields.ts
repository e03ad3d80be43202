import { useState } from 'react';
import type { FieldErrors } from './field-errors.ts';

/**
 * A form's text values and the problems found in them. `field(name)` is one field's value, change
 * handler and error, to spread onto a `TextField`.
 */
export function useFormFields<K extends string>(initial: Record<K, string>) {
  const [values, setValues] = useState(initial);
  const [errors, setErrors] = useState<FieldErrors<K>>({});
  const set = (name: K) => (value: string) => setValues((current) => ({ ...current, [name]: value }));
  const field = (name: K) => ({ value: values[name], onChange: set(name), error: errors[name] });
  return { values, setValues, errors, setErrors, set, field };
}
