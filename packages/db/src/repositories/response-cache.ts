import type { PrismaClient } from '../generated/prisma/client.ts';
import { storable } from '../storable.ts';

import type { CachedResponse } from '@aae/events';

/**
 * The response cache in the database, shared by every server process. A cache is an optimisation:
 * a read or write that fails is logged and treated as a miss, never as a failed execution.
 */
export function createResponseCacheStore(prisma: PrismaClient, logger: Pick<Console, 'warn'> = console) {
  return {
    async get(key: string): Promise<CachedResponse | null> {
      try {
        return await prisma.responseCacheEntry.findFirst({
          where: { key, expiresAt: { gt: new Date() } },
          select: { output: true, inputTokens: true, outputTokens: true },
        });
      } catch (error) {
        logger.warn(`[response-cache] read failed, calling the model instead: ${String(error)}`);
        return null;
      }
    },

    async set(key: string, modelId: string, response: CachedResponse, ttlMs: number): Promise<void> {
      const expiresAt = new Date(Date.now() + ttlMs);
      const data = { modelId, ...response, output: storable(response.output), createdAt: new Date(), expiresAt };
      try {
        await prisma.responseCacheEntry.upsert({ where: { key }, create: { key, ...data }, update: data });
      } catch (error) {
        logger.warn(`[response-cache] write failed: ${String(error)}`);
      }
    },

    /** Removes expired entries; returns how many. */
    async purgeExpired(): Promise<number> {
      const { count } = await prisma.responseCacheEntry.deleteMany({ where: { expiresAt: { lte: new Date() } } });
      return count;
    },
  };
}

export type ResponseCacheStore = ReturnType<typeof createResponseCacheStore>;
