import type { RouterOutputs } from '@aae/api';
import { ColumnHeads } from '../components/column-heads.tsx';
import { ConfirmAction } from '../components/confirm-action.tsx';
import { ErrorMessage } from '../components/error-message.tsx';
import { formatDateTime } from '../components/format.ts';
import { TableScroll } from '../components/table-scroll.tsx';
import { trpc } from '../trpc.ts';

export type RetentionPolicy = RouterOutputs['retention']['policies'][number];

const POLICY_COLUMNS = ['Applies to', 'Keeps', 'A sweep now deletes', 'Changed'] as const;

/** Who a policy governs, as a person reads it. */
export function policySubject(policy: Pick<RetentionPolicy, 'assistantId' | 'assistantName'>): string {
  if (policy.assistantId === null) return 'Every assistant without its own policy';
  return policy.assistantName ?? `Assistant ${policy.assistantId}`;
}

export const days = (count: number) => `${count.toLocaleString('en-US')} ${count === 1 ? 'day' : 'days'}`;

const deletes = (expired: RetentionPolicy['expired']) =>
  expired.executions === 0 ? 'nothing' : `${expired.executions.toLocaleString('en-US')} execution(s), ${expired.events.toLocaleString('en-US')} event(s)`;

/** The policies, each with what it would delete now and a way to remove it. */
export function PolicyTable({ policies }: { policies: RetentionPolicy[] }) {
  const utils = trpc.useUtils();
  const remove = trpc.retention.remove.useMutation({ onSettled: () => void utils.retention.policies.invalidate() });
  if (policies.length === 0) {
    return <p className="muted">No policy: every execution and its events are kept forever.</p>;
  }
  return (
    <>
      <TableScroll label="Retention policies">
        <table className="executions-table retention-table">
          <ColumnHeads columns={POLICY_COLUMNS} actions />
          <tbody>
            {policies.map((policy) => (
              <tr key={policy.id} data-policy={policy.assistantId ?? 'installation'}>
                <td>{policySubject(policy)}</td>
                <td>{days(policy.keepDays)} after finishing</td>
                <td>{deletes(policy.expired)}</td>
                <td>
                  {formatDateTime(policy.updatedAt)}
                  {policy.updatedBy ? <span className="muted"> by {policy.updatedBy.name}</span> : null}
                </td>
                <td>
                  <ConfirmAction
                    label="Remove"
                    subject={`the policy for ${policySubject(policy)}`}
                    question={
                      policy.assistantId === null
                        ? 'Remove? Assistants without their own policy then keep everything.'
                        : 'Remove? This assistant then follows the installation-wide policy, if any.'
                    }
                    confirmLabel="Remove policy"
                    busy={remove.isPending && remove.variables?.assistantId === policy.assistantId}
                    onConfirm={() => remove.mutate({ assistantId: policy.assistantId })}
                  />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableScroll>
      {remove.error ? <ErrorMessage error={remove.error} title="The policy was not removed" /> : null}
    </>
  );
}
