import type { AppRouter } from '@aae/api';
import type { TRPCLink } from '@trpc/client';
import { observable } from '@trpc/server/observable';

/**
 * Reports every call refused for want of a valid session (it ended, the account was disabled),
 * be it a query, a mutation or a stream, so the app can check `users.me` again and go to the
 * sign-in page instead of showing broken pages. `users.me` itself is that check, so it is left out.
 */
export function unauthorizedLink(onUnauthorized: () => void): TRPCLink<AppRouter> {
  return () =>
    ({ op, next }) =>
      observable((observer) => {
        const subscription = next(op).subscribe({
          next: (value) => observer.next(value),
          error: (error) => {
            if (op.path !== 'users.me' && error.data?.code === 'UNAUTHORIZED') onUnauthorized();
            observer.error(error);
          },
          complete: () => observer.complete(),
        });
        return () => subscription.unsubscribe();
      });
}
