import { describe, expect, it } from 'vitest';
import { CliError, EXIT } from './exit-codes.ts';
import { checkInputAgainst, parseInputPairs } from './input-pairs.ts';

function usageError(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(CliError);
    expect((error as CliError).exitCode).toBe(EXIT.usage);
    return (error as Error).message;
  }
  throw new Error('expected a usage error');
}

describe('parseInputPairs', () => {
  it('splits at the first "=": the value keeps the rest, spaces and all', () => {
    expect(parseInputPairs(['topic=tidal energy', 'query=a=b&c=d', 'empty='])).toEqual({ topic: 'tidal energy', query: 'a=b&c=d', empty: '' });
  });

  it('takes no pairs as no input', () => {
    expect(parseInputPairs([])).toEqual({});
  });

  it('refuses a pair without "=" or without a name, naming it', () => {
    expect(usageError(() => parseInputPairs(['topic']))).toBe('--input "topic" has no "=": write it as name=value');
    expect(usageError(() => parseInputPairs(['=value']))).toBe('--input "=value" has no name before "=": write it as name=value');
  });

  it('refuses a name given twice rather than keeping one of them', () => {
    expect(usageError(() => parseInputPairs(['topic=a', 'topic=b']))).toBe('--input "topic" is given twice');
  });

  it('is not fooled by names of Object.prototype', () => {
    expect(parseInputPairs(['constructor=x', 'toString=y'])).toEqual({ constructor: 'x', toString: 'y' });
  });
});

describe('checkInputAgainst', () => {
  const declared = [
    { name: 'topic', label: 'Topic', required: true, type: 'text' },
    { name: 'audience', label: 'Audience', required: false, type: 'text' },
  ];

  it('accepts the required inputs with or without the optional ones', () => {
    expect(() => checkInputAgainst('Brief', declared, { topic: 'x' })).not.toThrow();
    expect(() => checkInputAgainst('Brief', declared, { topic: 'x', audience: 'y' })).not.toThrow();
  });

  it('names every unknown and missing input at once, and what the assistant takes', () => {
    expect(usageError(() => checkInputAgainst('Brief', declared, { tone: 'dry', topic: '  ' }))).toBe(
      '"Brief": unknown input "tone"; missing required input "topic" (Topic). It takes: topic, audience?',
    );
    expect(usageError(() => checkInputAgainst('Plain', [], { topic: 'x' }))).toBe('"Plain": unknown input "topic". It takes: no inputs');
  });
});
