import { canChange, type Assistant, type KnowledgeRepositorySummary, type Viewer } from '@aae/db';
import { TRPCError } from '@trpc/server';
import type { AppServices } from '@aae/runtime';
import { invalidField } from './field-issues.ts';

// Assistants and knowledge repositories are visible to their owner, to admins, and to everyone
// when shared; changed by their owner or an admin. One the caller may not see answers exactly
// like one that does not exist.

export async function readableAssistant(services: AppServices, viewer: Viewer, id: number): Promise<Assistant> {
  const assistant = await services.assistants.get(id, viewer);
  if (!assistant) throw new TRPCError({ code: 'NOT_FOUND', message: `Assistant ${id} does not exist` });
  return assistant;
}

export async function changeableAssistant(services: AppServices, viewer: Viewer, id: number): Promise<Assistant> {
  const assistant = await readableAssistant(services, viewer, id);
  if (!canChange(viewer, assistant)) {
    throw new TRPCError({ code: 'FORBIDDEN', message: `Only the owner of assistant ${id} or an admin may change it` });
  }
  return assistant;
}

export async function readableRepository(services: AppServices, viewer: Viewer, id: number): Promise<KnowledgeRepositorySummary> {
  const repository = await services.knowledge.getRepository(id, viewer);
  if (!repository) throw new TRPCError({ code: 'NOT_FOUND', message: `Knowledge repository ${id} does not exist` });
  return repository;
}

export async function changeableRepository(services: AppServices, viewer: Viewer, id: number): Promise<KnowledgeRepositorySummary> {
  const repository = await readableRepository(services, viewer, id);
  if (!canChange(viewer, repository)) {
    throw new TRPCError({ code: 'FORBIDDEN', message: `Only the owner of knowledge repository ${id} or an admin may change it` });
  }
  return repository;
}

/**
 * Every repository the prompts name must be readable by `viewer` (who saves or runs the
 * assistant); one they may not read is reported like a missing one.
 */
export async function assertRepositoriesReadable(
  services: AppServices,
  viewer: Viewer,
  prompts: ReadonlyArray<{ name: string; repositoryIds: readonly number[] }>,
): Promise<void> {
  const missing = new Set(
    await services.knowledge.missingRepositories(
      prompts.flatMap((prompt) => prompt.repositoryIds),
      viewer,
    ),
  );
  for (const [index, prompt] of prompts.entries()) {
    const unknownIds = prompt.repositoryIds.filter((id) => missing.has(id));
    if (unknownIds.length > 0) {
      throw invalidField(
        ['prompts', index, 'repositoryIds'],
        `Prompt "${prompt.name}" uses knowledge ${unknownIds.length === 1 ? 'repository' : 'repositories'} ${unknownIds.join(', ')}, which ${unknownIds.length === 1 ? 'does' : 'do'} not exist`,
      );
    }
  }
}
