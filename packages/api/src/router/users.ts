import { hashPassword, PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from '@aae/auth';
import { EmailTakenError } from '@aae/db';
import { TRPCError, type TRPCRouterRecord } from '@trpc/server';
import { z } from 'zod';
import { withoutNul } from '../storable-text.ts';
import { adminProcedure, signedInProcedure } from '../trpc.ts';

export const personNameSchema = z.string().trim().min(1, 'name is required').max(200).refine(...withoutNul);
export const emailSchema = z.string().trim().max(320).pipe(z.email({ error: 'email is not an email address' }));
export const passwordSchema = z
  .string()
  .min(PASSWORD_MIN_LENGTH, `password must be at least ${PASSWORD_MIN_LENGTH} characters`)
  .max(PASSWORD_MAX_LENGTH, `password must be at most ${PASSWORD_MAX_LENGTH} characters`)
  .refine(...withoutNul);
const roleSchema = z.enum(['member', 'admin'], { error: 'role must be "member" or "admin"' });
const userIdSchema = z.number().int().positive();

/** The email address in use as a clear refusal; anything else as it was. */
export function emailTaken(error: unknown): never {
  if (error instanceof EmailTakenError) throw new TRPCError({ code: 'CONFLICT', message: error.message, cause: error });
  throw error;
}

export const usersRouter = {
  /** Who the caller is, and what their credential allows. */
  me: signedInProcedure.query(({ ctx }) => ({
    ...ctx.identity.user,
    via: ctx.identity.via,
    scopes: [...ctx.identity.scopes],
  })),

  /** Everyone with an account (admins). */
  list: adminProcedure.query(({ ctx }) => ctx.services.users.list()),

  /** Creates a person who signs in with this password (admins); they may change it later. */
  create: adminProcedure
    .input(z.object({ name: personNameSchema, email: emailSchema, password: passwordSchema, role: roleSchema.default('member') }))
    .mutation(async ({ ctx, input }) => {
      const user = await ctx.services.users
        .createWithPassword({ name: input.name, email: input.email, role: input.role, passwordHash: await hashPassword(input.password) })
        .catch(emailTaken);
      await ctx.services.audit.record({
        action: 'user-created',
        actorId: ctx.identity.user.id,
        subjectId: user.id,
        subject: user.email,
        ...ctx.origin,
        details: { role: user.role },
      });
      return user;
    }),

  /** Makes someone an admin or a member (admins); the last active admin stays one. */
  setRole: adminProcedure.input(z.object({ userId: userIdSchema, role: roleSchema })).mutation(async ({ ctx, input }) => {
    const people = await ctx.services.users.list();
    const person = people.find((candidate) => candidate.id === input.userId);
    if (!person) throw new TRPCError({ code: 'NOT_FOUND', message: `User ${input.userId} does not exist` });
    if (person.role === input.role) return person;
    if (person.role === 'admin' && (await ctx.services.users.countOtherActiveAdmins(person.id)) === 0) {
      throw new TRPCError({ code: 'CONFLICT', message: `${person.email} is the last active admin; make someone else an admin first` });
    }
    const user = (await ctx.services.users.setRole(person.id, input.role))!;
    await ctx.services.audit.record({
      action: 'role-changed',
      actorId: ctx.identity.user.id,
      subjectId: user.id,
      subject: user.email,
      ...ctx.origin,
      details: { from: person.role, to: user.role },
    });
    return user;
  }),

  /**
   * Disables an account (admins): its sessions end, its tokens stop working and its open streams
   * close, at once. Enabling it lets the person sign in again.
   */
  setDisabled: adminProcedure.input(z.object({ userId: userIdSchema, disabled: z.boolean() })).mutation(async ({ ctx, input }) => {
    if (input.disabled && input.userId === ctx.identity.user.id) {
      throw new TRPCError({ code: 'CONFLICT', message: 'You cannot disable your own account' });
    }
    if (input.disabled && (await ctx.services.users.countOtherActiveAdmins(input.userId)) === 0) {
      const target = (await ctx.services.users.list()).find((person) => person.id === input.userId);
      if (target?.role === 'admin' && !target.disabledAt) {
        throw new TRPCError({ code: 'CONFLICT', message: `${target.email} is the last active admin` });
      }
    }
    const user = await ctx.services.users.setDisabled(input.userId, input.disabled);
    if (!user) throw new TRPCError({ code: 'NOT_FOUND', message: `User ${input.userId} does not exist` });
    if (input.disabled) ctx.services.bus.revokeAccess(user.id);
    await ctx.services.audit.record({
      action: input.disabled ? 'account-disabled' : 'account-enabled',
      actorId: ctx.identity.user.id,
      subjectId: user.id,
      subject: user.email,
      ...ctx.origin,
    });
    return { ...user, disabled: input.disabled };
  }),
} satisfies TRPCRouterRecord;
