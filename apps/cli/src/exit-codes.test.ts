import { TRPCClientError } from '@trpc/client';
import { describe, expect, it } from 'vitest';
import { CliError, describeFailure, EXIT } from './exit-codes.ts';

const refusal = (code: string, message: string) =>
  TRPCClientError.from({ error: { message, code: -32000, data: { code, httpStatus: 400 } } }) as TRPCClientError<never>;

describe('describeFailure', () => {
  it("maps the API's refusals to exit codes, keeping the server's message", () => {
    expect(describeFailure(refusal('UNAUTHORIZED', 'Token revoked'))).toMatchObject({ exitCode: EXIT.denied, message: 'Token revoked' });
    expect(describeFailure(refusal('FORBIDDEN', 'Needs executions:write')).exitCode).toBe(EXIT.denied);
    expect(describeFailure(refusal('NOT_FOUND', 'Execution 9 does not exist')).exitCode).toBe(EXIT.notFound);
    expect(describeFailure(refusal('BAD_REQUEST', 'Missing required input variable "topic"')).exitCode).toBe(EXIT.usage);
    expect(describeFailure(refusal('CONFLICT', 'Execution 9 has already finished')).exitCode).toBe(EXIT.usage);
    expect(describeFailure(refusal('INTERNAL_SERVER_ERROR', 'boom')).exitCode).toBe(EXIT.serverError);
  });

  it('calls a request that got no answer an unreachable server, naming it', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' });
    const fetchFailed = new TypeError('fetch failed', { cause: refused });
    const viaClient = TRPCClientError.from(fetchFailed);
    for (const error of [refused, fetchFailed, viaClient]) {
      expect(describeFailure(error, 'http://127.0.0.1:9')).toMatchObject({
        exitCode: EXIT.unreachable,
        message: 'The server at http://127.0.0.1:9 is not reachable',
      });
    }
  });

  it('keeps a CliError as it is and gives anything else the server-error code', () => {
    const usage = new CliError(EXIT.usage, 'bad');
    expect(describeFailure(usage)).toBe(usage);
    expect(describeFailure(new Error('odd'))).toMatchObject({ exitCode: EXIT.serverError, message: 'odd' });
  });

  it('gives every outcome its own code', () => {
    const codes = Object.values(EXIT);
    expect(new Set(codes).size).toBe(codes.length);
    expect(EXIT.completed).toBe(0);
  });
});
