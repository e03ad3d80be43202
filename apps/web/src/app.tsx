import { Navigate, NavLink, Route, Routes } from 'react-router';
import { UserSwitcher } from './identity/user-switcher.tsx';
import { ExecutionPage } from './pages/execution-page.tsx';
import { ExecutionsPage } from './pages/executions-page.tsx';
import { NotFoundPage } from './pages/not-found-page.tsx';
import { RunPage } from './pages/run-page.tsx';

export function App() {
  return (
    <div className="shell">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <NavLink to="/" className="brand">
          Assistant Architect <span>Events</span>
        </NavLink>
        <nav aria-label="Main">
          <NavLink to="/assistant-architect">Run</NavLink>
          <NavLink to="/executions">Executions</NavLink>
        </nav>
        <UserSwitcher />
      </header>
      <main id="main" className="content">
        <Routes>
          <Route path="/" element={<Navigate to="/assistant-architect" replace />} />
          <Route path="/assistant-architect" element={<RunPage />} />
          <Route path="/assistant-architect/:assistantId" element={<RunPage />} />
          <Route path="/executions" element={<ExecutionsPage />} />
          <Route path="/executions/:executionId" element={<ExecutionPage />} />
          <Route path="*" element={<NotFoundPage />} />
        </Routes>
      </main>
    </div>
  );
}
