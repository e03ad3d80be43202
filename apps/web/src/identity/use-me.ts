import { trpc } from '../trpc.ts';

/** The signed-in user; it changes only with a reload (see the user switcher). */
export function useMe() {
  return trpc.users.me.useQuery(undefined, { staleTime: Number.POSITIVE_INFINITY });
}
