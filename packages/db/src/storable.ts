/**
 * PostgreSQL cannot store U+0000 in text or jsonb and would refuse the whole row. The API refuses
 * NUL in procedure inputs (`findUnstorableText`); what cannot be refused (a model's output, a
 * tool's result, a provider's error, text written to the audit log) is stored with each NUL
 * replaced by U+FFFD by this one function.
 */
export function storable<T>(value: T): T {
  if (typeof value === 'string') return (value.includes('\u0000') ? value.replaceAll('\u0000', '\uFFFD') : value) as T;
  if (Array.isArray(value)) return value.map(storable) as T;
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [storable(key), storable(item)])) as T;
  }
  return value;
}
