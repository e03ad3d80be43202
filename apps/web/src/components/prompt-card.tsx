import type { PromptView } from '../execution-events/fold.ts';
import { formatDuration, formatNumber } from './format.ts';
import { StatusBadge } from './status-badge.tsx';

export function PromptCard({
  prompt,
  total,
  output,
  liveText,
  promptName,
  text,
}: {
  prompt: PromptView;
  total: number;
  /** An earlier prompt's name by its id, for where substituted values came from. */
  promptName: (promptId: number) => string | undefined;
  /** The stored output, once the prompt is complete. */
  output?: string | undefined;
  /** Text streamed so far while the prompt runs. */
  liveText?: string | undefined;
  /** The prompt as written (its template), when known. */
  text?: string | undefined;
}) {
  return (
    <article className={`prompt-card prompt-${prompt.status}`} data-status={prompt.status} aria-label={`Prompt ${prompt.name}`}>
      <header>
        <span className="position">
          {prompt.position} / {total}
        </span>
        <h3>{prompt.name}</h3>
        <StatusBadge status={prompt.status} />
      </header>
      <ul className="facts">
        {prompt.modelId ? <li>Model {prompt.modelId}</li> : null}
        <li>{prompt.durationMs !== undefined ? formatDuration(prompt.durationMs) : prompt.status === 'running' ? 'running…' : '—'}</li>
        {prompt.outputTokens !== undefined ? <li>{formatNumber(prompt.outputTokens)} output tokens</li> : null}
        {prompt.cached ? <li className="badge cached">cached</li> : null}
        {prompt.hasKnowledge ? (
          <li className="badge knowledge">
            knowledge
            {prompt.knowledge?.documentsFound !== undefined
              ? `: ${prompt.knowledge.documentsFound} docs, relevance ${prompt.knowledge.relevanceScore?.toFixed(2)}`
              : prompt.knowledge
                ? ` (${prompt.knowledge.searchType} search…)`
                : ''}
          </li>
        ) : null}
        {prompt.hasTools ? <li className="badge tools">tools{prompt.tools.length ? `: ${prompt.tools.length} call(s)` : ''}</li> : null}
      </ul>
      {text !== undefined ? (
        <details className="prompt-text">
          <summary>Prompt text</summary>
          <pre>{text}</pre>
        </details>
      ) : null}
      {prompt.substitution && Object.keys(prompt.substitution.variables).length > 0 ? (
        <details className="substitution">
          <summary>
            {Object.keys(prompt.substitution.variables).length} variable(s) substituted
            {prompt.substitution.sourcePrompts.length > 0
              ? `, from ${prompt.substitution.sourcePrompts.map((id) => `“${promptName(id) ?? `prompt ${id}`}”`).join(', ')}`
              : ''}
          </summary>
          <dl>
            {Object.entries(prompt.substitution.variables).map(([name, value]) => (
              <div key={name}>
                <dt>{`{{${name}}}`}</dt>
                <dd>{value.length > 240 ? `${value.slice(0, 240)}…` : value || <em>empty</em>}</dd>
              </div>
            ))}
          </dl>
        </details>
      ) : null}
      {prompt.tools.length > 0 ? (
        <ul className="tool-calls" aria-label="Tool calls">
          {prompt.tools.map((tool, index) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: calls only ever append, so a call keeps its place
            <li key={index} className={`tool-${tool.status}`}>
              <code>{tool.toolName}</code>
              {tool.parameters ? <code className="muted"> {JSON.stringify(tool.parameters)}</code> : null}
              {' → '}
              {tool.status === 'running' ? 'running…' : tool.status === 'error' ? `failed: ${tool.error ?? ''}` : JSON.stringify(tool.result)}
            </li>
          ))}
        </ul>
      ) : null}
      {prompt.error ? <p className="field-error">{prompt.error}</p> : null}
      {output !== undefined ? (
        <div className="output">
          <h4>Output</h4>
          <p>{output}</p>
        </div>
      ) : liveText ? (
        <div className="output output-live" aria-live="off">
          <h4>{prompt.status === 'running' ? 'Writing…' : 'Written before it stopped (not stored)'}</h4>
          <p>
            {liveText}
            {prompt.status === 'running' ? <span className="cursor" aria-hidden="true" /> : null}
          </p>
        </div>
      ) : null}
    </article>
  );
}
