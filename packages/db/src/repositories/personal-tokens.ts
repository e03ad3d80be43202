import { z } from 'zod';
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

/** A token presented with a request, as stored: whose, whether it still works, what it may do. */
export interface StoredPersonalToken {
  id: number;
  userId: number;
  enabled: boolean;
  expiresAt: Date | null;
  scopes: string[];
  /** When it was last noted as used (to the minute). */
  lastUsedAt: Date | null;
}

/** The plugin keeps permissions as JSON text: `{ "scopes": [...] }`. */
const permissionsSchema = z.object({ scopes: z.array(z.string()) });

function scopesOf(permissions: string | null): string[] {
  try {
    return permissionsSchema.parse(JSON.parse(permissions ?? '')).scopes;
  } catch {
    return [];
  }
}

/** How stale `lastRequest` may get: a token in constant use is not written on every request. */
const LAST_USED_RESOLUTION_MS = 60_000;

/**
 * Finding, listing and revoking personal access tokens (rows of better-auth's api-key plugin,
 * created through it). A revoked token stays listed, disabled.
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
        lastUsedAt: row.lastRequest,
        status: !row.enabled ? 'revoked' : row.expiresAt && row.expiresAt.getTime() <= now ? 'expired' : 'active',
      }));
    },

    /** The token whose hash is `keyHash` (better-auth's hash of the token), or null. */
    async findByHash(keyHash: string): Promise<StoredPersonalToken | null> {
      const row = await prisma.apiKey.findUnique({
        where: { key: keyHash },
        select: { id: true, referenceId: true, enabled: true, expiresAt: true, permissions: true, lastRequest: true },
      });
      if (!row) return null;
      return {
        id: row.id,
        userId: Number(row.referenceId),
        enabled: row.enabled,
        expiresAt: row.expiresAt,
        scopes: scopesOf(row.permissions),
        lastUsedAt: row.lastRequest,
      };
    },

    /** Whether `markUsed` would write: the token was last noted as used over a minute ago. */
    needsMarking(token: Pick<StoredPersonalToken, 'lastUsedAt'>, now = Date.now()): boolean {
      return token.lastUsedAt === null || token.lastUsedAt.getTime() < now - LAST_USED_RESOLUTION_MS;
    },

    /** Notes that a token was used, at most once a minute per token. */
    async markUsed(id: number, now = new Date()): Promise<void> {
      await prisma.apiKey.updateMany({
        where: { id, OR: [{ lastRequest: null }, { lastRequest: { lt: new Date(now.getTime() - LAST_USED_RESOLUTION_MS) } }] },
        data: { lastRequest: now },
      });
    },

    /** Revokes one of `userId`'s tokens; false when they have no such token. */
    async revoke(userId: number, tokenId: number): Promise<boolean> {
      const { count } = await prisma.apiKey.updateMany({ where: { id: tokenId, referenceId: String(userId) }, data: { enabled: false } });
      return count > 0;
    },
  };
}

export type PersonalTokenRepository = ReturnType<typeof createPersonalTokenRepository>;
