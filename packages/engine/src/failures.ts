/** A failure with an honest answer to "would running it again help?", and what to show about it. */
export class ExecutionFailure extends Error {
  override name = 'ExecutionFailure';
  constructor(
    message: string,
    readonly recoverable: boolean,
    options?: { cause?: unknown; details?: string | undefined },
  ) {
    super(message, options);
    this.details = options?.details;
  }
  readonly details: string | undefined;
}

/** Why an execution's signal was aborted by the product (not by a failing call). */
export class CancelledError extends Error {
  override name = 'CancelledError';
  constructor(readonly by: string) {
    super(`Execution was cancelled by ${by}`);
  }
}

export class PromptTimeoutError extends Error {
  override name = 'PromptTimeoutError';
  constructor(
    readonly promptName: string,
    readonly timeoutMs: number,
  ) {
    super(`Prompt "${promptName}" timed out after ${timeoutMs} ms`);
  }
}
