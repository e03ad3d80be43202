import { useEffect, useRef, useState } from 'react';

interface ConfirmActionProps {
  /** The button's text, e.g. "Revoke"; `subject` follows it for screen readers ("Revoke ci"). */
  label: string;
  subject: string;
  /** Asked in place of the button, e.g. "Revoke “ci”? Programs using it stop at once." */
  question: string;
  confirmLabel: string;
  busy?: boolean;
  onConfirm(): void;
}

/** A button that asks before acting, in place rather than in a dialog, and keeps keyboard focus with the choice. */
export function ConfirmAction({ label, subject, question, confirmLabel, busy, onConfirm }: ConfirmActionProps) {
  const [asking, setAsking] = useState(false);
  const confirm = useRef<HTMLButtonElement>(null);
  const trigger = useRef<HTMLButtonElement>(null);
  const answered = useRef(false);
  useEffect(() => {
    if (asking) confirm.current?.focus();
    else if (answered.current) trigger.current?.focus();
  }, [asking]);
  const close = () => {
    answered.current = true;
    setAsking(false);
  };

  if (!asking) {
    return (
      <button ref={trigger} type="button" className="small" disabled={busy} onClick={() => setAsking(true)}>
        {busy ? `${label}…` : label}
        <span className="visually-hidden"> {subject}</span>
      </button>
    );
  }
  return (
    // biome-ignore lint/a11y/useSemanticElements: an inline group of controls, not a form's fieldset
    <span className="confirm" role="group" aria-label={`Confirm: ${label} ${subject}`}>
      <span className="confirm-question">{question}</span>
      <button
        ref={confirm}
        type="button"
        className="small danger"
        onClick={() => {
          onConfirm();
          close();
        }}
      >
        {confirmLabel}
      </button>
      <button type="button" className="small" onClick={close}>
        Cancel
      </button>
    </span>
  );
}
