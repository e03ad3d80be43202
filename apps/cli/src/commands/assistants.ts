import type { AaeClient } from '@aae/client';
import { CliError, EXIT } from '../exit-codes.ts';
import { openSession } from '../session.ts';
import { formatTable } from '../table.ts';

type AssistantSummary = Awaited<ReturnType<AaeClient['assistants']['list']['query']>>['items'][number];

/** Every assistant the caller may see, following the pages. */
export async function listAllAssistants(client: AaeClient): Promise<AssistantSummary[]> {
  const all: AssistantSummary[] = [];
  let cursor: number | null = null;
  do {
    const page: { items: AssistantSummary[]; nextCursor: number | null } = await client.assistants.list.query({ cursor, limit: 100 });
    all.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor !== null);
  return all;
}

/** An assistant by id, or by name (case-insensitive; an ambiguous name is refused with the ids to choose from). */
export async function findAssistant(client: AaeClient, idOrName: string) {
  if (/^\d+$/.test(idOrName)) return client.assistants.get.query({ id: Number(idOrName) });
  const all = await listAllAssistants(client);
  const matches = all.filter((assistant) => assistant.name.toLowerCase() === idOrName.trim().toLowerCase());
  if (matches.length > 1) {
    throw new CliError(
      EXIT.usage,
      `${matches.length} assistants are named "${idOrName}": give the id (${matches.map((assistant) => assistant.id).join(', ')})`,
    );
  }
  const [match] = matches;
  if (!match) {
    const names = all.map((assistant) => `"${assistant.name}"`).join(', ') || 'none';
    throw new CliError(EXIT.notFound, `No assistant named "${idOrName}"; you can run: ${names}`);
  }
  return client.assistants.get.query({ id: match.id });
}

export async function listAssistants(options: { json: boolean }, io: { stdout: NodeJS.WritableStream }): Promise<void> {
  const { client } = await openSession();
  const assistants = await listAllAssistants(client);
  if (options.json) {
    for (const assistant of assistants) io.stdout.write(`${JSON.stringify(assistant)}\n`);
    return;
  }
  const rows = assistants.map((assistant) => [
    String(assistant.id),
    assistant.name,
    String(assistant.promptCount),
    assistant.visibility,
    assistant.ownerName ?? '-',
  ]);
  io.stdout.write(`${formatTable(['ID', 'NAME', 'PROMPTS', 'VISIBILITY', 'OWNER'], rows)}\n`);
}
