import type { ReactNode } from 'react';
import { useMe } from '../identity/use-me.ts';

/** Shows its content to admins; anyone else is told plainly (the server refuses them anyway). */
export function AdminOnly({ children }: { children: ReactNode }) {
  const me = useMe();
  if (me.isPending)
    return (
      <p className="muted" role="status">
        Loading…
      </p>
    );
  if (me.data?.role !== 'admin') {
    return (
      <section className="panel empty-state" aria-labelledby="admins-only">
        <h1 id="admins-only">Admins only</h1>
        <p>This page shows everyone’s data and accounts, so only admins may open it. If you need it, ask an admin to make you one.</p>
      </section>
    );
  }
  return <>{children}</>;
}
