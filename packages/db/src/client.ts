import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { PrismaPg } from '@prisma/adapter-pg';
import type { SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import { PrismaClient } from './generated/prisma/client.ts';

export type DatabaseKind = 'pglite' | 'postgres';

export interface DatabaseOptions {
  /** A postgres:// URL; when absent the embedded PGlite database is used. */
  databaseUrl?: string | undefined;
  /** Where PGlite keeps its files; `memory://` for a throwaway database. */
  dataDir?: string | undefined;
}

export interface Database {
  kind: DatabaseKind;
  prisma: PrismaClient;
  /** The factory the migrations runner connects through. */
  adapterFactory: SqlMigrationAwareDriverAdapterFactory;
  /** Where the data lives, for log lines (a URL without its password, or a folder). */
  location: string;
  /** The server's URL, for connections outside Prisma (LISTEN/NOTIFY); absent for PGlite. */
  connectionString?: string;
  close(): Promise<void>;
}

export function createDatabase(options: DatabaseOptions = {}): Database {
  if (options.databaseUrl) return createPostgresDatabase(options.databaseUrl);
  return createPgliteDatabase(options.dataDir ?? 'memory://');
}

function createPostgresDatabase(databaseUrl: string): Database {
  let url: URL;
  try {
    url = new URL(databaseUrl);
  } catch {
    throw new Error(`DATABASE_URL is not a valid URL: expected postgresql://user:password@host:port/database`);
  }
  if (url.protocol !== 'postgresql:' && url.protocol !== 'postgres:') {
    throw new Error(`DATABASE_URL must start with postgresql:// (got ${url.protocol}//)`);
  }
  const adapterFactory = new PrismaPg({ connectionString: databaseUrl, max: 10 });
  const prisma = new PrismaClient({ adapter: adapterFactory });
  url.password = url.password ? '***' : '';
  return {
    kind: 'postgres',
    prisma,
    adapterFactory,
    connectionString: databaseUrl,
    location: url.toString(),
    close: () => prisma.$disconnect(),
  };
}

function createPgliteDatabase(dataDir: string): Database {
  if (!dataDir.includes('://')) mkdirSync(dataDir, { recursive: true });
  const pglite = new PGlite(dataDir);
  const adapterFactory = new PrismaPGlite(pglite);
  const prisma = new PrismaClient({ adapter: adapterFactory });
  return {
    kind: 'pglite',
    prisma,
    adapterFactory,
    location: dataDir,
    async close() {
      await prisma.$disconnect();
      await pglite.close();
    },
  };
}

export { PrismaClient };
