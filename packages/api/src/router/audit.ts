import { AUDIT_ACTIONS } from '@aae/db';
import type { TRPCRouterRecord } from '@trpc/server';
import { z } from 'zod';
import { idSchema } from '../schemas.ts';
import { adminProcedure } from '../trpc.ts';

export const auditRouter = {
  /** Sign-ins, token and account changes, newest first (admins). */
  list: adminProcedure
    .input(
      z
        .object({
          cursor: z
            .string()
            .regex(/^\d{1,18}$/, 'cursor must be an id from the previous page')
            .nullish(),
          limit: z.number().int().min(1).max(200).default(50),
          action: z.enum(AUDIT_ACTIONS).optional(),
          userId: idSchema.optional(),
        })
        .default({ limit: 50 }),
    )
    .query(({ ctx, input }) => ctx.services.audit.list({ ...input, cursor: input.cursor ?? undefined })),
} satisfies TRPCRouterRecord;
