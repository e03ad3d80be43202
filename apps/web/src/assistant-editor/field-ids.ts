import type { FieldKey } from './draft.ts';

/** The element id of a form field by its key (`prompt.p3.content` → `f-prompt-p3-content`). */
export function fieldId(key: FieldKey): string {
  return `f-${key.replaceAll('.', '-')}`;
}

/** Focuses a field by its key; a prompt's content is the editable area inside its editor. */
export function focusField(key: FieldKey): void {
  const element = document.getElementById(fieldId(key));
  const editable = element?.shadowRoot?.querySelector<HTMLElement>('.cm-content');
  (editable ?? element)?.focus();
}
