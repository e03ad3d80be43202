import { SEARCH_TYPES, type SearchType } from '@aae/events';
import { TextField } from '../components/text-field.tsx';
import type { DraftErrors, PromptDraft } from './draft.ts';
import { describedBy, FieldError } from './field-error.tsx';
import { fieldId } from './field-ids.ts';
import { TemplateEditor, type TemplateScope } from './template-editor.tsx';

export interface PromptOptions {
  models: readonly string[];
  tools: ReadonlyArray<{ name: string; description: string }>;
  repositories: ReadonlyArray<{ id: number; name: string }>;
}

interface PromptFieldsProps {
  prompt: PromptDraft;
  title: string;
  first: boolean;
  errors: DraftErrors;
  options: PromptOptions;
  scope: TemplateScope;
  onChange(change: Partial<PromptDraft>): void;
}

const SEARCH_LABELS: Record<SearchType, string> = { hybrid: 'Hybrid (keyword and vector)', keyword: 'Keyword', vector: 'Vector' };

/** One prompt's settings: name, model, content, parallel run, knowledge, tools and limits. */
export function PromptFields({ prompt, title, first, errors, options, scope, onChange }: PromptFieldsProps) {
  const base = `prompt.${prompt.key}`;
  const id = (field: string) => fieldId(`${base}.${field}`);
  const error = (field: string) => errors[`${base}.${field}`];
  const problems = scope.check(prompt.content);
  const contentError = error('content');
  // The server's message for the content, unless the live check already says it.
  const serverOnly = contentError && !problems.some((problem) => contentError.includes(problem.message)) ? contentError : undefined;
  const models = options.models.includes(prompt.modelId) ? options.models : [prompt.modelId, ...options.models];
  // Chosen ones no longer offered (deleted, no longer shared, a tool removed) stay listed, ticked, so they can be unticked.
  const tools = [
    ...options.tools.map((tool) => ({ name: tool.name, label: tool.name, description: tool.description })),
    ...prompt.enabledTools
      .filter((name) => !options.tools.some((tool) => tool.name === name))
      .map((name) => ({ name, label: `${name} (not available)`, description: 'This tool is no longer offered' })),
  ];
  const repositories = [
    ...options.repositories,
    ...prompt.repositoryIds
      .filter((repositoryId) => !options.repositories.some((repository) => repository.id === repositoryId))
      .map((repositoryId) => ({ id: repositoryId, name: `Repository ${repositoryId} (not available)` })),
  ];
  return (
    <div className="prompt-fields">
      <TextField id={id('name')} label="Name" value={prompt.name} error={error('name')} onChange={(name) => onChange({ name })} />
      <div className="field">
        <label htmlFor={id('modelId')}>Model</label>
        <select
          id={id('modelId')}
          value={prompt.modelId}
          aria-invalid={error('modelId') ? true : undefined}
          aria-describedby={describedBy(id('modelId'), error('modelId'))}
          onChange={(event) => onChange({ modelId: event.target.value })}
        >
          {models.map((model) => (
            <option key={model} value={model}>
              {model}
            </option>
          ))}
        </select>
        <FieldError id={id('modelId')} error={error('modelId')} />
      </div>
      {first ? null : (
        <div className="field checkbox-field wide">
          <input id={id('withPrevious')} type="checkbox" checked={prompt.withPrevious} onChange={(event) => onChange({ withPrevious: event.target.checked })} />
          <label htmlFor={id('withPrevious')}>Run in parallel with the prompt before</label>
          <FieldError id={id('withPrevious')} error={error('withPrevious')} />
        </div>
      )}
      <div className="field wide">
        <span className="field-label" id={`${id('content')}-label`}>
          Content
        </span>
        <TemplateEditor
          id={id('content')}
          label={`Content of ${title}`}
          value={prompt.content}
          onChange={(content) => onChange({ content })}
          scope={scope}
          invalid={Boolean(contentError) || problems.length > 0}
          description={[...problems.map((problem) => `This prompt ${problem.message}.`), ...(serverOnly ? [serverOnly] : [])].join(' ')}
        />
        <small className="muted">
          Type <code>{'{{'}</code> for the inputs and the outputs of earlier prompts.
        </small>
        {problems.length > 0 ? (
          <ul className="template-problems field-error" aria-live="polite" aria-label={`Problems in ${title}`}>
            {problems.map((problem) => (
              <li key={`${problem.from}:${problem.message}`}>This prompt {problem.message}.</li>
            ))}
          </ul>
        ) : null}
        <FieldError id={id('content')} error={serverOnly} />
      </div>
      <fieldset className="wide choice-group">
        <legend>Tools</legend>
        {tools.length === 0 ? <p className="muted">No tools are configured.</p> : null}
        {tools.map((tool) => (
          <div key={tool.name} className="checkbox-field">
            <input
              id={id(`tool-${tool.name}`)}
              type="checkbox"
              checked={prompt.enabledTools.includes(tool.name)}
              onChange={(event) =>
                onChange({
                  enabledTools: event.target.checked ? [...prompt.enabledTools, tool.name] : prompt.enabledTools.filter((name) => name !== tool.name),
                })
              }
            />
            <label htmlFor={id(`tool-${tool.name}`)} title={tool.description}>
              {tool.label}
            </label>
          </div>
        ))}
        <FieldError id={id('enabledTools')} error={error('enabledTools')} />
      </fieldset>
      <fieldset className="wide choice-group">
        <legend>Knowledge repositories</legend>
        {repositories.length === 0 ? <p className="muted">No knowledge repositories you can read.</p> : null}
        {repositories.map((repository) => (
          <div key={repository.id} className="checkbox-field">
            <input
              id={id(`repository-${repository.id}`)}
              type="checkbox"
              checked={prompt.repositoryIds.includes(repository.id)}
              onChange={(event) =>
                onChange({
                  repositoryIds: event.target.checked
                    ? [...prompt.repositoryIds, repository.id]
                    : prompt.repositoryIds.filter((other) => other !== repository.id),
                })
              }
            />
            <label htmlFor={id(`repository-${repository.id}`)}>{repository.name}</label>
          </div>
        ))}
        <FieldError id={id('repositoryIds')} error={error('repositoryIds')} />
      </fieldset>
      <div className="field">
        <label htmlFor={id('searchType')}>Search type</label>
        <select
          id={id('searchType')}
          value={prompt.searchType}
          aria-describedby={describedBy(id('searchType'), error('searchType'))}
          onChange={(event) => onChange({ searchType: event.target.value as SearchType })}
        >
          {SEARCH_TYPES.map((type) => (
            <option key={type} value={type}>
              {SEARCH_LABELS[type]}
            </option>
          ))}
        </select>
        <FieldError id={id('searchType')} error={error('searchType')} />
      </div>
      <TextField
        id={id('timeoutMs')}
        label="Timeout (seconds)"
        inputMode="decimal"
        placeholder="default"
        value={prompt.timeoutSeconds}
        error={error('timeoutMs')}
        onChange={(timeoutSeconds) => onChange({ timeoutSeconds })}
      />
      <TextField
        id={id('maxOutputTokens')}
        label="Output limit (tokens)"
        inputMode="numeric"
        placeholder="default"
        value={prompt.maxOutputTokens}
        error={error('maxOutputTokens')}
        onChange={(maxOutputTokens) => onChange({ maxOutputTokens })}
      />
    </div>
  );
}
