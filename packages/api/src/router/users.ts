import { hashPassword } from '@aae/auth';
import { TRPCError, type TRPCRouterRecord } from '@trpc/server';
import { z } from 'zod';
import { emailSchema, idSchema, nameSchema, passwordSchema } from '../schemas.ts';
import { adminProcedure, signedInProcedure } from '../trpc.ts';

const roleSchema = z.enum(['member', 'admin'], { error: 'role must be "member" or "admin"' });

const missingPerson = (userId: number) => new TRPCError({ code: 'NOT_FOUND', message: `User ${userId} does not exist` });

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
    .input(z.object({ name: nameSchema, email: emailSchema, password: passwordSchema, role: roleSchema.default('member') }))
    .mutation(async ({ ctx, input }) => {
      const user = await ctx.services.users.createWithPassword(
        { name: input.name, email: input.email, role: input.role, passwordHash: await hashPassword(input.password) },
        ctx.identity.user.id,
      );
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

  /**
   * Makes someone an admin or a member (admins); the last active admin stays one. Their open
   * streams are cut, so they reconnect with what the new role allows.
   */
  setRole: adminProcedure.input(z.object({ userId: idSchema, role: roleSchema })).mutation(async ({ ctx, input }) => {
    const changed = await ctx.services.users.changeRole(input.userId, input.role, ctx.identity.user.id);
    if (!changed) throw missingPerson(input.userId);
    const { user, previous } = changed;
    if (previous !== user.role) {
      ctx.services.bus.revokeAccess(`user:${user.id}`, 'role-changed');
      await ctx.services.audit.record({
        action: 'role-changed',
        actorId: ctx.identity.user.id,
        subjectId: user.id,
        subject: user.email,
        ...ctx.origin,
        details: { from: previous, to: user.role },
      });
    }
    return user;
  }),

  /**
   * Disables an account (admins): its sessions end, its tokens stop working and its open streams
   * close, at once, in every process. Enabling it lets the person sign in again.
   */
  setDisabled: adminProcedure.input(z.object({ userId: idSchema, disabled: z.boolean() })).mutation(async ({ ctx, input }) => {
    if (input.disabled && input.userId === ctx.identity.user.id) {
      throw new TRPCError({ code: 'CONFLICT', message: 'You cannot disable your own account' });
    }
    const user = await ctx.services.users.setDisabled(input.userId, input.disabled, ctx.identity.user.id);
    if (!user) throw missingPerson(input.userId);
    if (input.disabled) ctx.services.bus.revokeAccess(`user:${user.id}`, 'disabled');
    await ctx.services.audit.record({
      action: input.disabled ? 'account-disabled' : 'account-enabled',
      actorId: ctx.identity.user.id,
      subjectId: user.id,
      subject: user.email,
      ...ctx.origin,
    });
    return { ...user, disabled: input.disabled };
  }),

  /** Sets someone's password (admins), for a person who forgot theirs: their sessions end. */
  setPassword: adminProcedure.input(z.object({ userId: idSchema, password: passwordSchema })).mutation(async ({ ctx, input }) => {
    const person = await ctx.services.users.find(input.userId);
    const passwordHash = await hashPassword(input.password);
    const changed = person ? await ctx.services.users.setPassword(person.id, passwordHash, ctx.identity.user.id) : null;
    if (!person || !changed) throw missingPerson(input.userId);
    // Their sessions' streams close; their tokens (and streams opened with them) go on.
    for (const sessionId of changed.endedSessions) ctx.services.bus.revokeAccess(`session:${sessionId}`, 'password-reset');
    await ctx.services.audit.record({ action: 'password-reset', actorId: ctx.identity.user.id, subjectId: person.id, subject: person.email, ...ctx.origin });
    return { userId: person.id };
  }),
} satisfies TRPCRouterRecord;
