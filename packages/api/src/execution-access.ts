import type { Identity } from '@aae/auth';
import type { Viewer } from '@aae/db';
import type { AppServices, WatchAccess } from '@aae/runtime';
import { TRPCError } from '@trpc/server';
import { viewerOf } from './trpc.ts';

/**
 * An execution exists and the caller may read it: its owner, an admin, or a watch token for it.
 * Someone else's execution answers exactly like a missing one.
 */
export async function assertCanReadExecution(services: AppServices, identity: Identity, executionId: number): Promise<void> {
  assertWatchesExecution(identity, executionId);
  canReadExecution(identity, executionId, await services.executions.ownerOf(executionId));
}

/** A watch token reads its own execution only (checked before anything is read). */
export function assertWatchesExecution(identity: Identity, executionId: number): void {
  if (identity.via === 'watch' && identity.executionId !== executionId) {
    throw new TRPCError({ code: 'FORBIDDEN', message: `This watch token reads execution ${identity.executionId} only` });
  }
}

/** `assertCanReadExecution` with the execution's owner already read (null: no such execution). */
export function canReadExecution(identity: Identity, executionId: number, ownerId: number | null): void {
  assertWatchesExecution(identity, executionId);
  // A watch token reads as the person who asked for it could, for as long as they still can.
  const isAdmin = identity.via === 'watch' ? identity.user.role === 'admin' : viewerOf(identity).isAdmin;
  if (ownerId === null || (ownerId !== identity.user.id && !isAdmin)) {
    throw new TRPCError({ code: 'NOT_FOUND', message: `Execution ${executionId} does not exist` });
  }
}

/** The checks above for `identity`, as the fan-out core (`services.live`) makes them before a watcher reads an execution. */
export function watchAccess(identity: Identity): WatchAccess {
  return {
    assertWatches: (executionId) => assertWatchesExecution(identity, executionId),
    assertCanRead: (executionId, ownerId) => canReadExecution(identity, executionId, ownerId),
  };
}

/**
 * Whose executions a listing covers: a person's own; an admin's everyone's (filtered by
 * `userName` if given), unless they ask for only theirs.
 */
export function executionListScope(viewer: Viewer, request: { mine?: boolean; userName?: string | undefined }): { userId?: number; userName?: string } {
  if (viewer.isAdmin && !request.mine) return request.userName ? { userName: request.userName } : {};
  return { userId: viewer.userId };
}
