/**
 * PostgreSQL cannot store U+0000 in text or jsonb and would refuse the whole row. The API refuses
 * NUL in procedure inputs (`findUnstorableText`); what cannot be refused (a model's output, a
 * tool's result, a provider's error, text written to the audit log) is stored with each NUL
 * replaced by U+FFFD by this one function.
 */
export function storable<T>(value: T): T {
  // Nearly every value holds no NUL: checking first spares copying it (the event recorder's hot path).
  return holdsNul(value) ? replaceNul(value) : value;
}

function holdsNul(value: unknown): boolean {
  if (typeof value === 'string') return value.includes('\u0000');
  if (Array.isArray(value)) return value.some(holdsNul);
  if (isPlainObject(value)) {
    for (const key in value) {
      if (Object.hasOwn(value, key) && (key.includes('\u0000') || holdsNul(value[key]))) return true;
    }
  }
  return false;
}

function replaceNul<T>(value: T): T {
  if (typeof value === 'string') return (value.includes('\u0000') ? value.replaceAll('\u0000', '\uFFFD') : value) as T;
  if (Array.isArray(value)) return value.map(replaceNul) as T;
  if (isPlainObject(value)) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [replaceNul(key), replaceNul(item)])) as T;
  }
  return value;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype;
}
