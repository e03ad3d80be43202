import type { RouterInputs, RouterOutputs } from '@aae/api';
import type { SearchType } from '@aae/events';

type Assistant = RouterOutputs['assistants']['get'];
/** The whole assistant as the form sends it: what `assistants.save` takes, and who may see it. */
export type AssistantInput = Omit<RouterInputs['assistants']['save'], 'id' | 'baseVersion'> & { visibility: 'private' | 'shared' };
export type VariableType = 'text' | 'textarea' | 'number';

/** Form state for one input variable; `key` stays with it while the list changes. */
export interface VariableDraft {
  key: string;
  name: string;
  label: string;
  type: VariableType;
  required: boolean;
  description: string;
}

/** Form state for one prompt. Numbers are kept as typed and checked when saving. */
export interface PromptDraft {
  key: string;
  /** The saved prompt this one continues (so versions compare prompt by prompt); absent when new. */
  promptId?: number;
  name: string;
  content: string;
  modelId: string;
  /** Runs at the same position as the prompt before it, in parallel with it. */
  withPrevious: boolean;
  repositoryIds: number[];
  searchType: SearchType;
  enabledTools: string[];
  timeoutSeconds: string;
  maxOutputTokens: string;
}

export interface AssistantDraft {
  name: string;
  description: string;
  visibility: 'private' | 'shared';
  inputVariables: VariableDraft[];
  prompts: PromptDraft[];
}

let nextKey = 0;
export const newKey = (prefix: string) => `${prefix}${++nextKey}`;

export function newVariable(): VariableDraft {
  return { key: newKey('v'), name: '', label: '', type: 'text', required: true, description: '' };
}

export function newPrompt(modelId: string): PromptDraft {
  return {
    key: newKey('p'),
    name: '',
    content: '',
    modelId,
    withPrevious: false,
    repositoryIds: [],
    searchType: 'hybrid',
    enabledTools: [],
    timeoutSeconds: '',
    maxOutputTokens: '',
  };
}

export function emptyDraft(modelId: string): AssistantDraft {
  return { name: '', description: '', visibility: 'private', inputVariables: [], prompts: [newPrompt(modelId)] };
}

/** The positions the prompts run at: each one after the previous, unless it runs with it. */
export function positionsOf(prompts: ReadonlyArray<Pick<PromptDraft, 'withPrevious'>>): number[] {
  const positions: number[] = [];
  prompts.forEach((prompt, index) => {
    const previous = positions[index - 1];
    positions.push(previous === undefined ? 1 : prompt.withPrevious ? previous : previous + 1);
  });
  return positions;
}

export function draftOf(assistant: Assistant): AssistantDraft {
  return {
    name: assistant.name,
    description: assistant.description,
    visibility: assistant.visibility,
    inputVariables: assistant.inputVariables.map((variable) => ({
      key: newKey('v'),
      name: variable.name,
      label: variable.label,
      type: variable.type,
      required: variable.required,
      description: variable.description ?? '',
    })),
    prompts: assistant.prompts.map((prompt, index) => ({
      key: newKey('p'),
      promptId: prompt.id,
      name: prompt.name,
      content: prompt.content,
      modelId: prompt.modelId,
      withPrevious: index > 0 && assistant.prompts[index - 1]!.position === prompt.position,
      repositoryIds: [...prompt.repositoryIds],
      searchType: prompt.searchType,
      enabledTools: [...prompt.enabledTools],
      timeoutSeconds: prompt.timeoutMs == null ? '' : String(prompt.timeoutMs / 1000),
      maxOutputTokens: prompt.maxOutputTokens == null ? '' : String(prompt.maxOutputTokens),
    })),
  };
}

/** The key of a field in form errors: `name`, `prompt.<key>.content`, `variable.<key>.label`. */
export type FieldKey = string;
export type DraftErrors = Record<FieldKey, string>;

/** The draft as the API takes it, or the fields whose text is not a number where one is needed. */
export function inputOf(draft: AssistantDraft): { input: AssistantInput } | { errors: DraftErrors } {
  const errors: DraftErrors = {};
  const positions = positionsOf(draft.prompts);
  const prompts = draft.prompts.map((prompt, index) => {
    const timeoutSeconds = optionalNumber(prompt.timeoutSeconds);
    if (Number.isNaN(timeoutSeconds)) errors[`prompt.${prompt.key}.timeoutMs`] = 'Timeout must be a number of seconds';
    const maxOutputTokens = optionalNumber(prompt.maxOutputTokens);
    if (Number.isNaN(maxOutputTokens)) errors[`prompt.${prompt.key}.maxOutputTokens`] = 'Output limit must be a whole number of tokens';
    return {
      ...(prompt.promptId === undefined ? {} : { id: prompt.promptId }),
      name: prompt.name,
      position: positions[index]!,
      content: prompt.content,
      modelId: prompt.modelId,
      repositoryIds: prompt.repositoryIds,
      searchType: prompt.searchType,
      enabledTools: prompt.enabledTools,
      timeoutMs: timeoutSeconds === null ? null : Math.round(timeoutSeconds * 1000),
      maxOutputTokens,
    };
  });
  if (Object.keys(errors).length > 0) return { errors };
  return {
    input: {
      name: draft.name,
      description: draft.description,
      visibility: draft.visibility,
      inputVariables: draft.inputVariables.map((variable) => ({
        name: variable.name,
        label: variable.label,
        type: variable.type,
        required: variable.required,
        ...(variable.description.trim() ? { description: variable.description } : {}),
      })),
      prompts,
    },
  };
}

function optionalNumber(text: string): number | null {
  return text.trim() === '' ? null : Number(text);
}

/**
 * The server's field issues (`data.fieldIssues`) by the form's field keys, for the draft that was
 * sent; issues naming no field of the form are `general`.
 */
export function errorsFromIssues(draft: AssistantDraft, issues: ReadonlyArray<{ path: ReadonlyArray<string | number>; message: string }>) {
  const fields: DraftErrors = {};
  const general: string[] = [];
  for (const issue of issues) {
    const key = fieldKeyOf(draft, issue.path);
    if (key === null) general.push(issue.path.length > 0 ? `${issue.path.join('.')}: ${issue.message}` : issue.message);
    else fields[key] = fields[key] ? `${fields[key]}; ${issue.message}` : issue.message;
  }
  return { fields, general };
}

function fieldKeyOf(draft: AssistantDraft, path: ReadonlyArray<string | number>): FieldKey | null {
  const [head, index, field] = path;
  if (path.length === 1 && (head === 'name' || head === 'description' || head === 'visibility')) return head;
  if (path.length === 1 && (head === 'prompts' || head === 'inputVariables')) return head;
  if (typeof index !== 'number' || typeof field !== 'string') return null;
  if (head === 'prompts') {
    const prompt = draft.prompts[index];
    if (!prompt) return null;
    // A position's problem belongs to the prompt's order controls; the rest to their own fields.
    return `prompt.${prompt.key}.${field === 'position' ? 'withPrevious' : field}`;
  }
  if (head === 'inputVariables') {
    const variable = draft.inputVariables[index];
    return variable ? `variable.${variable.key}.${field}` : null;
  }
  return null;
}

/** The names a prompt's content may use: declared inputs, and the prompts running before it. */
export function referenceScopeOf(draft: AssistantDraft) {
  const positions = positionsOf(draft.prompts);
  return {
    inputNames: draft.inputVariables.map((variable) => variable.name).filter(Boolean),
    promptPositions: new Map(draft.prompts.map((prompt, index) => [prompt.name.trim(), positions[index]!] as const).filter(([name]) => name !== '')),
    positions,
  };
}
