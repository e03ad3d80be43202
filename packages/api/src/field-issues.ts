import { TRPCError } from '@trpc/server';
import { ZodError } from 'zod';

/** One problem with one field of the input, by its path (`['prompts', 2, 'content']`). */
export interface FieldIssue {
  path: Array<string | number>;
  message: string;
}

/** A refusal found after the schema passed (an unknown model, tool or repository), naming its field. */
export class FieldProblemError extends Error {
  override name = 'FieldProblemError';
  constructor(
    readonly path: Array<string | number>,
    message: string,
  ) {
    super(message);
  }
}

/** A BAD_REQUEST whose answer carries the field at fault in `data.fieldIssues`. */
export function invalidField(path: Array<string | number>, message: string): TRPCError {
  return new TRPCError({ code: 'BAD_REQUEST', message, cause: new FieldProblemError(path, message) });
}

/** The fields at fault in an error's cause, for the error shape; null when it names none. */
export function fieldIssuesOf(cause: unknown): FieldIssue[] | null {
  if (cause instanceof FieldProblemError) return [{ path: cause.path, message: cause.message }];
  if (!(cause instanceof ZodError)) return null;
  return cause.issues.map((issue) => ({
    path: issue.path.filter((key): key is string | number => typeof key !== 'symbol'),
    message: issue.message,
  }));
}
