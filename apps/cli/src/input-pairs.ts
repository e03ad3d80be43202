import { CliError, EXIT } from './exit-codes.ts';

/**
 * Reads `--input name=value` pairs: the value is everything after the first `=` (it may hold
 * more), a name given twice is refused rather than silently overwritten.
 */
export function parseInputPairs(pairs: readonly string[]): Record<string, string> {
  const input: Record<string, string> = {};
  for (const pair of pairs) {
    const equals = pair.indexOf('=');
    if (equals === -1) throw new CliError(EXIT.usage, `--input "${pair}" has no "=": write it as name=value`);
    const name = pair.slice(0, equals).trim();
    if (name === '') throw new CliError(EXIT.usage, `--input "${pair}" has no name before "=": write it as name=value`);
    if (Object.hasOwn(input, name)) throw new CliError(EXIT.usage, `--input "${name}" is given twice`);
    input[name] = pair.slice(equals + 1);
  }
  return input;
}

export interface DeclaredVariable {
  name: string;
  label: string;
  required: boolean;
  type: string;
}

/**
 * Checks the input against what the assistant declares before anything is started, naming every
 * unknown and missing variable at once (the server checks again, one at a time).
 */
export function checkInputAgainst(assistantName: string, declared: readonly DeclaredVariable[], input: Record<string, string>): void {
  const names = new Set(declared.map((variable) => variable.name));
  const unknown = Object.keys(input).filter((name) => !names.has(name));
  const missing = declared.filter((variable) => variable.required && (input[variable.name]?.trim() ?? '') === '');
  const problems: string[] = [];
  if (unknown.length > 0) problems.push(`unknown input ${unknown.map((name) => `"${name}"`).join(', ')}`);
  if (missing.length > 0) problems.push(`missing required input ${missing.map((variable) => `"${variable.name}" (${variable.label})`).join(', ')}`);
  if (problems.length === 0) return;
  const accepted = declared.length === 0 ? 'no inputs' : declared.map((variable) => `${variable.name}${variable.required ? '' : '?'}`).join(', ');
  throw new CliError(EXIT.usage, `"${assistantName}": ${problems.join('; ')}. It takes: ${accepted}`);
}
