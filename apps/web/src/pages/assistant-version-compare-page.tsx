import { TableScroll } from '../components/table-scroll.tsx';
import { Link, useParams, useSearchParams } from 'react-router';
import { ErrorMessage } from '../components/error-message.tsx';
import { trpc } from '../trpc.ts';
import { CompareForm } from '../versions/compare-form.tsx';
import { positiveInteger, versionPath, versionsPath } from '../versions/route-params.ts';
import { TextDiff } from '../versions/text-diff.tsx';
import { PromptBody } from '../versions/version-contents.tsx';
import { compareVersions, type FieldChange, type PromptChange, type VariableChange, type VersionComparison } from '../versions/version-diff.ts';
import { NotAnAssistant } from './assistant-versions-page.tsx';

/** What changed between two versions of an assistant: `?from=&to=`. */
export function AssistantVersionComparePage() {
  const { assistantId: raw } = useParams();
  const [params] = useSearchParams();
  const assistantId = positiveInteger(raw);
  const from = positiveInteger(params.get('from'));
  const to = positiveInteger(params.get('to'));
  if (assistantId === null) return <NotAnAssistant raw={raw} />;
  if (from === null || to === null) {
    return (
      <section className="panel empty-state">
        <h1>Choose two versions</h1>
        <p>
          A comparison needs two version numbers, <code>?from=</code> and <code>?to=</code>. Pick them on{' '}
          <Link to={versionsPath(assistantId)}>the list of versions</Link>.
        </p>
      </section>
    );
  }
  return <Comparison key={`${assistantId}:${from}:${to}`} assistantId={assistantId} from={from} to={to} />;
}

function Comparison({ assistantId, from, to }: { assistantId: number; from: number; to: number }) {
  const older = trpc.assistants.version.useQuery({ id: assistantId, number: from });
  const newer = trpc.assistants.version.useQuery({ id: assistantId, number: to });
  const newest = trpc.assistants.versions.useQuery({ id: assistantId, limit: 1 });
  const error = older.error ?? newer.error;
  if (error) {
    return (
      <section className="panel">
        <ErrorMessage error={error} />
        <p>
          <Link to={versionsPath(assistantId)}>All versions</Link>
        </p>
      </section>
    );
  }
  if (!older.data || !newer.data) {
    return (
      <p className="muted" role="status">
        Loading versions…
      </p>
    );
  }
  const comparison = compareVersions(older.data, newer.data);
  const latest = newest.data?.items[0]?.number ?? Math.max(from, to);
  return (
    <section className="panel version-compare" aria-labelledby="compare-heading">
      <h1 id="compare-heading">
        {newer.data.name}: version {from} → version {to}
      </h1>
      <nav className="toolbar" aria-label="Versions compared">
        <Link to={versionPath(assistantId, from)}>Version {from}</Link>
        <Link to={versionPath(assistantId, to)}>Version {to}</Link>
        <Link to={versionsPath(assistantId)}>All versions</Link>
      </nav>
      <CompareForm assistantId={assistantId} latest={latest} from={from} to={to} />
      {comparison.changed ? <ComparisonBody comparison={comparison} from={from} to={to} /> : <p className="empty-state">These two versions are the same.</p>}
    </section>
  );
}

function ComparisonBody({ comparison, from, to }: { comparison: VersionComparison; from: number; to: number }) {
  return (
    <>
      <h2>Name and description</h2>
      {comparison.name.changed ? <TextDiff from={comparison.name.from} to={comparison.name.to} label="Name" /> : <p className="muted">Name unchanged.</p>}
      {comparison.description.changed ? (
        <TextDiff from={comparison.description.from} to={comparison.description.to} label="Description" />
      ) : (
        <p className="muted">Description unchanged.</p>
      )}
      <h2>Input variables</h2>
      <VariableChanges changes={comparison.variables} from={from} to={to} />
      <h2>Prompts</h2>
      <ol className="prompt-changes" aria-label="Prompt changes">
        {comparison.prompts.map((change) => (
          <li key={`${change.from?.id ?? ''}:${change.to?.id ?? ''}`}>
            <PromptChangeView change={change} from={from} to={to} />
          </li>
        ))}
      </ol>
    </>
  );
}

const STATUS_LABEL = { added: 'added', removed: 'removed', changed: 'changed', same: 'unchanged' } as const;

function StatusTag({ status }: { status: keyof typeof STATUS_LABEL }) {
  return <span className={`badge change-${status}`}>{STATUS_LABEL[status]}</span>;
}

function FieldTable({ fields, from, to, label }: { fields: readonly FieldChange[]; from: number; to: number; label: string }) {
  return (
    <TableScroll label={label}>
      <table className="version-table">
        <caption className="visually-hidden">{label}</caption>
        <thead>
          <tr>
            <th scope="col">Setting</th>
            <th scope="col">Version {from}</th>
            <th scope="col">Version {to}</th>
          </tr>
        </thead>
        <tbody>
          {fields.map((field) => (
            <tr key={field.field}>
              <th scope="row">{field.field}</th>
              <td>
                <del>{field.from}</del>
              </td>
              <td>
                <ins>{field.to}</ins>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableScroll>
  );
}

function VariableChanges({ changes, from, to }: { changes: readonly VariableChange[]; from: number; to: number }) {
  const differing = changes.filter((change) => change.status !== 'same');
  if (differing.length === 0) return <p className="muted">Input variables unchanged.</p>;
  return (
    <ul className="variable-changes">
      {differing.map((change) => (
        <li key={change.name}>
          <code>{change.name}</code> <StatusTag status={change.status} />
          {change.fields.length > 0 ? <FieldTable fields={change.fields} from={from} to={to} label={`Changes to input variable ${change.name}`} /> : null}
        </li>
      ))}
    </ul>
  );
}

function PromptChangeView({ change, from, to }: { change: PromptChange; from: number; to: number }) {
  const prompt = change.to ?? change.from!;
  const renamed = change.from && change.to && change.from.name !== change.to.name;
  return (
    <article className={`prompt-change change-${change.status}`} aria-label={`Prompt ${prompt.name}, ${STATUS_LABEL[change.status]}`}>
      <h3>
        {renamed ? `${change.from!.name} → ${change.to!.name}` : prompt.name} <StatusTag status={change.status} />
      </h3>
      {change.status === 'added' || change.status === 'removed' ? (
        <PromptBody prompt={prompt} />
      ) : (
        <>
          {change.fields.length > 0 ? (
            <FieldTable fields={change.fields} from={from} to={to} label={`Changes to the settings of prompt ${prompt.name}`} />
          ) : null}
          {change.contentChanged ? (
            <TextDiff from={change.from!.content} to={change.to!.content} label={`Changes to the text of prompt ${prompt.name}`} />
          ) : (
            <p className="muted">Text unchanged.</p>
          )}
        </>
      )}
    </article>
  );
}
