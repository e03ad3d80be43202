import { describe, expect, it } from 'vitest';
import { checkTemplates, findReferences } from './template-references.ts';

describe('findReferences', () => {
  it('finds inputs and outputs with their offsets', () => {
    const content = 'Hi {{ name }}, see {{output:Draft one}}.';
    expect(findReferences(content)).toEqual([
      { kind: 'input', name: 'name', placeholder: 'name', from: 3, to: 13 },
      { kind: 'output', promptName: 'Draft one', placeholder: 'output:Draft one', from: 19, to: 39 },
    ]);
    expect(content.slice(19, 39)).toBe('{{output:Draft one}}');
  });
});

describe('checkTemplates', () => {
  const prompts = [
    { name: 'Left', position: 1, content: 'About {{topic}}' },
    { name: 'Right', position: 1, content: 'Beside {{output:Left}}' },
    { name: 'Join', position: 2, content: '{{output:Left}} {{output:Right}} {{output:Nope}} {{tone}}' },
  ];

  it('accepts declared inputs and earlier outputs, and names each other placeholder', () => {
    expect(checkTemplates(['topic'], prompts)).toEqual([
      { promptIndex: 1, message: 'uses {{output:Left}}, which does not run before it (position 1 ≥ 1)', from: 7, to: 22 },
      { promptIndex: 2, message: 'uses {{output:Nope}}, but no prompt has that name', from: 33, to: 48 },
      { promptIndex: 2, message: 'uses {{tone}}, which is not a declared input variable', from: 49, to: 57 },
    ]);
  });
});
