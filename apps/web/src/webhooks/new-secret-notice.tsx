import { useEffect, useRef } from 'react';
import { CopyField } from '../components/copy-field.tsx';

/** A signing secret, shown this once: the server never lists it again (rotate it to get a new one). */
export function NewSecretNotice({ url, secret, onDone }: { url: string; secret: string; onDone(): void }) {
  const box = useRef<HTMLElement>(null);
  // biome-ignore lint/correctness/useExhaustiveDependencies: focused again for each new secret
  useEffect(() => box.current?.focus(), [secret]);

  return (
    <section ref={box} className="new-token" tabIndex={-1} aria-labelledby="new-secret-heading">
      <h2 id="new-secret-heading">Copy the signing secret now</h2>
      <p>
        <strong>You won’t see it again.</strong> The receiver at <code>{url}</code> verifies each message’s <code>webhook-signature</code> with it.
      </p>
      <CopyField id="new-secret-value" label="Signing secret" value={secret} noun="secret" />
      <button type="button" onClick={onDone}>
        Done, I have copied it
      </button>
    </section>
  );
}
