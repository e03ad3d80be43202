import type { Visibility } from '../generated/prisma/enums.ts';

/** Who is looking: their own and shared resources are visible to them, and to an admin everything. */
export interface Viewer {
  userId: number;
  isAdmin: boolean;
}

/** The product itself (seeding, benchmarks, its own checks): it sees everything. */
export const SYSTEM_VIEWER: Viewer = Object.freeze({ userId: 0, isAdmin: true });

/** A `where` for assistants and knowledge repositories: what `viewer` may see. */
export function visibleTo(viewer: Viewer): { OR?: Array<{ visibility: Visibility } | { ownerId: number }> } {
  return viewer.isAdmin ? {} : { OR: [{ visibility: 'shared' }, { ownerId: viewer.userId }] };
}

/** Owner or admin: who may change or delete a resource. Nobody owns the product's own. */
export function canChange(viewer: Viewer, resource: { ownerId: number | null }): boolean {
  return viewer.isAdmin || (resource.ownerId !== null && resource.ownerId === viewer.userId);
}
