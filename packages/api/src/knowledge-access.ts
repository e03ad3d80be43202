import { TRPCError } from '@trpc/server';
import type { KnowledgeRepositorySummary, User } from '@aae/db';
import type { AppServices } from './services.ts';

/** A repository exists and the user may change it: its owner, or an admin. Anyone signed in may read it. */
export async function assertCanChangeRepository(services: AppServices, user: User, repositoryId: number): Promise<KnowledgeRepositorySummary> {
  const repository = await services.knowledge.getRepository(repositoryId);
  if (!repository) throw new TRPCError({ code: 'NOT_FOUND', message: `Knowledge repository ${repositoryId} does not exist` });
  if (repository.ownerId !== user.id && user.role !== 'admin') {
    throw new TRPCError({
      code: 'FORBIDDEN',
      message: `Knowledge repository ${repositoryId} belongs to ${repository.ownerName}; only its owner or an admin may change it`,
    });
  }
  return repository;
}
