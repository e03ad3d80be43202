import type { User } from '@aae/db';
import type { AppServices } from './services.ts';

export interface Context {
  services: AppServices;
  /** The calling user, or null when the request named none (or an unknown one). */
  user: User | null;
  /** The name the request gave, kept for a precise error when it matched no user. */
  requestedUserName: string | null;
}

/** Pure: tests build a context from services and a user without any HTTP request. */
export function createContextInner(opts: { services: AppServices; user: User | null; requestedUserName?: string | null }): Context {
  return { services: opts.services, user: opts.user, requestedUserName: opts.requestedUserName ?? opts.user?.name ?? null };
}

export const USER_HEADER = 'x-aae-user';
export const USER_COOKIE = 'aae_user';

function readCookie(cookieHeader: string | undefined, name: string): string | null {
  if (!cookieHeader) return null;
  for (const part of cookieHeader.split(';')) {
    const [key, ...value] = part.trim().split('=');
    if (key === name) return decodeURIComponent(value.join('='));
  }
  return null;
}

/** The dev identity: the `x-aae-user` header, else the `aae_user` cookie (EventSource cannot send headers). */
export async function createContext(
  services: AppServices,
  headers: { get(name: string): string | null } | Record<string, string | string[] | undefined>,
): Promise<Context> {
  const header = (name: string): string | undefined => {
    if (typeof (headers as { get?: unknown }).get === 'function') {
      return (headers as { get(name: string): string | null }).get(name) ?? undefined;
    }
    const value = (headers as Record<string, string | string[] | undefined>)[name];
    return Array.isArray(value) ? value[0] : value;
  };
  const name = header(USER_HEADER)?.trim() || readCookie(header('cookie'), USER_COOKIE);
  const user = name ? await services.users.findByName(name) : null;
  return createContextInner({ services, user, requestedUserName: name ?? null });
}
