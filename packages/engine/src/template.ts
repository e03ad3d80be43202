/**
 * Filling prompt templates: `{{name}}` inserts an execution input, `{{output:Prompt name}}` inserts
 * the output of an earlier prompt in the chain. Which placeholders a prompt may use is checked
 * before saving (`checkTemplates` in `@aae/events`).
 */
import { TEMPLATE_PLACEHOLDER } from '@aae/events';

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
  const text = content.replace(TEMPLATE_PLACEHOLDER, (_match, promptName: string | undefined, inputName: string | undefined) => {
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
