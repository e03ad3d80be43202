import { CliError, EXIT } from '../exit-codes.ts';
import { followExecution, outcomeOf, outputOf } from '../follow-execution.ts';
import { checkInputAgainst, parseInputPairs } from '../input-pairs.ts';
import { chooseView, type PromptLimits } from '../progress-view.ts';
import { openSession, type Session } from '../session.ts';
import { findAssistant } from './assistants.ts';

export interface Io {
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  signal: AbortSignal;
}

export interface FollowOptions {
  json: boolean;
  all: boolean;
}

/** Watches to the end, prints the output (unless `--json`) and returns the exit code the outcome gives. */
export async function followToEnd(session: Session, executionId: number, options: FollowOptions, io: Io, limits?: PromptLimits): Promise<number> {
  const view = chooseView({ json: options.json, out: io.stdout, progress: io.stderr, limits });
  const terminal = await followExecution(session.client, executionId, view, { signal: io.signal, serverUrl: session.url });
  const outcome = await outcomeOf(session.client, executionId, terminal);
  if (outcome.message) io.stderr.write(`${outcome.message}\n`);
  if (!options.json && outcome.exitCode === EXIT.completed) {
    const output = await outputOf(session.client, executionId, options.all);
    io.stdout.write(output.endsWith('\n') ? output : `${output}\n`);
  }
  return outcome.exitCode;
}

export async function run(assistantRef: string, options: FollowOptions & { input: string[]; detach: boolean }, io: Io): Promise<number> {
  const input = parseInputPairs(options.input);
  const session = await openSession();
  const assistant = await findAssistant(session.client, assistantRef);
  checkInputAgainst(assistant.name, assistant.inputVariables, input);
  const { executionId } = await session.client.executions.execute.mutate({ assistantId: assistant.id, input });
  if (options.detach) {
    io.stdout.write(`${executionId}\n`);
    return EXIT.completed;
  }
  io.stderr.write(`Execution ${executionId} of "${assistant.name}" queued (Ctrl-C stops watching; the run goes on)\n`);
  return followToEnd(session, executionId, options, io, limitsOf(assistant.prompts));
}

const limitsOf = (prompts: readonly { id: number; maxOutputTokens: number | null }[]): PromptLimits =>
  new Map(prompts.map((prompt) => [prompt.id, prompt.maxOutputTokens]));

export async function watch(executionRef: string, options: FollowOptions, io: Io): Promise<number> {
  const executionId = parseExecutionId(executionRef);
  const session = await openSession();
  // Fails fast on an unknown execution or a refused credential, before opening a stream.
  const execution = await session.client.executions.get.query({ executionId });
  // The prompts of the version it runs, whatever was saved since.
  return followToEnd(session, executionId, options, io, limitsOf(execution.plan));
}

export async function cancel(executionRef: string, io: { stdout: NodeJS.WritableStream }): Promise<void> {
  const executionId = parseExecutionId(executionRef);
  const { client } = await openSession();
  const result = await client.executions.cancel.mutate({ executionId });
  io.stdout.write(result.stoppedHere ? `Execution ${executionId} cancelled\n` : `Execution ${executionId}: cancel requested; its worker stops it\n`);
}

export function parseExecutionId(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > 2_147_483_647) {
    throw new CliError(EXIT.usage, `"${value}" is not an execution id (a positive whole number)`);
  }
  return Number(value);
}
