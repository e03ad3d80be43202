import { eventTypeSchema, isTerminalEvent } from '@aae/events';
import { tracked, type TRPCRouterRecord } from '@trpc/server';
import { z } from 'zod';
import { idSchema } from '../schemas.ts';
import { assertCanReadExecution } from '../execution-access.ts';
import { eventFeed, feedFilterSchema, rowIdSchema } from '../event-feed.ts';
import { executionEventStream, resumeSequence } from '../execution-event-stream.ts';
import { liveStream, MAX_LIVE_EXECUTIONS, parseLiveCursor } from '../live-stream.ts';
import { adminProcedure, scopedProcedure } from '../trpc.ts';
import { scopedStream } from '../stream-scope.ts';

/** Reading one execution: with `executions:read`, or a watch token for it. */
const readExecution = scopedProcedure('executions:read', { watch: true });

/** What `onExecutionEvent` takes (also read by the server's own answer to it, see `apps/server`). */
export const executionEventInput = z.object({
  executionId: idSchema,
  lastEventId: z.string().nullish(),
});

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
  onExecutionEvent: readExecution.input(executionEventInput).subscription(async function* ({ ctx, input, signal }) {
    // A malformed id is refused before the stream counts against its person.
    resumeSequence(input.executionId, input.lastEventId);
    // Watching for revocations before access is checked: a revocation in between is not missed.
    yield* scopedStream(ctx, signal, async function* (scope) {
      const events = await executionEventStream(ctx.services, ctx.identity, scope, input);
      if (!events) return;
      for await (const event of events) yield tracked(event.eventData.eventId, event);
    });
  }),

  /**
   * Several executions on one connection (a browser holds one for all its tabs): each one's
   * events after its `lastEventId`, each once and in order, then `{ kind: 'end' }` after its
   * terminal event; its models' text as they write it when `output` is set; `{ kind: 'error' }`
   * for one that cannot be read, while the others go on. Access is checked per execution, as by
   * `onExecutionEvent`; the whole counts as one stream. Every item is tracked by the cursor of
   * every execution, which tRPC sends back as `lastEventId` when it reconnects by itself; a
   * client that changes what it follows subscribes again with each execution's `lastEventId`.
   * With `feed`, it also carries the admin feed (`{ kind: 'feed' }` items, as `onAnyEvent` sends
   * them), whose last row id the cursor carries too.
   */
  onLive: readExecution
    .input(
      z.object({
        executions: z
          .array(
            z.object({
              executionId: idSchema,
              lastEventId: z.string().max(40).nullish(),
              output: z.boolean().optional(),
            }),
          )
          .max(MAX_LIVE_EXECUTIONS, `at most ${MAX_LIVE_EXECUTIONS} executions on one live stream; open another for more`)
          .refine((executions) => new Set(executions.map((execution) => execution.executionId)).size === executions.length, 'each execution at most once'),
        /** The admin feed too (as `onAnyEvent` takes it): admins only, anyone else gets one `feed-error` item. */
        feed: feedFilterSchema.optional(),
        /** Set by tRPC's subscription link when it reconnects: the last item's cursor of every execution. */
        lastEventId: z.string().max(2_000).nullish(),
      }),
    )
    .subscription(async function* ({ ctx, input, signal }) {
      // A malformed cursor is refused before the stream counts against its person.
      const resumed = parseLiveCursor(input.lastEventId);
      yield* scopedStream(ctx, signal, (scope) => liveStream(ctx.services, ctx.identity, scope, input.executions, resumed, input.feed));
    }),

  /**
   * Every new event of every execution, for admins, on one connection: the latest `backlog`
   * matching events first (oldest of them first), then live ones. Each carries its execution's
   * assistant and user. Resuming with `afterRowId` (the id of the last event's row) sends what
   * came after it.
   */
  onAnyEvent: adminProcedure
    .input(
      feedFilterSchema
        .extend({
          /** Set by tRPC's subscription link when it reconnects (the last row id it received); wins over `afterRowId`. */
          lastEventId: rowIdSchema('lastEventId').nullish(),
        })
        .default({ backlog: 50 }),
    )
    .subscription(async function* ({ ctx, input, signal }) {
      const filter = { ...input, afterRowId: input.lastEventId ?? input.afterRowId };
      yield* scopedStream(ctx, signal, async function* (scope) {
        for await (const item of eventFeed(ctx.services, scope, filter)) {
          if (item) yield tracked(String(item.event.id), item);
        }
      });
    }),

  /**
   * The text models write, as they write it: first the text so far of each prompt still being
   * written (`replace: true`), then each new piece (the whole output of each prompt is stored and
   * returned by `executions.get` once it completes). Any process serves it, whichever runs the
   * execution; ends when the execution does.
   */
  onExecutionOutput: readExecution.input(z.object({ executionId: idSchema })).subscription(async function* ({ ctx, input, signal }) {
    yield* scopedStream(ctx, signal, async function* (scope) {
      await assertCanReadExecution(ctx.services, ctx.identity, input.executionId);
      const output = ctx.services.bus.watchOutput(input.executionId, scope.signal);
      // Ends with the execution: its terminal event closes the output stream too.
      const ended = (async () => {
        for await (const event of ctx.services.bus.watchExecution(input.executionId, scope.signal)) {
          if (isTerminalEvent(event)) break;
        }
        scope.close();
      })();
      try {
        if ((await ctx.services.events.terminalSequence(input.executionId)) !== null) return;
        for await (const delta of scope.untilRevoked(output)) {
          yield { promptId: delta.promptId, text: delta.text, replace: delta.replace === true };
        }
      } finally {
        scope.close();
        await ended.catch(() => {});
      }
    });
  }),
} satisfies TRPCRouterRecord;
