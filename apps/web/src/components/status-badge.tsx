import type { ExecutionStatus } from '@aae/events';
import type { ConnectionState } from '../execution-events/execution-events-state.ts';
import type { LiveStatus, PromptStatus } from '../execution-events/fold.ts';

const STATUS_LABEL: Record<LiveStatus | PromptStatus | ExecutionStatus, string> = {
  idle: 'Waiting',
  pending: 'Queued',
  running: 'Running',
  complete: 'Complete',
  completed: 'Complete',
  error: 'Error',
  failed: 'Failed',
};

export function StatusBadge({ status }: { status: keyof typeof STATUS_LABEL }) {
  return <span className={`status status-${status}`}>{STATUS_LABEL[status]}</span>;
}

const CONNECTION_LABEL: Record<ConnectionState, string> = {
  connecting: 'Connecting…',
  live: 'Live',
  reconnecting: 'Reconnecting…',
  ended: 'Stream ended',
  error: 'Disconnected',
};

export function ConnectionBadge({ connection }: { connection: ConnectionState }) {
  return (
    <span className={`connection connection-${connection}`} role="status" aria-live="polite">
      {CONNECTION_LABEL[connection]}
    </span>
  );
}
