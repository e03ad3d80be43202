import type { PrismaClient, UserRole } from '../generated/prisma/client.ts';

export interface User {
  id: number;
  name: string;
  role: UserRole;
}

export function createUserRepository(prisma: PrismaClient) {
  return {
    findByName(name: string): Promise<User | null> {
      return prisma.user.findUnique({ where: { name }, select: { id: true, name: true, role: true } });
    },

    list(): Promise<User[]> {
      return prisma.user.findMany({ orderBy: { id: 'asc' }, select: { id: true, name: true, role: true } });
    },

    async ensure(name: string, role: UserRole): Promise<User> {
      return prisma.user.upsert({
        where: { name },
        update: {},
        create: { name, role },
        select: { id: true, name: true, role: true },
      });
    },
  };
}

export type UserRepository = ReturnType<typeof createUserRepository>;
