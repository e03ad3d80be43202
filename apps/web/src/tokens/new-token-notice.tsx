import { useEffect, useRef, useState } from 'react';
import { formatDateTime } from '../components/format.ts';
import type { NewToken } from './create-token-form.tsx';

/** The new token, shown this once: only its hash is kept, so it cannot be shown again. */
export function NewTokenNotice({ token, onDone }: { token: NewToken; onDone(): void }) {
  const box = useRef<HTMLElement>(null);
  const field = useRef<HTMLInputElement>(null);
  const [copied, setCopied] = useState<'yes' | 'no' | null>(null);
  // Where the eye and the screen reader go next: the token must not be missed.
  // biome-ignore lint/correctness/useExhaustiveDependencies: focused again for each new token
  useEffect(() => box.current?.focus(), [token.id]);

  const copy = async () => {
    try {
      await navigator.clipboard.writeText(token.token);
      setCopied('yes');
    } catch {
      // Without clipboard access (an insecure origin, a refusal) the text is selected for copying by hand.
      field.current?.select();
      setCopied('no');
    }
  };

  return (
    <section ref={box} className="new-token" tabIndex={-1} aria-labelledby="new-token-heading">
      <h2 id="new-token-heading">Copy your new token “{token.name}” now</h2>
      <p>
        <strong>You won’t see it again.</strong> Only a hash of it is kept. If you lose it, revoke it and create another.
      </p>
      <div className="token-copy">
        <label htmlFor="new-token-value">Token</label>
        <input id="new-token-value" ref={field} readOnly value={token.token} spellCheck={false} onFocus={(event) => event.target.select()} />
        <button type="button" className="primary" onClick={() => void copy()}>
          Copy
        </button>
      </div>
      <p role="status" className="copy-status">
        {copied === 'yes' ? 'Copied to the clipboard.' : copied === 'no' ? 'Copying was not allowed: the token is selected, press Ctrl+C (⌘C).' : ''}
      </p>
      <p className="muted">
        Scopes: {token.scopes.join(', ')}. {token.expiresAt ? `Works until ${formatDateTime(token.expiresAt)}.` : 'Never expires.'}
      </p>
      <button type="button" onClick={onDone}>
        Done, I have copied it
      </button>
    </section>
  );
}
