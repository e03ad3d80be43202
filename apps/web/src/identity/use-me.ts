import { trpc } from '../trpc.ts';

/**
 * The signed-in person. Fetched once; fetched again when any call is refused as signed out (see
 * `unauthorizedLink`), which is how the app notices a session that ended.
 */
export function useMe() {
  return trpc.users.me.useQuery(undefined, { staleTime: Number.POSITIVE_INFINITY });
}

/** The API's answer for no session, an ended one, or a disabled account. */
export function isUnauthorized(error: { data?: { code?: string } | null } | null | undefined): boolean {
  return error?.data?.code === 'UNAUTHORIZED';
}
