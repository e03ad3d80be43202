import {
  createAssistantRepository,
  createEventStore,
  createExecutionRepository,
  createInProcessEventBus,
  createPostgresEventBus,
  createUserRepository,
  EventWriteBuffer,
  type Database,
  type EventBus,
} from '@aae/db';
import { createLocalModel, ModelRegistry, type LanguageModel } from '@aae/engine';
import { ExecutionRunner, type ExecutionRunnerDeps } from './execution-runner.ts';

export interface AppServicesOptions {
  database: Database;
  /** Models besides the built-in `local` one. */
  models?: LanguageModel[];
  localModel?: { chunkDelayMs?: number };
  bus?: EventBus;
  runner?: Pick<ExecutionRunnerDeps, 'heartbeatMs' | 'staleAfterMs' | 'sweepMs'>;
  logger?: Pick<Console, 'info' | 'warn' | 'error'>;
}

/** Everything a request needs, built once per process and shared by every context. */
export function createAppServices(options: AppServicesOptions) {
  const { prisma } = options.database;
  const logger = options.logger ?? console;
  const events = createEventStore(prisma);
  // Several processes may share a server database: they share live events through LISTEN/NOTIFY.
  const bus =
    options.bus ??
    (options.database.connectionString
      ? createPostgresEventBus({ connectionString: options.database.connectionString, store: events, logger })
      : createInProcessEventBus());
  const buffer = new EventWriteBuffer({
    write: (batch) => events.insertEvents(batch),
    onCommitted: (batch) => bus.publish(batch),
    probe: () => prisma.$queryRaw`SELECT 1`,
    logger,
  });
  const users = createUserRepository(prisma);
  const assistants = createAssistantRepository(prisma);
  const executions = createExecutionRepository(prisma);
  const models = new ModelRegistry([createLocalModel(options.localModel), ...(options.models ?? [])]);
  const runner = new ExecutionRunner({ prisma, executions, buffer, models, logger, publish: (batch) => bus.publish(batch), ...options.runner });

  return {
    database: options.database,
    users,
    assistants,
    executions,
    events,
    bus,
    buffer,
    models,
    runner,
    /** Finishes (or cancels) running executions, drains the write buffer, closes the database. */
    async close(options: { cancelRunning?: boolean } = {}) {
      await runner.stopAll({ cancel: options.cancelRunning ?? false });
      await buffer.flush();
      await bus.close?.();
      await this.database.close();
    },
  };
}

export type AppServices = ReturnType<typeof createAppServices>;
