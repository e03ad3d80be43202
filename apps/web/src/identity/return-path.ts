/** Where the app starts for someone who signed in without asking for a page. */
export const HOME_PATH = '/assistant-architect';

const AUTH_PAGES = ['/sign-in', '/setup'];

/**
 * A `next` parameter made safe to follow: a path of this app only (never another site, which
 * `//host` or `/\host` would reach), and never back to the sign-in or set-up page.
 */
export function safeReturnPath(next: string | null | undefined): string {
  if (!next?.startsWith('/') || next.startsWith('//') || next.includes('\\')) return HOME_PATH;
  const url = new URL(next, 'http://app.invalid');
  // Normalising can make `//host` again (`/.//evil.example`): checked on the result too.
  if (url.origin !== 'http://app.invalid' || url.pathname.startsWith('//') || AUTH_PAGES.includes(url.pathname)) return HOME_PATH;
  return `${url.pathname}${url.search}${url.hash}`;
}

/** The sign-in page, remembering the page the person wanted. */
export function signInPath(wanted: { pathname: string; search: string; hash?: string }): string {
  const next = `${wanted.pathname}${wanted.search}${wanted.hash ?? ''}`;
  return next === '/' || AUTH_PAGES.includes(wanted.pathname) ? '/sign-in' : `/sign-in?next=${encodeURIComponent(next)}`;
}
