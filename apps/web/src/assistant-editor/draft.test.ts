import { describe, expect, it } from 'vitest';
import {
  type AssistantDraft,
  errorsFromIssues,
  inputOf,
  movePrompt,
  newPrompt,
  newVariable,
  positionsOf,
  removePrompt,
  runInputOf,
  staleErrorKeys,
} from './draft.ts';

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
        { path: ['prompts', 1, 'position'], message: 'too big' },
        { path: ['inputVariables', 0, 'name'], message: 'must start with a letter' },
        { path: ['prompts', 7, 'name'], message: 'gone' },
        { path: [], message: 'whole' },
      ]),
    ).toEqual({
      fields: {
        name: 'name is required',
        [`prompt.${two!.key}.content`]: 'uses {{x}}, which is not a declared input variable; uses {{y}}, which is not a declared input variable',
        [`prompt.${two!.key}.withPrevious`]: 'too big',
        [`variable.${variable.key}.name`]: 'must start with a letter',
      },
      general: ['prompts.7.name: gone', 'whole'],
    });
    expect(one).toBeDefined();
  });

  it('keeps general the issues of fields the form does not show', () => {
    const draft = draftWith({ name: 'One' }, { name: 'Two' });
    expect(
      errorsFromIssues(draft, [
        { path: ['prompts', 0, 'position'], message: 'must be 1' },
        { path: ['prompts', 1, 'id'], message: 'is not a prompt of this assistant' },
        { path: ['inputVariables', 0, 'type'], message: 'is not a type' },
        { path: ['inputVariables', 0, 'required'], message: 'must be true or false' },
      ]),
    ).toEqual({
      fields: {},
      general: [
        'prompts.0.position: must be 1',
        'prompts.1.id: is not a prompt of this assistant',
        'inputVariables.0.type: is not a type',
        'inputVariables.0.required: must be true or false',
      ],
    });
  });
});

describe('movePrompt', () => {
  const shape = (draft: AssistantDraft) => draft.prompts.map((prompt) => `${prompt.name}${prompt.withPrevious ? '+' : ''}`);
  const moved = (draft: AssistantDraft, from: number, to: number) => shape({ ...draft, prompts: movePrompt(draft.prompts, from, to) });

  it('does not put a prompt moved next to a group into it, nor the group with it', () => {
    // A and B run together; C moved up lands between them and runs on its own step.
    expect(moved(draftWith({ name: 'A' }, { name: 'B', withPrevious: true }, { name: 'C' }), 2, 1)).toEqual(['A', 'C', 'B']);
    expect(moved(draftWith({ name: 'A' }, { name: 'B' }, { name: 'C', withPrevious: true }), 0, 1)).toEqual(['B', 'A', 'C']);
  });

  it('runs the moved prompt on its own step', () => {
    expect(moved(draftWith({ name: 'A' }, { name: 'B', withPrevious: true }, { name: 'C' }), 1, 2)).toEqual(['A', 'C', 'B']);
  });

  it('keeps the group the moved prompt left together, whichever of it moved', () => {
    // The first of A, B, C moves away: B and C still run together, B now first of them.
    expect(moved(draftWith({ name: 'A' }, { name: 'B', withPrevious: true }, { name: 'C', withPrevious: true }, { name: 'D' }), 0, 3)).toEqual([
      'B',
      'C+',
      'D',
      'A',
    ]);
    // The middle one moves away: A and C still run together.
    expect(moved(draftWith({ name: 'A' }, { name: 'B', withPrevious: true }, { name: 'C', withPrevious: true }, { name: 'D' }), 1, 3)).toEqual([
      'A',
      'C+',
      'D',
      'B',
    ]);
    expect(moved(draftWith({ name: 'X' }, { name: 'A' }, { name: 'B', withPrevious: true }), 1, 0)).toEqual(['A', 'X', 'B']);
  });

  it('keeps the prompts themselves when their step does not change', () => {
    const draft = draftWith({ name: 'A' }, { name: 'B' }, { name: 'C' });
    const next = movePrompt(draft.prompts, 2, 0);
    expect(next.map((prompt) => prompt.name)).toEqual(['C', 'A', 'B']);
    expect(next[1]).toBe(draft.prompts[0]);
  });
});

describe('removePrompt', () => {
  const shape = (draft: AssistantDraft) => draft.prompts.map((prompt) => `${prompt.name}${prompt.withPrevious ? '+' : ''}`);
  const removed = (draft: AssistantDraft, index: number) => shape({ ...draft, prompts: removePrompt(draft.prompts, index) });

  it('keeps the rest of a parallel group on its own step when its first prompt goes', () => {
    // A; then B and C together: without B, C runs after A, not with it.
    expect(removed(draftWith({ name: 'A' }, { name: 'B' }, { name: 'C', withPrevious: true }, { name: 'D', withPrevious: true }), 1)).toEqual(['A', 'C', 'D+']);
    expect(removed(draftWith({ name: 'A' }, { name: 'B', withPrevious: true }, { name: 'C' }), 0)).toEqual(['B', 'C']);
  });

  it('leaves the group as it was when another of its prompts goes', () => {
    expect(removed(draftWith({ name: 'A' }, { name: 'B' }, { name: 'C', withPrevious: true }, { name: 'D', withPrevious: true }), 2)).toEqual(['A', 'B', 'D+']);
    expect(removed(draftWith({ name: 'A' }, { name: 'B' }, { name: 'C', withPrevious: true }), 2)).toEqual(['A', 'B']);
    expect(removed(draftWith({ name: 'A' }, { name: 'B' }, { name: 'C' }), 1)).toEqual(['A', 'C']);
  });
});

describe('runInputOf', () => {
  it('sends only the values of the variables there are now', () => {
    expect(runInputOf([{ name: 'topic' }, { name: '' }], { topic: 'bees', tpoic: 'typo', '': 'x' })).toEqual({ topic: 'bees' });
  });
});

describe('staleErrorKeys', () => {
  it('names the errors of the prompts that changed or left, not the others', () => {
    const draft = draftWith({ name: 'A' }, { name: 'B' }, { name: 'C' });
    const [a, b, c] = draft.prompts as [AssistantDraft['prompts'][number], AssistantDraft['prompts'][number], AssistantDraft['prompts'][number]];
    const errors = { [`prompt.${a.key}.content`]: 'bad', [`prompt.${b.key}.name`]: 'twice', [`prompt.${c.key}.name`]: 'twice', prompts: 'too many', name: 'x' };
    expect(staleErrorKeys(draft.prompts, [a, { ...b, name: 'B2' }, c], errors).sort()).toEqual([`prompt.${b.key}.name`, 'prompts'].sort());
    expect(staleErrorKeys(draft.prompts, [a, b], errors).sort()).toEqual([`prompt.${c.key}.name`, 'prompts'].sort());
  });

  it('names the order controls when the order changed', () => {
    const draft = draftWith({ name: 'A' }, { name: 'B', withPrevious: true });
    const [a, b] = draft.prompts as [AssistantDraft['prompts'][number], AssistantDraft['prompts'][number]];
    const errors = { [`prompt.${b.key}.withPrevious`]: 'bad step', [`prompt.${b.key}.content`]: 'bad' };
    expect(staleErrorKeys(draft.prompts, [b, a], errors)).toEqual([`prompt.${b.key}.withPrevious`]);
  });
});
