import { InvalidCursorError, LastAdminError } from '@aae/db';
import { UnknownEmbeddingModelError } from '@aae/engine';
import { LimitReachedError } from '@aae/runtime';
import { TRPCError } from '@trpc/server';
import { describe, expect, it } from 'vitest';
import { domainError, withDomainErrors } from './domain-errors.ts';

describe('domainError', () => {
  it('answers a domain error with its code and message, found along the causes', () => {
    const cursor = new InvalidCursorError('"x" is not a cursor from this list (sorted by createdAt)');
    const wrapped = new TRPCError({ code: 'INTERNAL_SERVER_ERROR', cause: new Error('in a transaction', { cause: cursor }) });
    expect(domainError(wrapped)).toMatchObject({ code: 'BAD_REQUEST', message: cursor.message, cause: cursor });
    expect(domainError(new LastAdminError('admin@example.test'))).toMatchObject({ code: 'CONFLICT' });
    expect(domainError(new LimitReachedError('Too many', 'streamsPerPerson', 5))).toMatchObject({ code: 'TOO_MANY_REQUESTS', message: 'Too many' });
  });

  it('says more where the error alone would not', () => {
    const unknown = new UnknownEmbeddingModelError('gone', ['local']);
    expect(domainError(unknown)?.message).toBe(`${unknown.message} Use keyword search, or configure the model again.`);
  });

  it('keeps an error that has its code, and leaves anything else to be the server’s failure', () => {
    const forbidden = new TRPCError({ code: 'FORBIDDEN', message: 'no', cause: new InvalidCursorError('x') });
    expect(domainError(forbidden)).toBe(forbidden);
    expect(domainError(new Error('boom'))).toBeNull();
    expect(domainError(new TRPCError({ code: 'INTERNAL_SERVER_ERROR' }))).toBeNull();
    expect(domainError('text')).toBeNull();
  });

  it('gives up on a chain of causes that loops back on itself', () => {
    const first = new Error('first');
    const second = new Error('second', { cause: first });
    first.cause = second;
    expect(domainError(first)).toBeNull();
  });
});

describe('withDomainErrors', () => {
  it('passes the items through and answers a domain error raised while streaming', async () => {
    async function* failing() {
      yield 1;
      throw new LastAdminError('admin@example.test');
    }
    const seen: number[] = [];
    await expect(
      (async () => {
        for await (const item of withDomainErrors(failing())) seen.push(item);
      })(),
    ).rejects.toMatchObject({ code: 'CONFLICT' });
    expect(seen).toEqual([1]);
  });
});
