import { trpc } from '../trpc.ts';
import { currentUserName, setCurrentUserName } from './current-user.ts';

/** Switches the dev identity; a reload reconnects every query and stream as the new user. */
export function UserSwitcher() {
  const users = trpc.users.list.useQuery();
  const current = currentUserName();
  return (
    <label className="user-switcher">
      <span>Signed in as</span>
      <select
        value={current}
        onChange={(event) => {
          setCurrentUserName(event.target.value);
          window.location.reload();
        }}
      >
        {(users.data ?? [{ id: 0, name: current, role: 'user' as const }]).map((user) => (
          <option key={user.name} value={user.name}>
            {user.name}
            {user.role === 'admin' ? ' (admin)' : ''}
          </option>
        ))}
      </select>
    </label>
  );
}
