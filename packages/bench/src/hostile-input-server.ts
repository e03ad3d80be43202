/** The whole product server in its own process for hostile-input, with the default usage limits. */
import { createPersonalToken } from '@aae/auth';
import { SYSTEM_VIEWER } from '@aae/db';
import { createTestDatabase } from '@aae/db/testing';
import { DEMO_ASSISTANT } from '@aae/runtime';
import { startApp } from '@aae/server';
import { reportStartFailure, serveParent } from './child-server.ts';

async function main() {
  const app = await startApp({
    database: await createTestDatabase('pglite'),
    port: 0,
    localModelChunkDelayMs: 20,
    // Every request comes from one address here: that limit would refuse the baseline too.
    requestsPerMinutePerAddress: 0,
    logger: { info: () => {}, warn: () => {}, error: () => {} },
  });
  const { services } = app;
  const user = await services.users.ensure({ name: 'bench', email: 'bench@example.test', role: 'member' });
  const assistant = (await services.assistants.list(SYSTEM_VIEWER)).find((candidate) => candidate.name === DEMO_ASSISTANT.name);
  if (!assistant) throw new Error('the demo assistant was not seeded');
  const { token } = await createPersonalToken(services.auth, {
    userId: user.id,
    name: 'bench',
    scopes: ['assistants:read', 'assistants:write', 'executions:read', 'executions:write'],
    expiresInDays: 1,
  });
  serveParent(app.url, {
    token: (): string => token,
    assistantId: (): number => assistant.id,
    executions: (): Promise<number> => services.database.prisma.execution.count(),
    stop: async () => {
      await app.stop({ handBack: true });
    },
  });
}

main().catch(reportStartFailure);
