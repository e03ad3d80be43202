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

/** The person and their password account, in the caller's transaction. */
async function insertWithPassword(tx: Prisma.TransactionClient, input: { name: string; email: string; role: UserRole; passwordHash: string }): Promise<User> {
  const user = await tx.user.create({ data: { name: input.name, email: input.email.toLowerCase(), role: input.role }, select: userSelect });
  await tx.account.create({
    data: { userId: user.id, providerId: PASSWORD_PROVIDER_ID, accountId: String(user.id), password: input.passwordHash },
  });
  return user;
}

export function createUserRepository(prisma: PrismaClient) {
  return {
    /** An account that may act: it exists and is not disabled. */
    findActive(id: number): Promise<User | null> {
      return prisma.user.findFirst({ where: { id, disabledAt: null }, select: userSelect });
    },

    async list(): Promise<UserAccount[]> {
      const rows = await prisma.user.findMany({
        orderBy: { id: 'asc' },
        select: { ...userSelect, disabledAt: true, createdAt: true, accounts: { select: { providerId: true } } },
      });
      return rows.map(({ accounts, ...row }) => ({ ...row, signInMethods: [...new Set(accounts.map((account) => account.providerId))].sort() }));
    },

    /**
     * Creates a person who signs in with a password (the hash is better-auth's), in one
     * transaction with their password account. `EmailTakenError` when the address is in use.
     */
    async createWithPassword(input: { name: string; email: string; role: UserRole; passwordHash: string }): Promise<User> {
      return prisma.$transaction((tx) => insertWithPassword(tx, input)).catch(rethrowEmailTaken(input.email));
    },

    /**
     * Creates the first admin unless an active admin who can sign in exists; both decided under
     * one lock, so two set-up pages submitted at once make one admin. Null when set-up was done.
     */
    async createFirstAdmin(input: { name: string; email: string; passwordHash: string }): Promise<User | null> {
      return prisma
        .$transaction(async (tx) => {
          await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext('aae:first-admin'))`;
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

    async setRole(id: number, role: UserRole): Promise<User | null> {
      const { count } = await prisma.user.updateMany({ where: { id }, data: { role } });
      return count > 0 ? prisma.user.findUnique({ where: { id }, select: userSelect }) : null;
    },

    /** Disables (ending every session) or enables an account; null when it does not exist. */
    async setDisabled(id: number, disabled: boolean): Promise<User | null> {
      return prisma.$transaction(async (tx) => {
        const { count } = await tx.user.updateMany({ where: { id }, data: { disabledAt: disabled ? new Date() : null } });
        if (count === 0) return null;
        if (disabled) await tx.session.deleteMany({ where: { userId: id } });
        return tx.user.findUnique({ where: { id }, select: userSelect });
      });
    },

    /** Active admins other than `exceptId`: the last one may not be demoted or disabled. */
    countOtherActiveAdmins(exceptId: number): Promise<number> {
      return prisma.user.count({ where: { ...activeAdminWhere, id: { not: exceptId } } });
    },
  };
}

/** An admin who is not disabled and has a way to sign in. */
const activeAdminWhere = { role: 'admin', disabledAt: null, accounts: { some: {} } } as const;

export type UserRepository = ReturnType<typeof createUserRepository>;
