import { TRPCClientError } from '@trpc/client';

/** What the command's exit status tells a script; documented in the README and in `aae --help`. */
export const EXIT = {
  completed: 0,
  failed: 1,
  usage: 2,
  cancelled: 3,
  denied: 4,
  notFound: 5,
  unreachable: 6,
  serverError: 7,
  interrupted: 130,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export const EXIT_CODE_HELP = `Exit codes:
  0    the command did what it was asked (run / watch: the execution completed)
  1    the execution failed
  2    bad usage: an unknown option, a missing argument, a bad --input, a value the server refused
  3    the execution was cancelled
  4    denied: not signed in, a token expired, revoked or without the scope, or forbidden
  5    not found: no such execution or assistant (or someone else's)
  6    the server is not reachable
  7    the server failed (an internal error)
  130  interrupted (Ctrl-C): a run goes on on the server`;

/** An error the command line reports as one line on stderr and turns into its exit code. */
export class CliError extends Error {
  constructor(
    readonly exitCode: ExitCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'CliError';
  }
}

const TRPC_CODES: Record<string, ExitCode> = {
  BAD_REQUEST: EXIT.usage,
  PARSE_ERROR: EXIT.usage,
  UNPROCESSABLE_CONTENT: EXIT.usage,
  UNAUTHORIZED: EXIT.denied,
  FORBIDDEN: EXIT.denied,
  NOT_FOUND: EXIT.notFound,
  CONFLICT: EXIT.usage,
  TOO_MANY_REQUESTS: EXIT.serverError,
  INTERNAL_SERVER_ERROR: EXIT.serverError,
  SERVICE_UNAVAILABLE: EXIT.unreachable,
};

/** True for a request that got no answer at all (refused, reset, unknown host). */
function isNetworkFailure(error: unknown): boolean {
  for (let current: unknown = error; current instanceof Error; current = current.cause) {
    const code = (current as { code?: unknown }).code;
    if (
      typeof code === 'string' &&
      /^(ECONNREFUSED|ECONNRESET|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ETIMEDOUT|UND_ERR_SOCKET|UND_ERR_CONNECT_TIMEOUT)$/.test(code)
    ) {
      return true;
    }
    if (current.message === 'fetch failed') return true;
  }
  return false;
}

/** Turns anything thrown into the message and exit code a person and a script see. */
export function describeFailure(error: unknown, serverUrl?: string): CliError {
  if (error instanceof CliError) return error;
  if (isNetworkFailure(error)) {
    return new CliError(EXIT.unreachable, `The server at ${serverUrl ?? 'the configured address'} is not reachable`, { cause: error });
  }
  if (error instanceof TRPCClientError) {
    const code = (error.data as { code?: string } | undefined)?.code;
    if (code === undefined) {
      return new CliError(EXIT.unreachable, `The server at ${serverUrl ?? 'the configured address'} did not answer as the API does: ${error.message}`, {
        cause: error,
      });
    }
    return new CliError(TRPC_CODES[code] ?? EXIT.serverError, error.message, { cause: error });
  }
  return new CliError(EXIT.serverError, error instanceof Error ? error.message : String(error), { cause: error });
}
