import { useMemo, useState, type FormEvent } from 'react';
import { useNavigate } from 'react-router';
import { comparePath } from './route-params.ts';

/** Picks two of the assistant's versions (1 to `latest`; none is ever removed) and opens their comparison. */
export function CompareForm({ assistantId, latest, from, to }: { assistantId: number; latest: number; from: number; to: number }) {
  const navigate = useNavigate();
  const [older, setOlder] = useState(from);
  const [newer, setNewer] = useState(to);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void navigate(comparePath(assistantId, older, newer));
  };
  const highest = Math.max(latest, from, to);
  const options = useMemo(
    () =>
      Array.from({ length: highest }, (_, index) => highest - index).map((number) => (
        <option key={number} value={number}>
          Version {number}
        </option>
      )),
    [highest],
  );
  return (
    <form className="compare-form" onSubmit={submit} aria-label="Compare two versions">
      <label>
        From
        <select value={older} onChange={(event) => setOlder(Number(event.target.value))}>
          {options}
        </select>
      </label>
      <label>
        To
        <select value={newer} onChange={(event) => setNewer(Number(event.target.value))}>
          {options}
        </select>
      </label>
      <button type="submit" disabled={older === newer}>
        Compare
      </button>
    </form>
  );
}
