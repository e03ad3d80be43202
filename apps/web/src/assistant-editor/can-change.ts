/** The rule the API applies (its `canChange`): the owner or an admin changes an assistant. */
export function canChangeAssistant(me: { id: number; role: string } | undefined, assistant: { ownerId: number | null }): boolean {
  if (!me) return false;
  return me.role === 'admin' || (assistant.ownerId !== null && assistant.ownerId === me.id);
}
