import { useState } from 'react';
import { ErrorMessage } from '../components/error-message.tsx';
import { trpc } from '../trpc.ts';
import { DeliveryLog } from '../webhooks/delivery-log.tsx';
import { EndpointForm } from '../webhooks/endpoint-form.tsx';
import { EndpointTable } from '../webhooks/endpoint-table.tsx';
import { NewSecretNotice } from '../webhooks/new-secret-notice.tsx';

/** Signed webhooks (admins): endpoints, their secrets once, their delivery logs. */
export function WebhooksPage() {
  // Sooner while messages wait, so counts and a disabling show promptly.
  const endpoints = trpc.webhooks.list.useQuery(undefined, {
    refetchInterval: (query) => (query.state.data?.some((endpoint) => endpoint.enabled && endpoint.deliveries.pending > 0) ? 1_000 : 5_000),
  });
  const [secret, setSecret] = useState<{ url: string; secret: string } | null>(null);
  const [selected, setSelected] = useState<number | null>(null);
  const chosen = endpoints.data?.find((endpoint) => endpoint.id === selected);
  const disabled = endpoints.data?.filter((endpoint) => !endpoint.enabled && endpoint.disabledReason?.startsWith('Disabled after')) ?? [];
  return (
    <>
      <section className="panel" aria-labelledby="webhooks-heading">
        <h1 id="webhooks-heading">Webhooks</h1>
        <p className="muted">
          Each event is sent, signed per Standard Webhooks, to every enabled endpoint that asked for its type and assistant. A refused message is retried after
          5 s, 5 min, 30 min, 2 h, 5 h, 10 h and 10 h; an endpoint that keeps failing is disabled until an admin re-enables it.
        </p>
        {disabled.length > 0 ? (
          <div className="error-box" role="alert">
            <strong>{disabled.length === 1 ? 'An endpoint was' : `${disabled.length} endpoints were`} disabled after repeated failures</strong>
            <p>
              Fix the receiver, then re-enable it: the messages queued before it was disabled are sent then. Events that happened while it was disabled are not
              queued for it; "Send again" in its log sends a past message anew.
            </p>
          </div>
        ) : null}
        {secret ? <NewSecretNotice url={secret.url} secret={secret.secret} onDone={() => setSecret(null)} /> : null}
        {endpoints.error ? <ErrorMessage error={endpoints.error} title="Could not load the endpoints" /> : null}
        {endpoints.isPending ? (
          <p className="muted" role="status">
            Loading…
          </p>
        ) : null}
        {endpoints.data ? <EndpointTable endpoints={endpoints.data} selected={selected} onSelect={setSelected} onSecret={setSecret} /> : null}
      </section>
      {chosen ? <DeliveryLog key={chosen.id} endpointId={chosen.id} url={chosen.url} enabled={chosen.enabled} /> : null}
      <section className="panel narrow-form">
        <EndpointForm onCreated={setSecret} />
      </section>
    </>
  );
}
