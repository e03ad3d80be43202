import type { Prisma, PrismaClient, UserRole } from '../generated/prisma/client.ts';

export interface User {
  id: number;
  name: string;
  email: string;
  role: UserRole;
}

/** A user as admins see them in the people list. */
export interface UserAccount extends User {
  disabledAt: Date | null;
  createdAt: Date;
  /** How the person signs in: `credential` (password) and any single sign-on provider ids. */
  signInMethods: string[];
}

const userSelect = { id: true, name: true, email: true, role: true } as const;

/** The password account's provider id, as better-auth names it. */
export const PASSWORD_PROVIDER_ID = 'credential';

export class EmailTakenError extends Error {
  override name = 'EmailTakenError';
  constructor(readonly email: string) {
    super(`Someone already signs in as ${email}`);
  }
}

/** A unique violation on insert means the address is taken. */
const rethrowEmailTaken = (email: string) => (error: unknown) => {
  if ((error as { code?: string } | null)?.code === 'P2002') throw new EmailTakenError(email.toLowerCase());
  throw error;
};

/** Sets a person's password account (better-auth's `credential`), making it if missing. */
async function upsertPassword(tx: Prisma.TransactionClient, userId: number, passwordHash: string): Promise<void> {
  await tx.account.upsert({
    where: { providerId_accountId: { providerId: PASSWORD_PROVIDER_ID, accountId: String(userId) } },
    update: { password: passwordHash },
    create: { userId, providerId: PASSWORD_PROVIDER_ID, accountId: String(userId), password: passwordHash },
  });
}

/** The person and their password account, in the caller's transaction. */
async function insertWithPassword(tx: Prisma.TransactionClient, input: { name: string; email: string; role: UserRole; passwordHash: string }): Promise<User> {
  const user = await tx.user.create({ data: { name: input.name, email: input.email.toLowerCase(), role: input.role }, select: userSelect });
  await upsertPassword(tx, user.id, input.passwordHash);
  return user;
}

export function createUserRepository(prisma: PrismaClient) {
  async function findAccounts(where: { id?: number }): Promise<UserAccount[]> {
    const rows = await prisma.user.findMany({
      where,
      orderBy: { id: 'asc' },
      select: { ...userSelect, disabledAt: true, createdAt: true, accounts: { select: { providerId: true } } },
    });
    return rows.map(({ accounts, ...row }) => ({ ...row, signInMethods: [...new Set(accounts.map((account) => account.providerId))].sort() }));
  }

  return {
    /** Someone, as admins see them in the people list; null when they do not exist. */
    async find(id: number): Promise<UserAccount | null> {
      return (await findAccounts({ id })).at(0) ?? null;
    },

    /** An account that may act: it exists and is not disabled. */
    findActive(id: number): Promise<User | null> {
      return prisma.user.findFirst({ where: { id, disabledAt: null }, select: userSelect });
    },

    list: (): Promise<UserAccount[]> => findAccounts({}),

    /**
     * Creates a person who signs in with a password (the hash is better-auth's), in one
     * transaction with their password account. `EmailTakenError` when the address is in use.
     */
    /** With `actorId`, the admin making them, who must still be one (checked under the admins' lock). */
    async createWithPassword(input: { name: string; email: string; role: UserRole; passwordHash: string }, actorId?: number): Promise<User> {
      return prisma
        .$transaction(async (tx) => {
          if (actorId !== undefined) await lockAdmins(tx, actorId);
          return insertWithPassword(tx, input);
        })
        .catch(rethrowEmailTaken(input.email));
    },

    /**
     * Creates the first admin unless an active admin who can sign in exists; decided under the
     * admins' lock, so two set-up pages submitted at once make one admin. Null when set-up was done.
     */
    async createFirstAdmin(input: { name: string; email: string; passwordHash: string }): Promise<User | null> {
      return prisma
        .$transaction(async (tx) => {
          await lockAdmins(tx);
          if ((await tx.user.count({ where: activeAdminWhere })) > 0) return null;
          return insertWithPassword(tx, { ...input, role: 'admin' });
        })
        .catch(rethrowEmailTaken(input.email));
    },

    /** A person with no way to sign in yet (benchmarks, fixtures), made once per address. */
    ensure(input: { name: string; email: string; role: UserRole }): Promise<User> {
      const email = input.email.toLowerCase();
      return prisma.user.upsert({ where: { email }, update: {}, create: { ...input, email }, select: userSelect });
    },

    /** True until an active admin who can sign in exists: the web app then shows the set-up page. */
    async needsSetup(): Promise<boolean> {
      return (await prisma.user.count({ where: activeAdminWhere })) === 0;
    },

    /**
     * Makes someone an admin or a member; null when they do not exist. `LastAdminError` rather than
     * leave no active admin: decided under the admins' lock, so two admins demoting each other at
     * once cannot both succeed.
     */
    async changeRole(id: number, role: UserRole, actorId?: number): Promise<{ user: User; previous: UserRole } | null> {
      return prisma.$transaction(async (tx) => {
        await lockAdmins(tx, actorId);
        const current = await tx.user.findUnique({ where: { id }, select: { ...userSelect, disabledAt: true } });
        if (!current) return null;
        if (current.role === 'admin' && role !== 'admin') await assertAnotherActiveAdmin(tx, current);
        const user = await tx.user.update({ where: { id }, data: { role }, select: userSelect });
        return { user, previous: current.role };
      });
    },

    /**
     * Disables (ending every session) or enables an account; null when it does not exist.
     * `LastAdminError` rather than disable the last active admin (under the admins' lock).
     */
    async setDisabled(id: number, disabled: boolean, actorId?: number): Promise<User | null> {
      return prisma.$transaction(async (tx) => {
        await lockAdmins(tx, actorId);
        const current = await tx.user.findUnique({ where: { id }, select: { ...userSelect, disabledAt: true } });
        if (!current) return null;
        if (disabled) await assertAnotherActiveAdmin(tx, current);
        const user = await tx.user.update({ where: { id }, data: { disabledAt: disabled ? (current.disabledAt ?? new Date()) : null }, select: userSelect });
        if (disabled) await tx.session.deleteMany({ where: { userId: id } });
        return user;
      });
    },

    /**
     * The way back in for a deployment whose admins cannot sign in (`ADMIN_RESET`): the person with
     * this address becomes an active admin with this password (made if missing), their sessions end.
     */
    async restoreAdmin(input: { name: string; email: string; passwordHash: string }): Promise<{ user: User; endedSessions: number[] }> {
      const email = input.email.toLowerCase();
      return prisma.$transaction(async (tx) => {
        await lockAdmins(tx);
        const existing = await tx.user.findUnique({ where: { email }, select: { id: true } });
        if (!existing) return { user: await insertWithPassword(tx, { ...input, role: 'admin' }), endedSessions: [] };
        const user = await tx.user.update({ where: { id: existing.id }, data: { role: 'admin', disabledAt: null }, select: userSelect });
        await upsertPassword(tx, user.id, input.passwordHash);
        return { user, endedSessions: await endSessions(tx, user.id) };
      });
    },

    /**
     * Sets a person's password (an admin's reset), making a password account if they had none,
     * and ends their sessions; false when they do not exist.
     */
    async setPassword(id: number, passwordHash: string, actorId?: number): Promise<{ endedSessions: number[] } | null> {
      return prisma.$transaction(async (tx) => {
        await lockAdmins(tx, actorId);
        if (!(await tx.user.findUnique({ where: { id }, select: { id: true } }))) return null;
        await upsertPassword(tx, id, passwordHash);
        return { endedSessions: await endSessions(tx, id) };
      });
    },
  };
}

