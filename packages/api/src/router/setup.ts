import { hashPassword } from '@aae/auth';
import { TRPCError, type TRPCRouterRecord } from '@trpc/server';
import { z } from 'zod';
import { publicProcedure } from '../trpc.ts';
import { emailSchema, emailTaken, passwordSchema, personNameSchema } from './users.ts';

/** The first run, and what the sign-in page offers. */
export const setupRouter = {
  /** Whether the first admin is still to be created, and the single sign-on providers on offer. */
  status: publicProcedure.query(async ({ ctx }) => ({
    needsSetup: await ctx.services.users.needsSetup(),
    sso: ctx.services.sso,
  })),

  /** Creates the first admin; refused once an admin exists. The web app then signs them in. */
  createAdmin: publicProcedure
    .input(z.object({ name: personNameSchema, email: emailSchema, password: passwordSchema }))
    .mutation(async ({ ctx, input }) => {
      const admin = await ctx.services.users
        .createFirstAdmin({ name: input.name, email: input.email, passwordHash: await hashPassword(input.password) })
        .catch(emailTaken);
      if (!admin) throw new TRPCError({ code: 'CONFLICT', message: 'Set-up is done: an admin exists. Sign in instead.' });
      await ctx.services.audit.record({ action: 'setup', actorId: admin.id, subjectId: admin.id, subject: admin.email, ...ctx.origin });
      return admin;
    }),
} satisfies TRPCRouterRecord;
