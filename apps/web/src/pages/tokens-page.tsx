import { useState } from 'react';
import { CreateTokenForm, type NewToken } from '../tokens/create-token-form.tsx';
import { NewTokenNotice } from '../tokens/new-token-notice.tsx';
import { TokenTable } from '../tokens/token-table.tsx';

/** Personal access tokens: for scripts and programs that call the API as you. */
export function TokensPage() {
  const [created, setCreated] = useState<NewToken | null>(null);
  return (
    <>
      <section className="panel" aria-labelledby="tokens-heading">
        <h1 id="tokens-heading">Personal access tokens</h1>
        <p className="muted">A token lets a script or program call the API as you, with only the scopes you give it. Revoke one you no longer use.</p>
        {created ? <NewTokenNotice token={created} onDone={() => setCreated(null)} /> : null}
      </section>
      <section className="panel narrow-form">
        <CreateTokenForm onCreated={setCreated} />
      </section>
      <section className="panel" aria-labelledby="token-list-heading">
        <h2 id="token-list-heading">Your tokens</h2>
        <TokenTable />
      </section>
      <TokenUsage />
    </>
  );
}

function TokenUsage() {
  const origin = window.location.origin;
  return (
    <section className="panel" aria-labelledby="token-usage-heading">
      <h2 id="token-usage-heading">Using a token</h2>
      <p>
        Send it in the <code>Authorization</code> header: <code>Authorization: Bearer aae_pat_…</code>. For example, your executions as CSV:
      </p>
      <pre>
        <code>{`curl -H "Authorization: Bearer $AAE_TOKEN" ${origin}/api/executions.csv`}</code>
      </pre>
      <p>From TypeScript, the typed client takes it as it is:</p>
      <pre>
        <code>{`import { createAaeClient } from '@aae/client';

const client = createAaeClient({ baseUrl: '${origin}', token: process.env.AAE_TOKEN });
const me = await client.users.me.query();`}</code>
      </pre>
    </section>
  );
}
