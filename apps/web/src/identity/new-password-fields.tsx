import { TextField } from '../components/text-field.tsx';
import { MIN_PASSWORD_LENGTH } from './account-rules.ts';

interface NewPasswordFieldsProps {
  /** Ids are `<idPrefix>-password` and `<idPrefix>-confirm`, for focusing the field at fault. */
  idPrefix: string;
  /** "Password" or "New password"; the second field confirms it. */
  label: string;
  values: { password: string; confirm: string };
  errors: { password?: string | undefined; confirm?: string | undefined };
  onChange(field: 'password' | 'confirm', value: string): void;
}

/** A new password typed twice, with the length rule beside it; checked with `passwordProblem` and `confirmationProblem`. */
export function NewPasswordFields({ idPrefix, label, values, errors, onChange }: NewPasswordFieldsProps) {
  return (
    <>
      <TextField
        id={`${idPrefix}-password`}
        label={label}
        type="password"
        autoComplete="new-password"
        hint={`At least ${MIN_PASSWORD_LENGTH} characters.`}
        value={values.password}
        onChange={(value) => onChange('password', value)}
        error={errors.password}
      />
      <TextField
        id={`${idPrefix}-confirm`}
        label={`Confirm ${label.toLowerCase()}`}
        type="password"
        autoComplete="new-password"
        value={values.confirm}
        onChange={(value) => onChange('confirm', value)}
        error={errors.confirm}
      />
    </>
  );
}
