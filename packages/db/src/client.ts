import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite/vector';
import { PrismaPg } from '@prisma/adapter-pg';
import type { SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import pg from 'pg';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import { checkDatabaseUrl } from './database-url.ts';
import { PrismaClient } from './generated/prisma/client.ts';

export type DatabaseKind = 'pglite' | 'postgres';

/** How similarity search computes cosine: pgvector's operator, or a dot product over float8[] in SQL. */
export type VectorSearchMode = 'pgvector' | 'exact';

export interface DatabaseOptions {
  /** A postgres:// URL; when absent the embedded PGlite database is used. */
  databaseUrl?: string | undefined;
  /** Where PGlite keeps its files; `memory://` for a throwaway database. */
  dataDir?: string | undefined;
}

/**
 * One SQL statement with positional parameters (`$1`, …), its rows as the driver returns them
 * (`bigint` columns may come back as strings or bigints). It bypasses Prisma's parameter and
 * result mapping, for the event write path, where that mapping cost as much as the statement.
 */
export type RawQuery = <Row>(sql: string, params: readonly unknown[]) => Promise<Row[]>;

export interface Database {
  kind: DatabaseKind;
  prisma: PrismaClient;
  /** SQL straight to the driver, on the same connections as `prisma`, outside any transaction of it. */
  query: RawQuery;
  /** The factory the migrations runner connects through. */
  adapterFactory: SqlMigrationAwareDriverAdapterFactory;
  /** Where the data lives, for log lines (a URL without its password, or a folder). */
  location: string;
  /** The server's URL, for connections outside Prisma (LISTEN/NOTIFY); absent for PGlite. */
  connectionString?: string;
  /**
   * Enables pgvector once per database when it can (`CREATE EXTENSION IF NOT EXISTS vector`) and
   * remembers the outcome; resolves `exact` where the extension is missing, never rejects.
   */
  vectorSearch(): Promise<VectorSearchMode>;
  close(): Promise<void>;
}

export function createDatabase(options: DatabaseOptions = {}): Database {
  if (options.databaseUrl) return createPostgresDatabase(options.databaseUrl);
  return createPgliteDatabase(options.dataDir ?? 'memory://');
}

function createPostgresDatabase(databaseUrl: string): Database {
  const { location } = checkDatabaseUrl(databaseUrl);
  // One pool for Prisma and for raw queries.
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 10 });
  // An idle connection the server dropped is discarded by the pool; the next query opens another.
  pool.on('error', () => {});
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool) });
  // Migrations get a pool of their own per connection, ended when they finish: the session-level
  // advisory lock the schema engine takes must not outlive them in a shared pool.
  const adapterFactory = new PrismaPg({ connectionString: databaseUrl, max: 10 });
  return {
    kind: 'postgres',
    prisma,
    query: async <Row>(sql: string, params: readonly unknown[]) => (await pool.query(sql, params as unknown[])).rows as Row[],
    adapterFactory,
    connectionString: databaseUrl,
    location,
    vectorSearch: once(() => prepareVectorSearch(prisma)),
    async close() {
      await prisma.$disconnect();
      await pool.end();
    },
  };
}

function createPgliteDatabase(dataDir: string): Database {
  if (!dataDir.includes('://')) mkdirSync(dataDir, { recursive: true });
  const pglite = new PGlite(dataDir, { extensions: { vector } });
  const adapterFactory = new PrismaPGlite(pglite);
  const prisma = new PrismaClient({ adapter: adapterFactory });
  return {
    kind: 'pglite',
    prisma,
    query: async <Row>(sql: string, params: readonly unknown[]) => (await pglite.query<Row>(sql, params as unknown[])).rows,
    adapterFactory,
    location: dataDir,
    vectorSearch: once(() => prepareVectorSearch(prisma)),
    async close() {
      await prisma.$disconnect();
      await pglite.close();
    },
  };
}

function once<T>(run: () => Promise<T>): () => Promise<T> {
  let result: Promise<T> | undefined;
  return () => (result ??= run());
}

async function prepareVectorSearch(prisma: PrismaClient): Promise<VectorSearchMode> {
  const installed = async () =>
    (
      await prisma.$queryRaw<Array<{ installed: boolean }>>`
      SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'vector') AS installed`
    )[0]?.installed === true;
  try {
    if (await installed()) return 'pgvector';
    const [shipped] = await prisma.$queryRaw<Array<{ name: string }>>`
      SELECT name FROM pg_available_extensions WHERE name = 'vector'`;
    // Not shipped with this server: skip CREATE EXTENSION, so no error lands in the server's log.
    if (!shipped) return 'exact';
    await prisma.$executeRawUnsafe('CREATE EXTENSION IF NOT EXISTS vector');
    return 'pgvector';
  } catch {
    // No privilege to install it, or another process installed it at the same moment.
    return (await installed().catch(() => false)) ? 'pgvector' : 'exact';
  }
}

export { PrismaClient };
