import {
  AssistantNotFoundError,
  AssistantVersionConflictError,
  EmailTakenError,
  InvalidCursorError,
  KnowledgeRepositoryNotFoundError,
  LastAdminError,
  MixedEmbeddingModelsError,
  NotAnAdminError,
  RetentionAssistantNotFoundError,
  UnknownPromptError,
  WebhookAssistantNotFoundError,
  WebhookDeliveryNotFoundError,
  WebhookEndpointNotFoundError,
} from '@aae/db';
import { UnknownEmbeddingModelError } from '@aae/engine';
import { ImportNotFoundError, ImportsClosedError, LimitReachedError, SequenceNotReachedError, WebhookDestinationError } from '@aae/runtime';
import { TRPCError, type TRPC_ERROR_CODE_KEY } from '@trpc/server';

/** Each domain error a caller can act on, with its code (and its message, when it says more than the error's). */
const DOMAIN_ERRORS: Array<{ type: abstract new (...args: never[]) => Error; code: TRPC_ERROR_CODE_KEY; message?: (error: Error) => string }> = [
  { type: InvalidCursorError, code: 'BAD_REQUEST' },
  { type: KnowledgeRepositoryNotFoundError, code: 'NOT_FOUND' },
  { type: RetentionAssistantNotFoundError, code: 'NOT_FOUND' },
  { type: MixedEmbeddingModelsError, code: 'BAD_REQUEST' },
  { type: WebhookEndpointNotFoundError, code: 'NOT_FOUND' },
  { type: WebhookDeliveryNotFoundError, code: 'NOT_FOUND' },
  { type: WebhookAssistantNotFoundError, code: 'NOT_FOUND' },
  // A destination the SSRF policy refuses, or a URL that is not one.
  { type: WebhookDestinationError, code: 'BAD_REQUEST' },
  // The repository was embedded by a model this deployment no longer configures.
  { type: UnknownEmbeddingModelError, code: 'PRECONDITION_FAILED', message: (error) => `${error.message} Use keyword search, or configure the model again.` },
  { type: ImportNotFoundError, code: 'NOT_FOUND' },
  { type: ImportsClosedError, code: 'SERVICE_UNAVAILABLE' },
  { type: EmailTakenError, code: 'CONFLICT' },
  { type: AssistantNotFoundError, code: 'NOT_FOUND' },
  // A save from a version that is no longer the current one.
  { type: AssistantVersionConflictError, code: 'CONFLICT' },
  { type: UnknownPromptError, code: 'BAD_REQUEST' },
  { type: LastAdminError, code: 'CONFLICT' },
  { type: NotAnAdminError, code: 'FORBIDDEN' },
  { type: LimitReachedError, code: 'TOO_MANY_REQUESTS' },
  // A stream resumed after a sequence its execution has not reached.
  { type: SequenceNotReachedError, code: 'BAD_REQUEST' },
];

const MAX_CAUSE_DEPTH = 10;

/**
 * The answer for an error: a `TRPCError` that already has its code as it is; otherwise the first
 * domain error along its `cause`s, as its code with its message (the domain error stays the
 * cause); null for anything else, which is the server's failure.
 */
export function domainError(error: unknown): TRPCError | null {
  if (error instanceof TRPCError && error.code !== 'INTERNAL_SERVER_ERROR') return error;
  // A bounded walk: a chain of causes can loop back on itself.
  let depth = 0;
  for (let cause: unknown = error; cause instanceof Error && depth < MAX_CAUSE_DEPTH; cause = cause.cause, depth++) {
    const known = cause;
    const entry = DOMAIN_ERRORS.find(({ type }) => known instanceof type);
    if (entry) return new TRPCError({ code: entry.code, message: entry.message?.(known) ?? known.message, cause: known });
  }
  return null;
}

/** The items of `source`, its domain errors answered as `domainError` says. */
export async function* withDomainErrors<T>(source: AsyncIterable<T>): AsyncGenerator<T, void, undefined> {
  try {
    yield* source;
  } catch (error) {
    throw domainError(error) ?? error;
  }
}
