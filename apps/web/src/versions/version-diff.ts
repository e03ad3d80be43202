import type { RouterOutputs } from '@aae/api';
import { diffWordsWithSpace } from 'diff';

export type AssistantVersion = RouterOutputs['assistants']['version'];
export type VersionPrompt = AssistantVersion['prompts'][number];
export type InputVariable = AssistantVersion['inputVariables'][number];

/** A piece of text as a diff shows it: kept, removed (only in the older) or added (only in the newer). */
export interface TextPart {
  kind: 'same' | 'removed' | 'added';
  text: string;
}

/** The word-by-word changes from one text to another. */
export function diffText(from: string, to: string): TextPart[] {
  return diffWordsWithSpace(from, to).map((change) => ({
    kind: change.added ? 'added' : change.removed ? 'removed' : 'same',
    text: change.value,
  }));
}

/** One field of a prompt or variable that differs, as text on each side. */
export interface FieldChange {
  field: string;
  from: string;
  to: string;
}

export interface PromptChange {
  /** Absent: the prompt was added. */
  from?: VersionPrompt;
  /** Absent: the prompt was removed. */
  to?: VersionPrompt;
  status: 'added' | 'removed' | 'changed' | 'same';
  /** Its settings that differ (content is compared on its own). */
  fields: FieldChange[];
  contentChanged: boolean;
}

export interface VariableChange {
  name: string;
  status: 'added' | 'removed' | 'changed' | 'same';
  fields: FieldChange[];
}

export interface VersionComparison {
  name: { from: string; to: string; changed: boolean };
  description: { from: string; to: string; changed: boolean };
  variables: VariableChange[];
  prompts: PromptChange[];
  /** Whether anything differs at all. */
  changed: boolean;
}

const list = (values: readonly (string | number)[]) => (values.length === 0 ? 'none' : values.join(', '));
const orDefault = (value: number | null) => (value === null ? 'default' : String(value));

/** A prompt's settings as a person reads them, in the order a diff lists them. */
function promptFields(prompt: VersionPrompt): Array<[string, string]> {
  return [
    ['Name', prompt.name],
    ['Position', String(prompt.position)],
    ['Model', prompt.modelId],
    ['Knowledge repositories', list(prompt.repositoryIds)],
    ['Search', prompt.searchType],
    ['Tools', list(prompt.enabledTools)],
    ['Timeout (ms)', orDefault(prompt.timeoutMs)],
    ['Max output tokens', orDefault(prompt.maxOutputTokens)],
  ];
}

function variableFields(variable: InputVariable): Array<[string, string]> {
  return [
    ['Label', variable.label],
    ['Type', variable.type],
    ['Required', variable.required ? 'yes' : 'no'],
    ['Description', variable.description ?? ''],
  ];
}

function changedFields(from: Array<[string, string]>, to: Array<[string, string]>): FieldChange[] {
  return from.flatMap(([field, before], index) => {
    const after = to[index]?.[1] ?? '';
    return before === after ? [] : [{ field, from: before, to: after }];
  });
}

/**
 * Pairs each prompt of the newer version with the one it continues in the older: by line first
 * (a save that edited a prompt keeps its line), then by name, then by position. What is left is
 * added or removed.
 */
export function matchPrompts(from: readonly VersionPrompt[], to: readonly VersionPrompt[]): Array<{ from?: VersionPrompt; to?: VersionPrompt }> {
  const unmatched = new Set(from);
  const partner = new Map<VersionPrompt, VersionPrompt>();
  const rules: Array<(a: VersionPrompt, b: VersionPrompt) => boolean> = [
    (a, b) => a.lineageId === b.lineageId,
    (a, b) => a.name === b.name,
    (a, b) => a.position === b.position,
  ];
  for (const rule of rules) {
    for (const newer of to) {
      if (partner.has(newer)) continue;
      const older = [...unmatched].find((candidate) => rule(candidate, newer));
      if (older) {
        partner.set(newer, older);
        unmatched.delete(older);
      }
    }
  }
  const pairs: Array<{ from?: VersionPrompt; to?: VersionPrompt }> = to.map((newer) => {
    const older = partner.get(newer);
    return older ? { from: older, to: newer } : { to: newer };
  });
  // A removed prompt goes where it stood: before the first prompt that stood after it.
  for (const older of from.filter((prompt) => unmatched.has(prompt))) {
    const at = pairs.findIndex((pair) => (pair.from?.position ?? pair.to?.position ?? 0) > older.position);
    pairs.splice(at === -1 ? pairs.length : at, 0, { from: older });
  }
  return pairs;
}

function comparePrompts(from: readonly VersionPrompt[], to: readonly VersionPrompt[]): PromptChange[] {
  return matchPrompts(from, to).map((pair) => {
    if (!pair.from) return { to: pair.to!, status: 'added', fields: [], contentChanged: false };
    if (!pair.to) return { from: pair.from, status: 'removed', fields: [], contentChanged: false };
    const fields = changedFields(promptFields(pair.from), promptFields(pair.to));
    const contentChanged = pair.from.content !== pair.to.content;
    return { ...pair, status: fields.length > 0 || contentChanged ? 'changed' : 'same', fields, contentChanged } as PromptChange;
  });
}

function compareVariables(from: readonly InputVariable[], to: readonly InputVariable[]): VariableChange[] {
  const older = new Map(from.map((variable) => [variable.name, variable]));
  const newer = new Map(to.map((variable) => [variable.name, variable]));
  const changes: VariableChange[] = to.map((variable) => {
    const before = older.get(variable.name);
    if (!before) return { name: variable.name, status: 'added', fields: [] };
    const fields = changedFields(variableFields(before), variableFields(variable));
    return { name: variable.name, status: fields.length > 0 ? 'changed' : 'same', fields };
  });
  for (const variable of from) if (!newer.has(variable.name)) changes.push({ name: variable.name, status: 'removed', fields: [] });
  return changes;
}

/** What changed from one version to another: name, description, input variables and each prompt. */
export function compareVersions(from: AssistantVersion, to: AssistantVersion): VersionComparison {
  const variables = compareVariables(from.inputVariables, to.inputVariables);
  const prompts = comparePrompts(from.prompts, to.prompts);
  const name = { from: from.name, to: to.name, changed: from.name !== to.name };
  const description = { from: from.description, to: to.description, changed: from.description !== to.description };
  const changed =
    name.changed || description.changed || variables.some((change) => change.status !== 'same') || prompts.some((change) => change.status !== 'same');
  return { name, description, variables, prompts, changed };
}
