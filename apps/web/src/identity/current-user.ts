/** The dev identity travels in the `aae_user` cookie, which EventSource sends too. */
const COOKIE = 'aae_user';
export const DEFAULT_USER = 'demo';

export function currentUserName(): string {
  const match = document.cookie.split('; ').find((part) => part.startsWith(`${COOKIE}=`));
  return match ? decodeURIComponent(match.slice(COOKIE.length + 1)) : '';
}

export function setCurrentUserName(name: string): void {
  document.cookie = `${COOKIE}=${encodeURIComponent(name)}; path=/; max-age=31536000; SameSite=Lax`;
}

/** A first visit acts as the demo user, so the app works before anyone picks an identity. */
export function ensureCurrentUser(): string {
  const name = currentUserName();
  if (name) return name;
  setCurrentUserName(DEFAULT_USER);
  return DEFAULT_USER;
}
