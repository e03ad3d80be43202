import { constants, createWriteStream } from 'node:fs';
import { access, rename, rm } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { CliError, describeFailure, EXIT, type ExitCode } from '../exit-codes.ts';
import { openSession } from '../session.ts';
import { parseEventType } from './events.ts';
import { filtersToSearchParams, type HistoryFilterOptions, parseHistoryFilters } from './history-filters.ts';
import { parseExecutionId } from './run.ts';

export const EXPORT_FORMATS = ['ndjson', 'json', 'csv'] as const;

export interface ExportOptions extends HistoryFilterOptions {
  format: string;
  out: string;
  execution?: string;
  type?: string;
}

/** The export URL for what was asked: one execution's events, or the filtered history's executions or events. */
export function exportPath(what: string, options: ExportOptions): string {
  if (!(EXPORT_FORMATS as readonly string[]).includes(options.format)) {
    throw new CliError(EXIT.usage, `--format "${options.format}" is not one of ${EXPORT_FORMATS.join(', ')}`);
  }
  if (what !== 'executions' && what !== 'events') throw new CliError(EXIT.usage, `Export "${what}"? Export executions or events`);
  const filters = parseHistoryFilters(options);
  const params = filtersToSearchParams(filters);
  if (options.type) {
    if (what !== 'events') throw new CliError(EXIT.usage, '--type filters events: use it with `aae export events`');
    params.set('type', parseEventType(options.type));
  }
  if (options.execution) {
    if (what !== 'events') throw new CliError(EXIT.usage, "--execution exports one execution's events: use it with `aae export events`");
    if (params.size > (options.type ? 1 : 0)) throw new CliError(EXIT.usage, '--execution takes no history filters (only --type)');
    const query = options.type ? `?type=${encodeURIComponent(options.type)}` : '';
    return `/api/executions/${parseExecutionId(options.execution)}/events.${options.format}${query}`;
  }
  const query = params.size > 0 ? `?${params}` : '';
  return `/api/${what}.${options.format}${query}`;
}

/** A mistyped `--out` is the caller's to fix, said before anything is downloaded. */
async function assertWritableFolder(folder: string): Promise<void> {
  try {
    await access(folder, constants.W_OK);
  } catch {
    throw new CliError(EXIT.usage, `Cannot write into ${folder}: it does not exist or is not writable`);
  }
}

const STATUS_EXIT: Record<number, ExitCode> = { 400: EXIT.usage, 401: EXIT.denied, 403: EXIT.denied, 404: EXIT.notFound, 429: EXIT.serverError };

/**
 * Streams the server's export into `--out` (`-` for stdout) as it arrives. The file appears only
 * once the download is whole: it is written beside the target under another name, then renamed.
 */
export async function exportToFile(what: string, options: ExportOptions, io: { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream }): Promise<void> {
  const path = exportPath(what, options);
  const target = options.out === '-' ? null : resolve(options.out);
  if (target) await assertWritableFolder(dirname(target));
  const { url, token } = await openSession();
  let response: Response;
  try {
    response = await fetch(`${url}${path}`, { headers: { authorization: `Bearer ${token}` } });
  } catch (error) {
    throw describeFailure(error, url);
  }
  if (!response.ok || !response.body) {
    const body = (await response.json().catch(() => null)) as { error?: string } | null;
    throw new CliError(STATUS_EXIT[response.status] ?? EXIT.serverError, body?.error ?? `The export failed with HTTP ${response.status}`);
  }
  const source = Readable.fromWeb(response.body as import('node:stream/web').ReadableStream<Uint8Array>);
  if (!target) {
    await pipeline(source, io.stdout as Writable, { end: false });
    return;
  }
  const partial = join(dirname(target), `.${basename(target)}.${process.pid}.partial`);
  try {
    await pipeline(source, createWriteStream(partial));
    await rename(partial, target);
  } catch (error) {
    await rm(partial, { force: true });
    throw new CliError(EXIT.serverError, `The export did not finish (${(error as Error).message}); nothing was written to ${target}`, { cause: error });
  }
  io.stderr.write(`Wrote ${target}\n`);
}
