import { createAssistantRepository, createExecutionRepository, createUserRepository, type Database } from '@aae/db';

/**
 * Execution rows for events to belong to, made through the product's repositories. They are
 * marked completed at once, so no worker claims them: a benchmark writes their events itself.
 */
export async function createBenchExecutions(database: Database, count: number): Promise<number[]> {
  const user = await createUserRepository(database.prisma).ensure({ name: 'bench', email: 'bench@example.test', role: 'member' });
  const assistant = await createAssistantRepository(database.prisma).create({
    name: 'Benchmark assistant',
    inputVariables: [],
    prompts: [{ name: 'Only', position: 1, modelId: 'local', content: 'Say something.' }],
  });
  const executions = createExecutionRepository(database.prisma);
  const ids: number[] = [];
  for (let index = 0; index < count; index++) {
    ids.push(await executions.create({ assistantId: assistant.id, assistantVersion: assistant.version, userId: user.id, input: {} }));
  }
  await database.prisma.execution.updateMany({ where: { id: { in: ids } }, data: { status: 'completed' } });
  return ids;
}
