import { useRef, useState } from 'react';

/** A read-only value with a Copy button; without clipboard access the text is selected for copying by hand. */
export function CopyField({ id, label, value, noun }: { id: string; label: string; value: string; noun: string }) {
  const field = useRef<HTMLInputElement>(null);
  const [copied, setCopied] = useState<'yes' | 'no' | null>(null);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(value);
      setCopied('yes');
    } catch {
      // An insecure origin, or a refusal.
      field.current?.select();
      setCopied('no');
    }
  };
  return (
    <>
      <div className="token-copy">
        <label htmlFor={id}>{label}</label>
        <input id={id} ref={field} readOnly value={value} spellCheck={false} onFocus={(event) => event.target.select()} />
        <button type="button" className="primary" onClick={() => void copy()}>
          Copy
        </button>
      </div>
      <p role="status" className="copy-status">
        {copied === 'yes' ? 'Copied to the clipboard.' : copied === 'no' ? `Copying was not allowed: the ${noun} is selected, press Ctrl+C (⌘C).` : ''}
      </p>
    </>
  );
}