/** An admin who is not disabled and has a way to sign in. */
const activeAdminWhere = { role: 'admin', disabledAt: null, accounts: { some: {} } } as const;

/** Refused: the deployment would be left without an active admin. */
export class LastAdminError extends Error {
  override name = 'LastAdminError';
  constructor(readonly email: string) {
    super(`${email} is the last active admin; make someone else an admin first`);
  }
}

/** Deletes a person's sessions in one statement (none made meanwhile survives); their ids, whose open streams must close. */
async function endSessions(tx: Prisma.TransactionClient, userId: number): Promise<number[]> {
  const ended = await tx.$queryRaw<Array<{ id: number }>>`DELETE FROM sessions WHERE user_id = ${userId} RETURNING id`;
  return ended.map((session) => session.id);
}

/** Refused: the admin acting was demoted or disabled (perhaps a moment ago, by another admin). */
export class NotAnAdminError extends Error {
  override name = 'NotAnAdminError';
  constructor() {
    super('You are no longer an active admin');
  }
}

/**
 * Serialises every change that could leave no active admin (set-up, demotion, disabling) or that
 * an admin makes to someone's access; with `actorId`, checks under the lock that the admin acting
 * still is one, so two admins removing each other at once cannot both succeed.
 */
async function lockAdmins(tx: Prisma.TransactionClient, actorId?: number): Promise<void> {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext('aae:admins'))`;
  if (actorId === undefined) return;
  const actor = await tx.user.findFirst({ where: { id: actorId, role: 'admin', disabledAt: null }, select: { id: true } });
  if (!actor) throw new NotAnAdminError();
}

async function assertAnotherActiveAdmin(tx: Prisma.TransactionClient, person: User & { disabledAt: Date | null }): Promise<void> {
  if (person.role !== 'admin' || person.disabledAt) return;
  if ((await tx.user.count({ where: { ...activeAdminWhere, id: { not: person.id } } })) === 0) throw new LastAdminError(person.email);
}

export type UserRepository = ReturnType<typeof createUserRepository>;
