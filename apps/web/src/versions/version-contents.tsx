import { TableScroll } from '../components/table-scroll.tsx';
import type { InputVariable, VersionPrompt } from './version-diff.ts';

/** The form a version asks for: each input variable and how it is filled in. */
export function VariableTable({ variables }: { variables: readonly InputVariable[] }) {
  if (variables.length === 0) return <p className="muted">No input variables.</p>;
  return (
    <TableScroll label="Input variables">
      <table className="version-table wide">
        <caption className="visually-hidden">Input variables</caption>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Label</th>
            <th scope="col">Type</th>
            <th scope="col">Required</th>
            <th scope="col">Description</th>
          </tr>
        </thead>
        <tbody>
          {variables.map((variable) => (
            <tr key={variable.name}>
              <td>
                <code>{variable.name}</code>
              </td>
              <td>{variable.label}</td>
              <td>{variable.type}</td>
              <td>{variable.required ? 'yes' : 'no'}</td>
              <td>{variable.description ?? ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableScroll>
  );
}

/** A prompt's settings and its text (shown as text, never as markup). */
export function PromptBody({ prompt }: { prompt: VersionPrompt }) {
  return (
    <>
      <ul className="facts">
        <li>Model {prompt.modelId}</li>
        {prompt.repositoryIds.length > 0 ? (
          <li>
            Knowledge {prompt.repositoryIds.join(', ')} ({prompt.searchType} search)
          </li>
        ) : null}
        {prompt.enabledTools.length > 0 ? <li>Tools: {prompt.enabledTools.join(', ')}</li> : null}
        {prompt.timeoutMs !== null ? <li>Timeout {prompt.timeoutMs} ms</li> : null}
        {prompt.maxOutputTokens !== null ? <li>At most {prompt.maxOutputTokens} output tokens</li> : null}
      </ul>
      <pre className="prompt-content">{prompt.content}</pre>
    </>
  );
}

/** A version's prompts in the order they run, each with its settings and its text. */
export function PromptDefinitions({ prompts, label = 'Prompts' }: { prompts: readonly VersionPrompt[]; label?: string }) {
  if (prompts.length === 0) return <p className="muted">No prompts.</p>;
  return (
    <ol className="prompt-definitions" aria-label={label}>
      {prompts.map((prompt) => (
        <li key={prompt.id}>
          <article className="prompt-definition" aria-label={`Prompt ${prompt.name}`}>
            <h3>
              <span className="position">{prompt.position}.</span> {prompt.name}
            </h3>
            <PromptBody prompt={prompt} />
          </article>
        </li>
      ))}
    </ol>
  );
}
