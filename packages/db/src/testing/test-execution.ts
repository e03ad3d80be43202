import type { PrismaClient } from '../generated/prisma/client.ts';
import { createAssistantRepository } from '../repositories/assistants.ts';
import { createExecutionRepository } from '../repositories/executions.ts';
import { createUserRepository } from '../repositories/users.ts';

/** An execution row (and the user and one-prompt assistant it needs), for tests that write events directly. */
export async function createTestExecution(prisma: PrismaClient, assistantName = 'Test'): Promise<number> {
  const user = await createUserRepository(prisma).ensure({ name: 'demo', email: 'demo@example.test', role: 'member' });
  const assistant = await createAssistantRepository(prisma).create({
    name: assistantName,
    inputVariables: [],
    prompts: [{ name: 'p', position: 1, modelId: 'local', content: 'x' }],
  });
  return createExecutionRepository(prisma).create({ assistantId: assistant.id, assistantVersion: assistant.version, userId: user.id, input: {} });
}
