#!/usr/bin/env node
import { getEventListeners } from 'node:events';
import { CommanderError } from 'commander';
import { readConfig } from './config.ts';
import { describeFailure, EXIT } from './exit-codes.ts';
import { buildProgram } from './program.ts';

/** The server address an error message names: the one the command was talking to. */
async function configuredUrl(): Promise<string | undefined> {
  return process.env.AAE_URL || (await readConfig().catch(() => null))?.url;
}

async function main(argv: string[]): Promise<number> {
  // `pnpm aae` runs from the repository root; relative paths (`export --out`) are the caller's.
  if (process.env.AAE_CALLER_CWD) process.chdir(process.env.AAE_CALLER_CWD);
  const interrupt = new AbortController();
  // While an execution is watched, the first Ctrl-C stops watching cleanly (a second one is Node's
  // default); any other command just ends.
  process.once('SIGINT', () => {
    if (getEventListeners(interrupt.signal, 'abort').length > 0) interrupt.abort();
    else process.exit(EXIT.interrupted);
  });
  let exitCode: number = EXIT.completed;
  const program = buildProgram({ stdout: process.stdout, stderr: process.stderr, signal: interrupt.signal }, (code) => {
    exitCode = code;
  });
  try {
    await program.parseAsync(argv);
    return exitCode;
  } catch (error) {
    // Commander already printed its usage error (or the help / version it was asked for).
    if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.completed : EXIT.usage;
    const failure = describeFailure(error, await configuredUrl());
    process.stderr.write(`aae: ${failure.message}\n`);
    if (argv.includes('--debug')) process.stderr.write(`${(failure.cause as Error | undefined)?.stack ?? failure.stack}\n`);
    return failure.exitCode;
  }
}

// A reader that stops early (`aae events 12 | head`) is not an error of ours.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? EXIT.completed);
    throw error;
  });
}

process.exitCode = await main(process.argv);
