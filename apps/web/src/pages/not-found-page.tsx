import { Link } from 'react-router';

export function NotFoundPage() {
  return (
    <section className="panel empty-state">
      <h1>Page not found</h1>
      <p>
        There is nothing at this address. <Link to="/assistant-architect">Run an assistant</Link> or browse <Link to="/executions">past executions</Link>.
      </p>
    </section>
  );
}
