import type { PrismaClient } from '../generated/prisma/client.ts';

export interface PersonalTokenSummary {
  id: number;
  name: string;
  /** The token's first characters, to tell it apart. */
  start: string | null;
  scopes: string[];
  createdAt: Date;
  expiresAt: Date | null;
  lastUsedAt: Date | null;
  status: 'active' | 'expired' | 'revoked';
}

function scopesOf(permissions: string | null): string[] {
  try {
    const parsed = JSON.parse(permissions ?? '{}') as { scopes?: unknown };
    return Array.isArray(parsed.scopes) ? parsed.scopes.filter((scope): scope is string => typeof scope === 'string') : [];
  } catch {
    return [];
  }
}

/**
 * Listing and revoking personal access tokens (rows of better-auth's api-key plugin, created
 * through it). A revoked token stays listed, disabled.
 */
export function createPersonalTokenRepository(prisma: PrismaClient) {
  return {
    async list(userId: number): Promise<PersonalTokenSummary[]> {
      const rows = await prisma.apiKey.findMany({ where: { referenceId: String(userId) }, orderBy: { id: 'desc' } });
      const now = Date.now();
      return rows.map((row) => ({
        id: row.id,
        name: row.name ?? '',
        start: row.start,
        scopes: scopesOf(row.permissions),
        createdAt: row.createdAt,
        expiresAt: row.expiresAt,
        lastUsedAt: row.lastRequest ?? (row.updatedAt > row.createdAt ? row.updatedAt : null),
        status: !row.enabled ? 'revoked' : row.expiresAt && row.expiresAt.getTime() <= now ? 'expired' : 'active',
      }));
    },

    /** Revokes one of `userId`'s tokens; false when they have no such token. */
    async revoke(userId: number, tokenId: number): Promise<boolean> {
      const { count } = await prisma.apiKey.updateMany({ where: { id: tokenId, referenceId: String(userId) }, data: { enabled: false } });
      return count > 0;
    },
  };
}

export type PersonalTokenRepository = ReturnType<typeof createPersonalTokenRepository>;
