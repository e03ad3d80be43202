import { createLinks } from '@aae/client/links';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { TRPCClientError } from '@trpc/client';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { BrowserRouter } from 'react-router';
import { App } from './app.tsx';
import { ensureCurrentUser } from './identity/current-user.ts';
import { trpc } from './trpc.ts';
import './styles.css';

ensureCurrentUser();

const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      staleTime: 5_000,
      // A 4xx answer (not found, forbidden, bad input) will not change on retry.
      retry: (failureCount, error) => {
        const status = error instanceof TRPCClientError ? (error.data as { httpStatus?: number } | undefined)?.httpStatus : undefined;
        return (status === undefined || status >= 500) && failureCount < 2;
      },
    },
  },
});
const trpcClient = trpc.createClient({ links: createLinks({ baseUrl: window.location.origin, retryQueries: false }) });

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <trpc.Provider client={trpcClient} queryClient={queryClient}>
      <QueryClientProvider client={queryClient}>
        <BrowserRouter>
          <App />
        </BrowserRouter>
      </QueryClientProvider>
    </trpc.Provider>
  </StrictMode>,
);
