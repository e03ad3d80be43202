import { Command, Option } from 'commander';
import { listAssistants } from './commands/assistants.ts';
import { listEvents } from './commands/events.ts';
import { listExecutions, showExecution } from './commands/executions.ts';
import { EXPORT_FORMATS, exportToFile } from './commands/export.ts';
import { login, logout, whoami } from './commands/login.ts';
import { cancel, type Io, run, watch } from './commands/run.ts';
import { EXECUTION_SORTS, EXECUTION_STATUSES } from '@aae/events';
import { EXIT_CODE_HELP } from './exit-codes.ts';

const collect = (value: string, previous: string[]) => [...previous, value];

function historyFilters(command: Command): Command {
  return command
    .option('--status <status>', `only executions with this status (${EXECUTION_STATUSES.join(', ')})`)
    .option('--assistant <name>', 'only runs of assistants whose name contains this (any case)')
    .option('--user <name>', 'admins: only runs by the person with exactly this name')
    .option('--from <date>', 'only runs created at or after this time (ISO 8601)')
    .option('--to <date>', 'only runs created before this time (ISO 8601)')
    .option('--event-type <type>', 'only runs that have an event of this type')
    .option('--sort <field>', `sort by ${EXECUTION_SORTS.join(', ')}`)
    .option('--order <order>', 'asc or desc (default desc)');
}

/**
 * The `aae` command line. Every action returns the exit code it ends with (0 unless an execution
 * failed or was cancelled); errors are thrown and turned into codes by `main`.
 */
export function buildProgram(io: Io, setExitCode: (code: number) => void): Command {
  const program = new Command('aae')
    .description('Run and watch Assistant Architect executions, list them, read their events and export them.')
    .option('--debug', 'print the stack of an error, not only its message')
    .addHelpText('after', `\n${EXIT_CODE_HELP}\n\nEnvironment: AAE_URL and AAE_TOKEN override the login; AAE_CONFIG names the configuration file.`)
    .showHelpAfterError('(add --help for usage)')
    .exitOverride();

  program
    .command('login')
    .description('store the server address and a personal access token, after checking them')
    .option('--url <url>', 'the server, e.g. http://127.0.0.1:3000')
    .option('--token <token>', 'a personal access token (aae_pat_…) made on the Tokens page; asked for when not given')
    .option('--email <email>', 'sign in with a password instead (asked for, or AAE_PASSWORD) and make a token with every scope of your role')
    .addOption(new Option('--expires-in-days <days>', 'with --email: days until the new token stops working').argParser(Number).default(90))
    .action((options) => login(options, io));

  program
    .command('logout')
    .description('forget the stored login')
    .action(() => logout(io));
  program
    .command('whoami')
    .description('who the stored token belongs to')
    .action(() => whoami(io));

  program
    .command('assistants')
    .description('assistants you may run')
    .command('list')
    .description('the assistants you may run: id, name, number of prompts')
    .option('--json', 'one JSON object per line')
    .action((options) => listAssistants(options, io));

  program
    .command('run')
    .description('run an assistant, watch it with a progress bar per prompt, print its output')
    .argument('<assistant>', 'the assistant id, or its name')
    .option('-i, --input <name=value>', 'an input variable (repeat for each)', collect, [])
    .option('--all', "print every prompt's output, not only the last")
    .option('--json', 'print the events as NDJSON instead of bars and output')
    .option('--detach', 'print the execution id and exit without watching')
    .addHelpText('after', '\nCtrl-C stops watching (exit 130) and leaves the run going: `aae watch <id>` follows it again, `aae cancel <id>` stops it.')
    .action(async (assistant, options) =>
      setExitCode(await run(assistant, { input: options.input, all: Boolean(options.all), json: Boolean(options.json), detach: Boolean(options.detach) }, io)),
    );

  program
    .command('watch')
    .description('follow an execution to its end (from its first event; a dropped connection resumes where it stopped)')
    .argument('<execution>', 'the execution id')
    .option('--all', "print every prompt's output, not only the last")
    .option('--json', 'print the events as NDJSON')
    .action(async (execution, options) => setExitCode(await watch(execution, { all: Boolean(options.all), json: Boolean(options.json) }, io)));

  program
    .command('cancel')
    .description('stop a running or queued execution')
    .argument('<execution>', 'the execution id')
    .action((execution) => cancel(execution, io));

  program
    .command('events')
    .description("an execution's stored events, in order")
    .argument('<execution>', 'the execution id')
    .option('--type <type>', 'only events of this type (repeat for more)', collect, [])
    .option('--json', 'one stored event per line, as events.list returns it')
    .action((execution, options) => listEvents(execution, options, io));

  const executions = program.command('executions').description('the execution history');
  historyFilters(
    executions
      .command('list')
      .description('executions, newest first, filtered')
      .option('--limit <n>', 'executions per page (1-100, default 20)')
      .option('--cursor <cursor>', 'start after this place (printed after a page)')
      .option('--all', 'follow every page')
      .option('--mine', 'admins: only your own')
      .option('--json', 'one JSON object per line'),
  ).action((options) => listExecutions(options, io));
  executions
    .command('get')
    .description('one execution: status, input, output')
    .argument('<execution>', 'the execution id')
    .option('--all', "every prompt's output, not only the last")
    .option('--json', 'the execution as JSON')
    .action((execution, options) => showExecution(execution, { all: Boolean(options.all), json: Boolean(options.json) }, io));

  historyFilters(
    program
      .command('export')
      .description('download executions or events to a file, streamed')
      .argument('<what>', 'executions or events')
      .requiredOption('-o, --out <file>', 'the file to write (- for standard output)')
      .addOption(new Option('--format <format>', 'file format').choices(EXPORT_FORMATS).default('ndjson'))
      .option('--execution <id>', "events: only this execution's")
      .option('--type <type>', 'events: only this type'),
  ).action((what, options) => exportToFile(what, options, io));

  return program;
}
