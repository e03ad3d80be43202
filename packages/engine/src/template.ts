/**
 * Prompt templates: `{{name}}` inserts an execution input, `{{output:Prompt name}}` inserts the
 * output of an earlier prompt in the chain.
 */
const PLACEHOLDER = /\{\{\s*(?:output:\s*([^{}]+?)|([A-Za-z_][A-Za-z0-9_]*))\s*\}\}/g;

export type TemplateReference = { kind: 'input'; name: string; placeholder: string } | { kind: 'output'; promptName: string; placeholder: string };

export function findReferences(content: string): TemplateReference[] {
  return [...content.matchAll(PLACEHOLDER)].map((match) =>
    match[1] !== undefined
      ? { kind: 'output', promptName: match[1], placeholder: `output:${match[1]}` }
      : { kind: 'input', name: match[2] as string, placeholder: match[2] as string },
  );
}

export interface SubstitutionContext {
  inputs: Readonly<Record<string, string>>;
  /** Outputs of prompts that have finished, by prompt name. */
  outputs: ReadonlyMap<string, { promptId: number; output: string }>;
}

export interface Substitution {
  text: string;
  /** Each placeholder that was filled, by its name as written, with the value it received. */
  variables: Record<string, string>;
  /** Ids of the prompts whose outputs were inserted. */
  sourcePrompts: number[];
}

export class TemplateError extends Error {
  override name = 'TemplateError';
}

export function substitute(content: string, context: SubstitutionContext): Substitution {
  const variables: Record<string, string> = {};
  const sourcePrompts = new Set<number>();
  const text = content.replace(PLACEHOLDER, (_match, promptName: string | undefined, inputName: string | undefined) => {
    if (promptName !== undefined) {
      const source = context.outputs.get(promptName);
      if (!source) throw new TemplateError(`No output from a prompt named "${promptName}" is available yet`);
      sourcePrompts.add(source.promptId);
      variables[`output:${promptName}`] = source.output;
      return source.output;
    }
    const value = context.inputs[inputName as string] ?? '';
    variables[inputName as string] = value;
    return value;
  });
  return { text, variables, sourcePrompts: [...sourcePrompts] };
}

export interface TemplateIssue {
  /** Index of the prompt in the list given. */
  promptIndex: number;
  message: string;
}

/**
 * Checks every placeholder of a chain before it is saved: inputs must be declared, and outputs
 * must come from a prompt that runs earlier (a smaller position).
 */
export function checkTemplates(inputNames: readonly string[], prompts: ReadonlyArray<{ name: string; position: number; content: string }>): TemplateIssue[] {
  const issues: TemplateIssue[] = [];
  const positions = new Map(prompts.map((prompt) => [prompt.name, prompt.position]));
  prompts.forEach((prompt, promptIndex) => {
    for (const reference of findReferences(prompt.content)) {
      if (reference.kind === 'input') {
        if (!inputNames.includes(reference.name)) {
          issues.push({ promptIndex, message: `uses {{${reference.name}}}, which is not a declared input variable` });
        }
        continue;
      }
      const sourcePosition = positions.get(reference.promptName);
      if (sourcePosition === undefined) {
        issues.push({ promptIndex, message: `uses {{output:${reference.promptName}}}, but no prompt has that name` });
      } else if (sourcePosition >= prompt.position) {
        issues.push({
          promptIndex,
          message: `uses {{output:${reference.promptName}}}, which does not run before it (position ${sourcePosition} ≥ ${prompt.position})`,
        });
      }
    }
  });
  return issues;
}
