import { createHash } from 'node:crypto';
import type { CachedResponse } from '@aae/events';

export type { CachedResponse };

/** Where responses are kept between executions; the engine decides what to store and when. */
export interface ResponseCache {
  get(key: string): Promise<CachedResponse | null>;
  set(key: string, modelId: string, response: CachedResponse, ttlMs: number): Promise<void>;
}

/** Identical model, resolved prompt, retrieved context, tool set and limit give the same key. */
export function responseCacheKey(parts: {
  modelId: string;
  prompt: string;
  context: readonly string[];
  tools: readonly string[];
  maxOutputTokens?: number | undefined;
}): string {
  const canonical = JSON.stringify([parts.modelId, parts.prompt, parts.context, [...parts.tools].sort(), parts.maxOutputTokens ?? null]);
  return createHash('sha256').update(canonical).digest('hex');
}

/**
 * A view of `cache` whose entries are only shared within `scope` (a person): one never gets a
 * response made for another, nor learns from `cached: true` that someone ran the same prompt.
 */
export function scopedResponseCache(cache: ResponseCache, scope: string): ResponseCache {
  const scoped = (key: string) => `${scope}:${key}`;
  return {
    get: (key) => cache.get(scoped(key)),
    set: (key, modelId, response, ttlMs) => cache.set(scoped(key), modelId, response, ttlMs),
  };
}
