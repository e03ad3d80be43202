import { Link, useParams } from 'react-router';
import { ErrorMessage } from '../components/error-message.tsx';
import { formatDateTime } from '../components/format.ts';
import { trpc } from '../trpc.ts';
import { comparePath, positiveInteger, versionsPath } from '../versions/route-params.ts';
import { PromptDefinitions, VariableTable } from '../versions/version-contents.tsx';
import { NotAnAssistant } from './assistant-versions-page.tsx';

/** One version of an assistant as it was saved: its form and its prompts. */
export function AssistantVersionPage() {
  const { assistantId: rawId, number: rawNumber } = useParams();
  const assistantId = positiveInteger(rawId);
  const number = positiveInteger(rawNumber);
  if (assistantId === null) return <NotAnAssistant raw={rawId} />;
  if (number === null) {
    return (
      <section className="panel empty-state">
        <h1>Not a version</h1>
        <p>
          “{rawNumber}” is not a version number. See <Link to={versionsPath(assistantId)}>the versions of this assistant</Link>.
        </p>
      </section>
    );
  }
  return <VersionDetail key={`${assistantId}:${number}`} assistantId={assistantId} number={number} />;
}

function VersionDetail({ assistantId, number }: { assistantId: number; number: number }) {
  const version = trpc.assistants.version.useQuery({ id: assistantId, number });
  if (version.error) {
    return (
      <section className="panel">
        <ErrorMessage error={version.error} />
        <p>
          <Link to={versionsPath(assistantId)}>All versions</Link>
        </p>
      </section>
    );
  }
  if (version.isPending) {
    return (
      <p className="muted" role="status">
        Loading version…
      </p>
    );
  }
  const { data } = version;
  return (
    <section className="panel" aria-labelledby="version-heading">
      <h1 id="version-heading">
        {data.name} <span className="muted">version {data.number}</span>
      </h1>
      <p className="muted">
        Saved {formatDateTime(data.createdAt)}
        {data.authorName ? ` by ${data.authorName}` : ''}
      </p>
      {data.description ? <p className="version-description">{data.description}</p> : null}
      <nav className="toolbar" aria-label="This version">
        <Link to={versionsPath(assistantId)}>All versions</Link>
        {data.number > 1 ? <Link to={comparePath(assistantId, data.number - 1, data.number)}>Compare with version {data.number - 1}</Link> : null}
      </nav>
      <h2>Input variables</h2>
      <VariableTable variables={data.inputVariables} />
      <h2>Prompts</h2>
      <PromptDefinitions prompts={data.prompts} label={`Prompts of version ${data.number}`} />
    </section>
  );
}
