import { TRPCError } from '@trpc/server';
import type { User } from '@aae/db';
import type { AppServices } from './services.ts';

/** An execution exists and the user may read it: its owner, or an admin. */
export async function assertCanReadExecution(services: AppServices, user: User, executionId: number): Promise<void> {
  const ownerId = await services.executions.ownerOf(executionId);
  if (ownerId === null) throw new TRPCError({ code: 'NOT_FOUND', message: `Execution ${executionId} does not exist` });
  if (ownerId !== user.id && user.role !== 'admin') {
    throw new TRPCError({ code: 'FORBIDDEN', message: `Execution ${executionId} belongs to another user` });
  }
}

/**
 * Whose executions a listing covers: a user's own; an admin's everyone's (filtered by `userName`
 * if given), unless they ask for only theirs.
 */
export function executionListScope(user: User, request: { mine?: boolean; userName?: string | undefined }): { userId?: number; userName?: string } {
  if (user.role === 'admin' && !request.mine) return request.userName ? { userName: request.userName } : {};
  return { userId: user.id };
}
