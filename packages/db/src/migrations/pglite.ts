/**
 * Driver-adapter factories over PGlite for the schema engine.
 *
 * `pglite-prisma-adapter` 0.7.2's `executeScript` starts `db.exec(script)` without awaiting it:
 * a failing migration would be recorded as applied and its error would surface later as an
 * unhandled rejection. These factories reuse the adapter for everything else but await scripts.
 */
import { PGlite } from '@electric-sql/pglite';
import { DriverAdapterError, type SqlDriverAdapter, type SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import { withScripts } from './adapter-scripts.ts';

/** A factory for migrating `db`; the shadow database (rarely needed) is a throwaway in-memory PGlite. */
export function pgliteAdapterFactory(db: PGlite): SqlMigrationAwareDriverAdapterFactory {
  const inner = new PrismaPGlite(db);
  return {
    provider: inner.provider,
    adapterName: inner.adapterName,
    connect: async () => awaitScripts(await inner.connect(), db),
    connectToShadowDb: async () => {
      const shadow = await PGlite.create();
      return awaitScripts(await new PrismaPGlite(shadow).connect(), shadow, () => shadow.close());
    },
  };
}

/**
 * Swaps a plain `PrismaPGlite` factory (what the app's Prisma Client uses) for one whose scripts
 * are awaited; any other factory is returned as is.
 */
export function withAwaitedPgliteScripts(factory: SqlMigrationAwareDriverAdapterFactory): SqlMigrationAwareDriverAdapterFactory {
  if (!(factory instanceof PrismaPGlite)) return factory;
  // The adapter keeps its PGlite in a TS-private field; the version is pinned exactly.
  const db: unknown = (factory as unknown as { client?: unknown }).client;
  if (!(db instanceof PGlite)) {
    throw new Error('Cannot migrate through this PrismaPGlite factory: use pgliteAdapterFactory(db) from @aae/db/migrations');
  }
  return pgliteAdapterFactory(db);
}

/**
 * A factory whose main and shadow connections are the same scratch database. Diffing only ever
 * uses the shadow side, and starting PGlite costs about 2 s, so one instance serves both.
 */
export function scratchPgliteAdapterFactory(db: PGlite): SqlMigrationAwareDriverAdapterFactory {
  const inner = new PrismaPGlite(db);
  const connect = async () => awaitScripts(await inner.connect(), db);
  return { provider: inner.provider, adapterName: inner.adapterName, connect, connectToShadowDb: connect };
}

function awaitScripts(adapter: SqlDriverAdapter, db: PGlite, onDispose?: () => Promise<void>): SqlDriverAdapter {
  return withScripts(
    adapter,
    async (script) => {
      try {
        await db.exec(script);
      } catch (error) {
        throw toDriverAdapterError(error);
      }
    },
    onDispose,
  );
}

/** Hands PostgreSQL errors to the engine as such, so its message names the SQL error. */
function toDriverAdapterError(error: unknown): unknown {
  if (!(error instanceof Error)) return error;
  const e = error as Error & Partial<Record<'code' | 'severity' | 'detail' | 'column' | 'hint', string>>;
  if (typeof e.code !== 'string' || typeof e.severity !== 'string') return error;
  return new DriverAdapterError({
    kind: 'postgres',
    code: e.code,
    severity: e.severity,
    message: e.message,
    detail: e.detail,
    column: e.column,
    hint: e.hint,
  });
}
