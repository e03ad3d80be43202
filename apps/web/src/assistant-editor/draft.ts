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
    // A position's problem belongs to the prompt's "with previous" box, which the first has not.
    const shown = field === 'position' ? (index > 0 ? 'withPrevious' : null) : PROMPT_FIELDS.has(field) ? field : null;
    return prompt && shown ? `prompt.${prompt.key}.${shown}` : null;
  }
  if (head === 'inputVariables') {
    const variable = draft.inputVariables[index];
    return variable && VARIABLE_FIELDS.has(field) ? `variable.${variable.key}.${field}` : null;
  }
  return null;
}

/** The fields of a prompt and of a variable that show their own problems; others' go to the general box. */
const PROMPT_FIELDS = new Set(['name', 'content', 'modelId', 'enabledTools', 'repositoryIds', 'searchType', 'timeoutMs', 'maxOutputTokens']);
const VARIABLE_FIELDS = new Set(['name', 'label', 'description']);

/** The run inputs to send for the variables the draft has now (values typed for removed or renamed ones are left out). */
export function runInputOf(variables: ReadonlyArray<Pick<VariableDraft, 'name'>>, values: Readonly<Record<string, string>>): Record<string, string> {
  const names = new Set(variables.map((variable) => variable.name.trim()).filter(Boolean));
  return Object.fromEntries(Object.entries(values).filter(([name]) => names.has(name)));
}

/**
 * The prompts with the one at `from` moved to `to`. The moved prompt runs on its own step; every
 * other prompt stays in the parallel group it was in (so a group is neither joined nor split by
 * the one that left it; one the moved prompt lands inside of runs in two steps around it).
 */
export function movePrompt(prompts: readonly PromptDraft[], from: number, to: number): PromptDraft[] {
  const groups = positionsOf(prompts).map((position) => `g${position}`);
  const moved = prompts[from];
  if (!moved || to < 0 || to >= prompts.length || from === to) return [...prompts];
  const order = prompts.map((prompt, index) => ({ prompt, group: index === from ? 'moved' : groups[index]! }));
  const [item] = order.splice(from, 1);
  order.splice(to, 0, item!);
  return order.map(({ prompt, group }, index) => {
    const withPrevious = index > 0 && group !== 'moved' && order[index - 1]!.group === group;
    return prompt.withPrevious === withPrevious ? prompt : { ...prompt, withPrevious };
  });
}

/**
 * The prompts without the one at `index`. The others keep their steps: when the first of a
 * parallel group goes, the next of that group heads it, rather than joining the step before.
 */
export function removePrompt(prompts: readonly PromptDraft[], index: number): PromptDraft[] {
  const removed = prompts[index];
  if (!removed) return [...prompts];
  return prompts
    .filter((_, other) => other !== index)
    .map((prompt, next) => {
      const headsItsGroup = next === 0 || (next === index && !removed.withPrevious);
      return headsItsGroup && prompt.withPrevious ? { ...prompt, withPrevious: false } : prompt;
    });
}

/**
 * The error keys a change of the prompts makes stale: every field of a prompt that changed or
 * left, the list's own, and the order controls when the order changed.
 */
export function staleErrorKeys(before: readonly PromptDraft[], after: readonly PromptDraft[], errors: DraftErrors): string[] {
  const previous = new Map(before.map((prompt) => [prompt.key, prompt]));
  const remaining = new Set(after.map((prompt) => prompt.key));
  const changed = new Set([
    ...after.filter((prompt) => previous.get(prompt.key) !== prompt).map((prompt) => prompt.key),
    ...before.filter((prompt) => !remaining.has(prompt.key)).map((prompt) => prompt.key),
  ]);
  const reordered = before.length !== after.length || before.some((prompt, index) => after[index]?.key !== prompt.key);
  return Object.keys(errors).filter(
    (key) =>
      key === 'prompts' ||
      (key.startsWith('prompt.') && changed.has(key.split('.')[1]!)) ||
      (reordered && key.startsWith('prompt.') && key.endsWith('.withPrevious')),
  );
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
