import { analyticsRouter } from './router/analytics.ts';
import { assistantsRouter } from './router/assistants.ts';
import { auditRouter } from './router/audit.ts';
import { eventsRouter } from './router/events.ts';
import { executionsRouter } from './router/executions.ts';
import { knowledgeRouter } from './router/knowledge.ts';
import { retentionRouter } from './router/retention.ts';
import { setupRouter } from './router/setup.ts';
import { tokensRouter } from './router/tokens.ts';
import { usersRouter } from './router/users.ts';
import { webhooksRouter } from './router/webhooks.ts';
import { createTRPCRouter } from './trpc.ts';

export const appRouter = createTRPCRouter({
  assistants: assistantsRouter,
  executions: executionsRouter,
  events: eventsRouter,
  users: usersRouter,
  analytics: analyticsRouter,
  knowledge: knowledgeRouter,
  tokens: tokensRouter,
  setup: setupRouter,
  audit: auditRouter,
  retention: retentionRouter,
  webhooks: webhooksRouter,
});

export type AppRouter = typeof appRouter;
