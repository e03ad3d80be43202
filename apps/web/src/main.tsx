import { createLinks } from '@aae/client/links';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { TRPCClientError } from '@trpc/client';
import { getQueryKey } from '@trpc/react-query';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { createBrowserRouter, RouterProvider } from 'react-router';
import { App } from './app.tsx';
import { unauthorizedLink } from './identity/unauthorized-link.ts';
import { connectToHub, liveLink } from './live/live-link.ts';
import { trpc } from './trpc.ts';
import './styles.css';

const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      staleTime: 5_000,
      // A 4xx answer (not found, forbidden, bad input, signed out) will not change on retry.
      retry: (failureCount, error) => {
        const status = error instanceof TRPCClientError ? (error.data as { httpStatus?: number } | undefined)?.httpStatus : undefined;
        return (status === undefined || status >= 500) && failureCount < 2;
      },
    },
  },
});
// Execution streams go through one connection shared by every tab (see `liveLink`), after the
// check for signed-out refusals, which sees their errors too.
// Any call refused as signed out makes the app ask who it is again; the answer leads to sign-in.
const checkSession = () => void queryClient.invalidateQueries({ queryKey: getQueryKey(trpc.users.me) }, { cancelRefetch: false });
const trpcClient = trpc.createClient({
  links: [unauthorizedLink(checkSession), liveLink(connectToHub()), ...createLinks({ baseUrl: window.location.origin, retryQueries: false })],
});

// A data router, so a form can ask before the person navigates away from unsaved changes (`useBlocker`);
// the routes themselves stay declared in `App`.
const router = createBrowserRouter([{ path: '*', element: <App /> }]);

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <trpc.Provider client={trpcClient} queryClient={queryClient}>
      <QueryClientProvider client={queryClient}>
        <RouterProvider router={router} />
      </QueryClientProvider>
    </trpc.Provider>
  </StrictMode>,
);
