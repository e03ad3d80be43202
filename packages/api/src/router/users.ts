import type { TRPCRouterRecord } from '@trpc/server';
import { authedProcedure, publicProcedure } from '../trpc.ts';

export const usersRouter = {
  me: authedProcedure.query(({ ctx }) => ctx.user),
  /** The dev identities a person can switch between. */
  list: publicProcedure.query(({ ctx }) => ctx.services.users.list()),
} satisfies TRPCRouterRecord;
