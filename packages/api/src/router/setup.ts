import { timingSafeEqual } from 'node:crypto';
import { hashPassword } from '@aae/auth';
import { TRPCError, type TRPCRouterRecord } from '@trpc/server';
import { z } from 'zod';
import { emailSchema, nameSchema, passwordSchema } from '../schemas.ts';
import { publicProcedure } from '../trpc.ts';

const setUpAlready = () => new TRPCError({ code: 'CONFLICT', message: 'Set-up is done: an admin exists. Sign in instead.' });

function sameCode(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The first run, and what the sign-in page offers. */
export const setupRouter = {
  /** Whether the first admin is still to be created, and the single sign-on providers on offer. */
  status: publicProcedure.query(async ({ ctx }) => ({
    needsSetup: await ctx.services.users.needsSetup(),
    sso: ctx.services.sso,
  })),

  /**
   * Creates the first admin, with the set-up code the server printed at start; refused once an
   * admin exists. The web app then signs them in.
   */
  createAdmin: publicProcedure
    .input(z.object({ code: z.string().max(200), name: nameSchema, email: emailSchema, password: passwordSchema }))
    .mutation(async ({ ctx, input }) => {
      // Checked before the (deliberately slow) password hash, and again under the lock below.
      if (!(await ctx.services.users.needsSetup())) throw setUpAlready();
      if (!sameCode(input.code.trim(), await ctx.services.setupCode())) {
        throw new TRPCError({
          code: 'FORBIDDEN',
          message: 'That set-up code is not right: use the set-up link the server printed when it started',
        });
      }
      const admin = await ctx.services.users.createFirstAdmin({ name: input.name, email: input.email, passwordHash: await hashPassword(input.password) });
      if (!admin) throw setUpAlready();
      await ctx.services.audit.record({ action: 'setup', actorId: admin.id, subjectId: admin.id, subject: admin.email, ...ctx.origin });
      return admin;
    }),
} satisfies TRPCRouterRecord;
