import { ColumnHeads } from '../components/column-heads.tsx';
import { ErrorMessage } from '../components/error-message.tsx';
import { TableScroll } from '../components/table-scroll.tsx';
import { useMe } from '../identity/use-me.ts';
import { CreatePersonForm } from '../people/create-person-form.tsx';
import { PEOPLE_COLUMNS, PersonRow } from '../people/person-row.tsx';
import { trpc } from '../trpc.ts';

/** Everyone with an account (admins): add people, change roles, disable and enable accounts. */
export function PeoplePage() {
  const me = useMe();
  const people = trpc.users.list.useQuery();
  return (
    <>
      <section className="panel" aria-labelledby="people-heading">
        <h1 id="people-heading">People</h1>
        <p className="muted">
          Everyone who can sign in. A disabled account’s sessions and tokens stop working at once; enabling it lets the person sign in again.
        </p>
        {people.error ? <ErrorMessage error={people.error} title="Could not load the people" /> : null}
        {people.isPending ? (
          <p className="muted" role="status">
            Loading…
          </p>
        ) : null}
        {people.data ? (
          <TableScroll label="People">
            <table className="executions-table people-table">
              <ColumnHeads columns={PEOPLE_COLUMNS} actions />
              <tbody>
                {people.data.map((person) => (
                  <PersonRow key={person.id} person={person} isMe={person.id === me.data?.id} />
                ))}
              </tbody>
            </table>
          </TableScroll>
        ) : null}
      </section>
      <section className="panel narrow-form">
        <CreatePersonForm />
      </section>
    </>
  );
}
