import type { ExecutionView } from '../execution-events/fold.ts';

/** Why the execution failed, with the details folded away. */
export function ExecutionFailure({ error }: { error: NonNullable<ExecutionView['error']> }) {
  return (
    <div className="error-box execution-error-box" role="alert">
      <strong>
        Execution failed{error.recoverable ? ' (you can run it again)' : ''}: {error.message}
      </strong>
      {error.details ? (
        <details>
          <summary>Details</summary>
          <pre>{error.details}</pre>
        </details>
      ) : null}
    </div>
  );
}
