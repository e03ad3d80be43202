import type { RouterOutputs } from '@aae/api';
import { useEffect, useRef, useState, type RefObject } from 'react';
import { Link, useLocation } from 'react-router';
import { signOut } from './auth-api.ts';

type Me = RouterOutputs['users']['me'];

/** The signed-in person, with their account pages and signing out, behind one disclosure button. */
export function AccountMenu({ me }: { me: Me }) {
  const menu = useRef<HTMLDetailsElement>(null);
  const location = useLocation();
  const [problem, setProblem] = useState<string | null>(null);
  useCloseOnOutsideClick(menu);
  // Closed again whenever the page changes (a link in it was followed).
  const { pathname } = location;
  useEffect(() => {
    if (menu.current && pathname) menu.current.open = false;
  }, [pathname]);

  const leave = async () => {
    const result = await signOut();
    // Already signed out is as good as signed out; a server that cannot be reached is not.
    if (!result.ok && result.status !== 401) return setProblem(result.message);
    // A full load drops every cached answer and open stream of this session.
    window.location.assign('/sign-in');
  };

  return (
    <details
      ref={menu}
      className="account-menu"
      onKeyDown={(event) => {
        if (event.key !== 'Escape' || !menu.current?.open) return;
        menu.current.open = false;
        menu.current.querySelector('summary')?.focus();
      }}
    >
      <summary>
        <span className="visually-hidden">Signed in as </span>
        <span className="account-name" title={me.name}>
          {me.name}
        </span>{' '}
        <span className="role-badge">{me.role}</span>
      </summary>
      <ul className="account-links">
        <li>
          <Link to="/account">Account</Link>
        </li>
        <li>
          <Link to="/tokens">Tokens</Link>
        </li>
        <li>
          <button type="button" onClick={() => void leave()}>
            Sign out
          </button>
        </li>
        {problem ? (
          <li className="field-error account-problem">
            <span role="alert">{problem}</span>
          </li>
        ) : null}
      </ul>
    </details>
  );
}

function useCloseOnOutsideClick(menu: RefObject<HTMLDetailsElement | null>) {
  useEffect(() => {
    const close = (event: MouseEvent) => {
      if (menu.current?.open && !menu.current.contains(event.target as Node)) menu.current.open = false;
    };
    document.addEventListener('click', close);
    return () => document.removeEventListener('click', close);
  }, [menu]);
}
