import { useEffect, useRef } from 'react';
import { CopyField } from '../components/copy-field.tsx';
import { formatDateTime } from '../components/format.ts';
import type { NewToken } from './create-token-form.tsx';

/** The new token, shown this once: only its hash is kept, so it cannot be shown again. */
export function NewTokenNotice({ token, onDone }: { token: NewToken; onDone(): void }) {
  const box = useRef<HTMLElement>(null);
  // Where the eye and the screen reader go next: the token must not be missed.
  // biome-ignore lint/correctness/useExhaustiveDependencies: focused again for each new token
  useEffect(() => box.current?.focus(), [token.id]);

  return (
    <section ref={box} className="new-token" tabIndex={-1} aria-labelledby="new-token-heading">
      <h2 id="new-token-heading">Copy your new token “{token.name}” now</h2>
      <p>
        <strong>You won’t see it again.</strong> Only a hash of it is kept. If you lose it, revoke it and create another.
      </p>
      <CopyField id="new-token-value" label="Token" value={token.token} noun="token" />
      <p className="muted">
        Scopes: {token.scopes.join(', ')}. {token.expiresAt ? `Works until ${formatDateTime(token.expiresAt)}.` : 'Never expires.'}
      </p>
      <button type="button" onClick={onDone}>
        Done, I have copied it
      </button>
    </section>
  );
}
