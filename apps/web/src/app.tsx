import { lazy, Suspense, type ReactNode } from 'react';
import { Navigate, Route, Routes } from 'react-router';
import { AdminOnly } from './components/admin-only.tsx';
import { AppShell } from './components/app-shell.tsx';
import { RequireSignIn } from './identity/require-sign-in.tsx';
import { HOME_PATH } from './identity/return-path.ts';
import { AccountPage } from './pages/account-page.tsx';
import { AnalyticsPrefetch } from './pages/analytics-queries.ts';
import { AssistantsPage } from './pages/assistants-page.tsx';
import { AssistantVersionPage } from './pages/assistant-version-page.tsx';
import { AssistantVersionsPage } from './pages/assistant-versions-page.tsx';
import { ExecutionPage } from './pages/execution-page.tsx';
import { ExecutionsPage } from './pages/executions-page.tsx';
import { KnowledgePage } from './pages/knowledge-page.tsx';
import { KnowledgeRepositoryPage } from './pages/knowledge-repository-page.tsx';
import { NotFoundPage } from './pages/not-found-page.tsx';
import { RunPage } from './pages/run-page.tsx';
import { SetupPage } from './pages/setup-page.tsx';
import { SignInPage } from './pages/sign-in-page.tsx';
import { TokensPage } from './pages/tokens-page.tsx';

// Charts are heavy and admins-only, like the other admin pages: loaded when a page is opened.
const AnalyticsPage = lazy(() => import('./pages/analytics-page.tsx').then((module) => ({ default: module.AnalyticsPage })));
const LiveFeedPage = lazy(() => import('./pages/live-feed-page.tsx').then((module) => ({ default: module.LiveFeedPage })));
const PeoplePage = lazy(() => import('./pages/people-page.tsx').then((module) => ({ default: module.PeoplePage })));
const WebhooksPage = lazy(() => import('./pages/webhooks-page.tsx').then((module) => ({ default: module.WebhooksPage })));
const RetentionPage = lazy(() => import('./pages/retention-page.tsx').then((module) => ({ default: module.RetentionPage })));
// The comparison carries the diff library: loaded when one is opened.
const AssistantVersionComparePage = lazy(() =>
  import('./pages/assistant-version-compare-page.tsx').then((module) => ({ default: module.AssistantVersionComparePage })),
);
const AuditPage = lazy(() => import('./pages/audit-page.tsx').then((module) => ({ default: module.AuditPage })));

// The editor (CodeMirror, drag and drop) is loaded when an editor page is opened.
const NewAssistantPage = lazy(() => import('./pages/assistant-editor-page.tsx').then((module) => ({ default: module.NewAssistantPage })));
const EditAssistantPage = lazy(() => import('./pages/assistant-editor-page.tsx').then((module) => ({ default: module.EditAssistantPage })));

function LazyPage({ children }: { children: ReactNode }) {
  return (
    <Suspense
      fallback={
        <p className="muted" role="status">
          Loading…
        </p>
      }
    >
      {children}
    </Suspense>
  );
}

/** `prefetch` renders beside the page, outside its Suspense, so it asks while the page's code loads. */
function AdminPage({ children, prefetch }: { children: ReactNode; prefetch?: ReactNode }) {
  return (
    <AdminOnly>
      {prefetch}
      <LazyPage>{children}</LazyPage>
    </AdminOnly>
  );
}

export function App() {
  return (
    <Routes>
      <Route element={<AppShell />}>
        <Route path="/setup" element={<SetupPage />} />
        <Route path="/sign-in" element={<SignInPage />} />
        <Route element={<RequireSignIn />}>
          <Route path="/" element={<Navigate to={HOME_PATH} replace />} />
          <Route path="/assistants" element={<AssistantsPage />} />
          <Route
            path="/assistants/new"
            element={
              <LazyPage>
                <NewAssistantPage />
              </LazyPage>
            }
          />
          <Route
            path="/assistants/:assistantId/edit"
            element={
              <LazyPage>
                <EditAssistantPage />
              </LazyPage>
            }
          />
          <Route path="/assistant-architect" element={<RunPage />} />
          <Route path="/assistant-architect/:assistantId" element={<RunPage />} />
          <Route path="/executions" element={<ExecutionsPage />} />
          <Route path="/executions/:executionId" element={<ExecutionPage />} />
          <Route path="/assistants/:assistantId/versions" element={<AssistantVersionsPage />} />
          <Route
            path="/assistants/:assistantId/versions/compare"
            element={
              <LazyPage>
                <AssistantVersionComparePage />
              </LazyPage>
            }
          />
          <Route path="/assistants/:assistantId/versions/:number" element={<AssistantVersionPage />} />
          <Route path="/knowledge" element={<KnowledgePage />} />
          <Route path="/knowledge/:repositoryId" element={<KnowledgeRepositoryPage />} />
          <Route path="/account" element={<AccountPage />} />
          <Route path="/tokens" element={<TokensPage />} />
          <Route
            path="/analytics"
            element={
              <AdminPage prefetch={<AnalyticsPrefetch />}>
                <AnalyticsPage />
              </AdminPage>
            }
          />
          <Route
            path="/live"
            element={
              <AdminPage>
                <LiveFeedPage />
              </AdminPage>
            }
          />
          <Route
            path="/people"
            element={
              <AdminPage>
                <PeoplePage />
              </AdminPage>
            }
          />
          <Route
            path="/audit"
            element={
              <AdminPage>
                <AuditPage />
              </AdminPage>
            }
          />
          <Route
            path="/retention"
            element={
              <AdminPage>
                <RetentionPage />
              </AdminPage>
            }
          />
          <Route
            path="/webhooks"
            element={
              <AdminPage>
                <WebhooksPage />
              </AdminPage>
            }
          />
          <Route path="*" element={<NotFoundPage />} />
        </Route>
      </Route>
    </Routes>
  );
}
