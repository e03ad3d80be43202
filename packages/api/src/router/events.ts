import { eventTypeSchema, isTerminalEvent, parseEventId, type StoredEvent } from '@aae/events';
import { tracked, TRPCError, type TRPCRouterRecord } from '@trpc/server';
import { z } from 'zod';
import { idSchema } from '../schemas.ts';
import { assertCanReadExecution } from '../execution-access.ts';
import { adminProcedure, scopedProcedure } from '../trpc.ts';
import { streamScope } from '../stream-scope.ts';

/** Reading one execution: with `executions:read`, or a watch token for it. */
const readExecution = scopedProcedure('executions:read', { watch: true });

const BACKFILL_PAGE = 500;

/** The sequence after which to resume, from a client's last event id. */
function resumeSequence(executionId: number, lastEventId: string | null | undefined): number {
  if (!lastEventId) return 0;
  const parsed = parseEventId(lastEventId);
  if (!parsed) {
    throw new TRPCError({ code: 'BAD_REQUEST', message: `lastEventId "${lastEventId}" is not an event id (expected evt_<execution>_<sequence>)` });
  }
  if (parsed.executionId !== executionId) {
    throw new TRPCError({
      code: 'BAD_REQUEST',
      message: `lastEventId "${lastEventId}" belongs to execution ${parsed.executionId}, not ${executionId}`,
    });
  }
  return parsed.sequence;
}

