export type FieldErrors<K extends string> = Partial<Record<K, string>>;

/**
 * The problems found among `checks` (in field order), or null when there are none. Focus moves to
 * the first field at fault, so a screen reader reads it with its error.
 */
export function findFieldErrors<K extends string>(checks: Record<K, string | undefined>, idOf: (field: K) => string): FieldErrors<K> | null {
  const found = (Object.entries(checks) as Array<[K, string | undefined]>).filter(([, problem]) => problem !== undefined);
  if (found.length === 0) return null;
  document.getElementById(idOf(found[0]![0]))?.focus();
  return Object.fromEntries(found) as FieldErrors<K>;
}
