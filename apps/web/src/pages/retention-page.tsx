import { ErrorMessage } from '../components/error-message.tsx';
import { PolicyTable } from '../retention/policy-table.tsx';
import { SetPolicyForm } from '../retention/set-policy-form.tsx';
import { SweepNow } from '../retention/sweep-now.tsx';
import { trpc } from '../trpc.ts';

/** How long executions and their events are kept (admins): policies, what they would delete, a sweep now. */
export function RetentionPage() {
  const policies = trpc.retention.policies.useQuery();
  return (
    <>
      <section className="panel" aria-labelledby="retention-heading">
        <h1 id="retention-heading">Retention</h1>
        <p className="muted">
          Finished executions, their events and outputs are deleted once their policy’s days have passed since they finished. An assistant’s own policy
          overrides the installation-wide one; with no policy, everything is kept. Workers sweep regularly; each sweep that deletes something is in the audit
          log.
        </p>
        {policies.error ? <ErrorMessage error={policies.error} title="Could not load the policies" /> : null}
        {policies.isPending ? (
          <p className="muted" role="status">
            Loading…
          </p>
        ) : null}
        {policies.data ? <PolicyTable policies={policies.data} /> : null}
        <SweepNow />
      </section>
      <section className="panel narrow-form">{policies.data ? <SetPolicyForm policies={policies.data} /> : null}</section>
    </>
  );
}
