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
