import { z } from 'zod';
import type { ExecutionStatus, Prisma, PrismaClient } from '../generated/prisma/client.ts';

const executionSelect = {
  id: true,
  assistantId: true,
  userId: true,
  status: true,
  input: true,
  totalTokens: true,
  error: true,
  createdAt: true,
  startedAt: true,
  finishedAt: true,
  cancelRequestedAt: true,
  cancelRequestedBy: true,
  assistant: { select: { name: true } },
  user: { select: { name: true } },
} satisfies Prisma.ExecutionSelect;

const promptResultSelect = {
  promptId: true,
  output: true,
  outputTokens: true,
  durationMs: true,
  cached: true,
  createdAt: true,
} satisfies Prisma.PromptResultSelect;

type ExecutionRow = Prisma.ExecutionGetPayload<{ select: typeof executionSelect }>;

const executionInputSchema = z.record(z.string(), z.string());

export type ExecutionSummary = Omit<ExecutionRow, 'input' | 'assistant' | 'user'> & {
  input: Record<string, string>;
  assistantName: string;
  userName: string;
};

export type PromptResult = Prisma.PromptResultGetPayload<{ select: typeof promptResultSelect }>;

export type ExecutionDetail = ExecutionSummary & { promptResults: PromptResult[] };

function toSummary({ assistant, user, input, ...row }: ExecutionRow): ExecutionSummary {
  return { ...row, input: executionInputSchema.parse(input), assistantName: assistant.name, userName: user.name };
}

export interface ListExecutionsOptions {
  /** Only this user's executions; all users' when absent. */
  userId?: number | undefined;
  assistantId?: number | undefined;
  status?: ExecutionStatus | undefined;
  /** Keyset cursor: executions with a smaller id than this (newest first). */
  cursor?: number | undefined;
  limit: number;
}

export function createExecutionRepository(prisma: PrismaClient) {
  return {
    async create(input: { assistantId: number; userId: number; input: Record<string, string> }): Promise<number> {
      const row = await prisma.execution.create({
        data: { assistantId: input.assistantId, userId: input.userId, input: input.input },
        select: { id: true },
      });
      return row.id;
    },

    async get(id: number): Promise<ExecutionDetail | null> {
      const row = await prisma.execution.findUnique({
        where: { id },
        select: { ...executionSelect, promptResults: { select: promptResultSelect, orderBy: { id: 'asc' } } },
      });
      if (!row) return null;
      const { promptResults, ...summary } = row;
      return { ...toSummary(summary), promptResults };
    },

    /** Who owns an execution, or null when it does not exist. */
    async ownerOf(id: number): Promise<number | null> {
      const row = await prisma.execution.findUnique({ where: { id }, select: { userId: true } });
      return row?.userId ?? null;
    },

    async list(options: ListExecutionsOptions): Promise<{ items: ExecutionSummary[]; nextCursor: number | null }> {
      const rows = await prisma.execution.findMany({
        where: {
          ...(options.userId !== undefined ? { userId: options.userId } : {}),
          ...(options.assistantId !== undefined ? { assistantId: options.assistantId } : {}),
          ...(options.status !== undefined ? { status: options.status } : {}),
          ...(options.cursor !== undefined ? { id: { lt: options.cursor } } : {}),
        },
        orderBy: { id: 'desc' },
        take: options.limit + 1,
        select: executionSelect,
      });
      const items = rows.slice(0, options.limit).map(toSummary);
      const nextCursor = rows.length > options.limit ? (items.at(-1)?.id ?? null) : null;
      return { items, nextCursor };
    },

    async markRunning(id: number, startedAt: Date, workerId: string): Promise<void> {
      await prisma.execution.update({
        where: { id },
        data: { status: 'running', startedAt, workerId, heartbeatAt: startedAt },
      });
    },

    /**
     * Renews the lease on executions a live process is running, and returns those of them whose
     * cancellation was requested (through another process), with who asked.
     */
    async heartbeat(ids: readonly number[], workerId: string): Promise<Array<{ id: number; cancelRequestedBy: string }>> {
      if (ids.length === 0) return [];
      await prisma.execution.updateMany({
        where: { id: { in: [...ids] }, workerId, status: 'running' },
        data: { heartbeatAt: new Date() },
      });
      const cancelled = await prisma.execution.findMany({
        where: { id: { in: [...ids] }, cancelRequestedAt: { not: null } },
        select: { id: true, cancelRequestedBy: true },
      });
      return cancelled.map((row) => ({ id: row.id, cancelRequestedBy: row.cancelRequestedBy ?? 'someone' }));
    },

    /**
     * Records a cancellation request if the execution is still unfinished; false when it has
     * already finished.
     */
    async requestCancel(id: number, by: string): Promise<boolean> {
      const { count } = await prisma.execution.updateMany({
        where: { id, status: { in: ['pending', 'running'] } },
        data: { cancelRequestedAt: new Date(), cancelRequestedBy: by },
      });
      return count > 0;
    },

    async markFinished(
      id: number,
      outcome: { status: 'completed' | 'failed'; totalTokens: number; error?: string | undefined; finishedAt: Date },
    ): Promise<void> {
      await prisma.execution.update({
        where: { id },
        data: {
          status: outcome.status,
          totalTokens: outcome.totalTokens,
          error: outcome.error ?? null,
          finishedAt: outcome.finishedAt,
        },
      });
    },

    async savePromptResult(result: {
      executionId: number;
      promptId: number;
      output: string;
      outputTokens: number;
      durationMs: number;
      cached: boolean;
    }): Promise<void> {
      await prisma.promptResult.create({ data: result });
    },
  };
}

export type ExecutionRepository = ReturnType<typeof createExecutionRepository>;