export const eventsRouter = {
  /** One page of an execution's stored events, oldest first; `cursor` is the last sequence seen. */
  list: readExecution
    .input(
      z.object({
        executionId: idSchema,
        type: eventTypeSchema.optional(),
        cursor: z.number().int().nonnegative().max(2_147_483_647).nullish(),
        limit: z.number().int().min(1).max(1000).default(200),
      }),
    )
    .query(async ({ ctx, input }) => {
      await assertCanReadExecution(ctx.services, ctx.identity, input.executionId);
      const rows = await ctx.services.events.listEvents(input.executionId, {
        type: input.type,
        afterSequence: input.cursor ?? 0,
        limit: input.limit + 1,
      });
      const items = rows.slice(0, input.limit);
      return { items, nextCursor: rows.length > input.limit ? (items.at(-1)?.sequence ?? null) : null };
    }),

  /**
   * Every event of an execution, each once and in stored order: attach to live events first,
   * back-fill from the database after `lastEventId`, then stream live events, skipping what was
   * already sent. Ends after the terminal event.
   */
  onExecutionEvent: readExecution
    .input(
      z.object({
        executionId: idSchema,
        lastEventId: z.string().nullish(),
      }),
    )
    .subscription(async function* ({ ctx, input, signal }) {
      const { executionId } = input;
      let cursor = resumeSequence(executionId, input.lastEventId);
      // Watching for revocations before access is checked: a revocation in between is not missed.
      const scope = await streamScope(ctx, signal);
      const store = ctx.services.events;

      const deliver = (event: StoredEvent) => {
        cursor = event.sequence;
        return tracked(event.eventData.eventId, event);
      };

      try {
        await assertCanReadExecution(ctx.services, ctx.identity, executionId);
        const live = ctx.services.bus.watchExecution(executionId, scope.signal);
        if (cursor > 0 && (await store.lastSequence(executionId)) < cursor) {
          throw new TRPCError({
            code: 'BAD_REQUEST',
            message: `lastEventId "${input.lastEventId}" is not an event of execution ${executionId} (it has not reached that sequence)`,
          });
        }
        const terminal = await store.terminalSequence(executionId);
        if (terminal !== null && cursor >= terminal) return;

        for (;;) {
          const page = await store.listEvents(executionId, { afterSequence: cursor, limit: BACKFILL_PAGE });
          for (const event of page) {
            scope.throwIfRevoked();
            yield deliver(event);
            if (isTerminalEvent(event)) return;
          }
          if (page.length < BACKFILL_PAGE) break;
        }

        for await (const event of live) {
          if (scope.revoked()) break;
          if (event.sequence <= cursor) continue;
          if (event.sequence > cursor + 1) {
            // Published out of reach of this reader (it attached mid-batch): read the gap from the store.
            const gap = await store.listEvents(executionId, { afterSequence: cursor, limit: event.sequence - cursor - 1 });
            for (const missed of gap) {
              scope.throwIfRevoked();
              yield deliver(missed);
              if (isTerminalEvent(missed)) return;
            }
          }
          yield deliver(event);
          if (isTerminalEvent(event)) return;
        }
        scope.throwIfRevoked();
      } finally {
        scope.close();
      }
    }),

  /**
   * Every new event of every execution, for admins, on one connection: the latest `backlog`
   * matching events first (oldest of them first), then live ones. Each carries its execution's
   * assistant and user. Resuming with `lastEventId` (a row id) sends what came after it.
   */
  onAnyEvent: adminProcedure
    .input(
      z
        .object({
          types: z.array(eventTypeSchema).max(11).optional(),
          assistantName: z.string().trim().max(200).optional(),
          backlog: z.number().int().min(0).max(500).default(50),
          lastEventId: z
            .string()
            .regex(/^\d{1,18}$/, 'lastEventId must be a row id')
            .nullish(),
        })
        .default({ backlog: 50 }),
    )
    .subscription(async function* ({ ctx, input, signal }) {
      const scope = await streamScope(ctx, signal);
      const live = ctx.services.bus.watchAll(scope.signal);
      const owners = new Map<number, { assistantName: string; userName: string } | null>();
      const describe = async (executionId: number) => {
        if (!owners.has(executionId)) {
          const execution = await ctx.services.executions.get(executionId);
          owners.set(executionId, execution ? { assistantName: execution.assistantName, userName: execution.userName } : null);
        }
        return owners.get(executionId) ?? null;
      };
      const wanted = (event: StoredEvent, execution: { assistantName: string } | null) =>
        (!input.types || input.types.length === 0 || input.types.includes(event.eventType)) &&
        (!input.assistantName || (execution?.assistantName.toLowerCase().includes(input.assistantName.toLowerCase()) ?? false));
      // Events of the backlog may also arrive live (the feed attached before reading it).
      const fromBacklog = new Set<number>();
      const deliver = async (event: StoredEvent) => {
        const execution = await describe(event.executionId);
        if (!wanted(event, execution)) return null;
        return tracked(String(event.id), { event, assistantName: execution?.assistantName ?? '', userName: execution?.userName ?? '' });
      };
      try {
        const afterId = input.lastEventId ? Number(input.lastEventId) : undefined;
        if (afterId === undefined) {
          const latest = input.backlog > 0 ? await ctx.services.events.listAcrossExecutions({ types: input.types, limit: input.backlog }) : [];
          for (const event of latest.reverse()) {
            scope.throwIfRevoked();
            fromBacklog.add(event.id);
            const item = await deliver(event);
            if (item) yield item;
          }
        } else {
          // Resuming: everything after the last row seen, oldest first, a page at a time.
          for (let after = afterId; ; ) {
            const page = await ctx.services.events.listAcrossExecutions({ afterId: after, types: input.types, limit: BACKFILL_PAGE });
            for (const event of page) {
              scope.throwIfRevoked();
              fromBacklog.add(event.id);
              const item = await deliver(event);
              if (item) yield item;
            }
            if (page.length < BACKFILL_PAGE) break;
            after = page.at(-1)!.id;
          }
        }
        for await (const event of live) {
          if (scope.revoked()) break;
          if (fromBacklog.delete(event.id)) continue;
          const item = await deliver(event);
          if (item) yield item;
        }
        scope.throwIfRevoked();
      } finally {
        scope.close();
      }
    }),

  /**
   * The text models write, as they write it: first the text so far of each prompt still being
   * written (`replace: true`), then each new piece (the whole output of each prompt is stored and
   * returned by `executions.get` once it completes). Served by the process running the
   * execution; ends when the execution does.
   */
  onExecutionOutput: readExecution.input(z.object({ executionId: idSchema })).subscription(async function* ({ ctx, input, signal }) {
    const scope = await streamScope(ctx, signal);
    let ended: Promise<void> = Promise.resolve();
    try {
      await assertCanReadExecution(ctx.services, ctx.identity, input.executionId);
      const output = ctx.services.bus.watchOutput(input.executionId, scope.signal);
      // Ends with the execution: its terminal event closes the output stream too.
      ended = (async () => {
        for await (const event of ctx.services.bus.watchExecution(input.executionId, scope.signal)) {
          if (isTerminalEvent(event)) break;
        }
        scope.close();
      })();
      if ((await ctx.services.events.terminalSequence(input.executionId)) !== null) return;
      for await (const delta of output) {
        if (scope.revoked()) break;
        yield { promptId: delta.promptId, text: delta.text, replace: delta.replace === true };
      }
      scope.throwIfRevoked();
    } finally {
      scope.close();
      await ended.catch(() => {});
    }
  }),
} satisfies TRPCRouterRecord;
