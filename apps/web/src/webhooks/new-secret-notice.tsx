import { useEffect, useRef, useState } from 'react';

/** A signing secret, shown this once: the server never lists it again (rotate it to get a new one). */
export function NewSecretNotice({ url, secret, onDone }: { url: string; secret: string; onDone(): void }) {
  const box = useRef<HTMLElement>(null);
  const field = useRef<HTMLInputElement>(null);
  const [copied, setCopied] = useState<'yes' | 'no' | null>(null);
  // biome-ignore lint/correctness/useExhaustiveDependencies: focused again for each new secret
  useEffect(() => box.current?.focus(), [secret]);

  const copy = async () => {
    try {
      await navigator.clipboard.writeText(secret);
      setCopied('yes');
    } catch {
      // Without clipboard access the text is selected for copying by hand.
      field.current?.select();
      setCopied('no');
    }
  };

  return (
    <section ref={box} className="new-token" tabIndex={-1} aria-labelledby="new-secret-heading">
      <h2 id="new-secret-heading">Copy the signing secret now</h2>
      <p>
        <strong>You won’t see it again.</strong> The receiver at <code>{url}</code> verifies each message’s <code>webhook-signature</code> with it.
      </p>
      <div className="token-copy">
        <label htmlFor="new-secret-value">Signing secret</label>
        <input id="new-secret-value" ref={field} readOnly value={secret} spellCheck={false} onFocus={(event) => event.target.select()} />
        <button type="button" className="primary" onClick={() => void copy()}>
          Copy
        </button>
      </div>
      <p role="status" className="copy-status">
        {copied === 'yes' ? 'Copied to the clipboard.' : copied === 'no' ? 'Copying was not allowed: the secret is selected, press Ctrl+C (⌘C).' : ''}
      </p>
      <button type="button" onClick={onDone}>
        Done, I have copied it
      </button>
    </section>
  );
}
