/**
 * The placeholders of a prompt template and the rule for which ones a prompt may use: `{{name}}`
 * inserts a declared input variable, `{{output:Prompt name}}` the output of a prompt that runs
 * earlier (a smaller position). The server's validation and the web editor's inline checks both
 * use this module, so they always agree.
 */

/** `{{ output: Prompt name }}` or `{{ variable_name }}`, spaces allowed inside the braces. */
export const TEMPLATE_PLACEHOLDER = /\{\{\s*(?:output:\s*([^{}]+?)|([A-Za-z_][A-Za-z0-9_]*))\s*\}\}/g;

export type TemplateReference = ({ kind: 'input'; name: string; placeholder: string } | { kind: 'output'; promptName: string; placeholder: string }) & {
  /** Offsets of the whole placeholder, braces included, in the content. */
  from: number;
  to: number;
};

export function findReferences(content: string): TemplateReference[] {
  return [...content.matchAll(TEMPLATE_PLACEHOLDER)].map((match) => {
    const from = match.index;
    const to = from + match[0].length;
    return match[1] !== undefined
      ? { kind: 'output', promptName: match[1], placeholder: `output:${match[1]}`, from, to }
      : { kind: 'input', name: match[2] as string, placeholder: match[2] as string, from, to };
  });
}

/** What a prompt at some position may refer to. */
export interface ReferenceScope {
  inputNames: readonly string[];
  /** Every prompt of the chain by name, with its position. */
  promptPositions: ReadonlyMap<string, number>;
}

/** Why a prompt at `position` may not use `reference`, or null when it may. */
export function referenceProblem(reference: TemplateReference, position: number, scope: ReferenceScope): string | null {
  if (reference.kind === 'input') {
    return scope.inputNames.includes(reference.name) ? null : `uses {{${reference.name}}}, which is not a declared input variable`;
  }
  const sourcePosition = scope.promptPositions.get(reference.promptName);
  if (sourcePosition === undefined) return `uses {{output:${reference.promptName}}}, but no prompt has that name`;
  if (sourcePosition >= position) {
    return `uses {{output:${reference.promptName}}}, which does not run before it (position ${sourcePosition} ≥ ${position})`;
  }
  return null;
}

export interface TemplateIssue {
  /** Index of the prompt in the list given. */
  promptIndex: number;
  message: string;
  /** Offsets of the placeholder at fault in the prompt's content. */
  from: number;
  to: number;
}

/** Every placeholder of a chain checked before it is saved (see `referenceProblem`). */
export function checkTemplates(inputNames: readonly string[], prompts: ReadonlyArray<{ name: string; position: number; content: string }>): TemplateIssue[] {
  const scope: ReferenceScope = { inputNames, promptPositions: promptPositionsOf(prompts) };
  return prompts.flatMap((prompt, promptIndex) =>
    findReferences(prompt.content).flatMap((reference) => {
      const message = referenceProblem(reference, prompt.position, scope);
      return message === null ? [] : [{ promptIndex, message, from: reference.from, to: reference.to }];
    }),
  );
}

/** Prompts by name with their positions; a name used twice keeps its first prompt's. */
export function promptPositionsOf(prompts: ReadonlyArray<{ name: string; position: number }>): Map<string, number> {
  const positions = new Map<string, number>();
  for (const prompt of prompts) if (!positions.has(prompt.name)) positions.set(prompt.name, prompt.position);
  return positions;
}
