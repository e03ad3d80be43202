import { describe, expect, it } from 'vitest';
import { type AssistantDraft, errorsFromIssues, inputOf, newPrompt, newVariable, positionsOf } from './draft.ts';

function draftWith(...prompts: Array<{ name: string; withPrevious?: boolean }>): AssistantDraft {
  return {
    name: 'A',
    description: '',
    visibility: 'private',
    inputVariables: [{ ...newVariable(), name: 'topic', label: 'Topic' }],
    prompts: prompts.map((prompt) => ({ ...newPrompt('local'), name: prompt.name, content: 'x', withPrevious: prompt.withPrevious ?? false })),
  };
}

describe('positionsOf', () => {
  it('gives each prompt the next position unless it runs with the one before; the first is always 1', () => {
    expect(positionsOf([{ withPrevious: true }, { withPrevious: true }, { withPrevious: false }, { withPrevious: true }, { withPrevious: false }])).toEqual([
      1, 1, 2, 2, 3,
    ]);
  });
});

describe('inputOf', () => {
  it('sends positions, seconds as milliseconds, and empty limits as null', () => {
    const draft = draftWith({ name: 'One' }, { name: 'Two', withPrevious: true }, { name: 'Three' });
    draft.prompts[0]!.timeoutSeconds = '2.5';
    draft.prompts[2]!.maxOutputTokens = '300';
    const built = inputOf(draft);
    if (!('input' in built)) throw new Error('expected an input');
    expect(built.input.prompts.map((prompt) => [prompt.name, prompt.position, prompt.timeoutMs, prompt.maxOutputTokens])).toEqual([
      ['One', 1, 2500, null],
      ['Two', 1, null, null],
      ['Three', 2, null, 300],
    ]);
    expect(built.input.inputVariables).toEqual([{ name: 'topic', label: 'Topic', type: 'text', required: true }]);
  });

  it('names the fields whose text is not a number', () => {
    const draft = draftWith({ name: 'One' });
    draft.prompts[0]!.timeoutSeconds = 'soon';
    expect(inputOf(draft)).toEqual({ errors: { [`prompt.${draft.prompts[0]!.key}.timeoutMs`]: 'Timeout must be a number of seconds' } });
  });
});

describe('errorsFromIssues', () => {
  it('puts each server issue on the field of the draft it names, by the stable keys, and keeps the rest general', () => {
    const draft = draftWith({ name: 'One' }, { name: 'Two' });
    const [one, two] = draft.prompts;
    const variable = draft.inputVariables[0]!;
    expect(
      errorsFromIssues(draft, [
        { path: ['name'], message: 'name is required' },
        { path: ['prompts', 1, 'content'], message: 'uses {{x}}, which is not a declared input variable' },
        { path: ['prompts', 1, 'content'], message: 'uses {{y}}, which is not a declared input variable' },
        { path: ['prompts', 0, 'position'], message: 'too big' },
        { path: ['inputVariables', 0, 'name'], message: 'must start with a letter' },
        { path: ['prompts', 7, 'name'], message: 'gone' },
        { path: [], message: 'whole' },
      ]),
    ).toEqual({
      fields: {
        name: 'name is required',
        [`prompt.${two!.key}.content`]: 'uses {{x}}, which is not a declared input variable; uses {{y}}, which is not a declared input variable',
        [`prompt.${one!.key}.withPrevious`]: 'too big',
        [`variable.${variable.key}.name`]: 'must start with a letter',
      },
      general: ['prompts.7.name: gone', 'whole'],
    });
  });
});
