import { describe, expect, it } from 'vitest';
import { compareVersions, diffText, matchPrompts, type AssistantVersion, type VersionPrompt } from './version-diff.ts';

let nextId = 1;
function prompt(name: string, position: number, content = `${name} text`, lineageId?: number): VersionPrompt {
  const id = nextId++;
  return {
    id,
    lineageId: lineageId ?? id,
    name,
    position,
    modelId: 'local',
    content,
    repositoryIds: [],
    searchType: 'hybrid',
    enabledTools: [],
    timeoutMs: null,
    maxOutputTokens: null,
  };
}

function version(number: number, prompts: VersionPrompt[], extra: Partial<AssistantVersion> = {}): AssistantVersion {
  return {
    assistantId: 1,
    number,
    name: 'Brief',
    description: '',
    inputVariables: [{ name: 'topic', label: 'Topic', type: 'text', required: true }],
    createdAt: new Date(0),
    authorName: 'demo',
    promptCount: prompts.length,
    prompts,
    ...extra,
  };
}

describe('matching prompts between versions', () => {
  it('follows a prompt’s line through a rename, then matches by name, then by position', () => {
    const outline = prompt('Outline', 1);
    const draft = prompt('Draft', 2);
    const notes = prompt('Notes', 3);
    const plan = prompt('Plan', 1, 'Plan text', outline.lineageId);
    const draftAgain = prompt('Draft', 2);
    const summary = prompt('Summary', 3);
    const pairs = matchPrompts([outline, draft, notes], [plan, draftAgain, summary]);
    expect(pairs.map((pair) => [pair.from?.name, pair.to?.name])).toEqual([
      ['Outline', 'Plan'],
      ['Draft', 'Draft'],
      ['Notes', 'Summary'],
    ]);
  });

  it('lists a removed prompt where it stood and an added one where it is', () => {
    const first = prompt('First', 1);
    const second = prompt('Second', 2);
    const third = prompt('Third', 3);
    const pairs = matchPrompts([first, second, third], [prompt('First', 1, 'x', first.lineageId), prompt('Third', 2, 'y', third.lineageId)]);
    expect(pairs.map((pair) => [pair.from?.name ?? null, pair.to?.name ?? null])).toEqual([
      ['First', 'First'],
      ['Second', null],
      ['Third', 'Third'],
    ]);
  });
});

describe('comparing two versions', () => {
  it('names what changed: name, variables, prompt settings and content', () => {
    const outline = prompt('Outline', 1, 'Outline {{topic}}');
    const from = version(1, [outline]);
    const to = version(2, [{ ...prompt('Outline', 1, 'Outline {{topic}} briefly', outline.lineageId), modelId: 'other' }], {
      name: 'Brief v2',
      inputVariables: [
        { name: 'topic', label: 'Subject', type: 'text', required: true },
        { name: 'audience', label: 'Audience', type: 'text', required: false },
      ],
    });
    const comparison = compareVersions(from, to);
    expect(comparison.changed).toBe(true);
    expect(comparison.name).toEqual({ from: 'Brief', to: 'Brief v2', changed: true });
    expect(comparison.variables).toEqual([
      { name: 'topic', status: 'changed', fields: [{ field: 'Label', from: 'Topic', to: 'Subject' }] },
      { name: 'audience', status: 'added', fields: [] },
    ]);
    expect(comparison.prompts[0]).toMatchObject({ status: 'changed', contentChanged: true, fields: [{ field: 'Model', from: 'local', to: 'other' }] });
  });

  it('finds nothing between a version and its copy', () => {
    const only = prompt('Only', 1);
    expect(compareVersions(version(1, [only]), version(2, [{ ...only, id: 99 }])).changed).toBe(false);
  });

  it('diffs text word by word, keeping whitespace', () => {
    expect(diffText('a b\nc', 'a x\nc')).toEqual([
      { kind: 'same', text: 'a ' },
      { kind: 'removed', text: 'b' },
      { kind: 'added', text: 'x' },
      { kind: 'same', text: '\nc' },
    ]);
  });
});
