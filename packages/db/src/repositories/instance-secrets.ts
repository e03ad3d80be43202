import { randomBytes } from 'node:crypto';
import type { PrismaClient } from '../generated/prisma/client.ts';

/**
 * A secret every process of a deployment shares, made once and kept in the database: the first
 * process to ask creates it, the others read the same value.
 */
export async function instanceSecret(prisma: PrismaClient, name: string): Promise<string> {
  await prisma.instanceSecret.createMany({ data: [{ name, value: randomBytes(32).toString('base64url') }], skipDuplicates: true });
  const row = await prisma.instanceSecret.findUniqueOrThrow({ where: { name }, select: { value: true } });
  return row.value;
}
