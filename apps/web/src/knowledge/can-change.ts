/** Whether the signed-in person may change a repository (its owner or an admin), as the server decides. */
export function canChangeRepository(me: { id: number; role: string } | undefined, repository: { ownerId: number | null }): boolean {
  if (!me) return false;
  return me.role === 'admin' || (repository.ownerId !== null && repository.ownerId === me.id);
}
