/**
 * Checks a `DATABASE_URL`, failing with a message a person can act on, and returns where it
 * points for log lines: the URL with its password masked.
 */
export function checkDatabaseUrl(databaseUrl: string): { location: string } {
  let url: URL;
  try {
    url = new URL(databaseUrl);
  } catch {
    throw new Error('DATABASE_URL is not a valid URL: expected postgresql://user:password@host:port/database');
  }
  if (url.protocol !== 'postgresql:' && url.protocol !== 'postgres:') {
    throw new Error(`DATABASE_URL must start with postgresql:// (got ${url.protocol}//)`);
  }
  if (url.password) url.password = '***';
  return { location: url.toString() };
}
