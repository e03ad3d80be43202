import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The nearest folder at or above `from` that holds `prisma/migrations`: the project's root, found
 * the same way whether this module runs as source (packages/db/src/…) or bundled into
 * apps/server/dist/main.js, where a fixed `../../..` would point elsewhere.
 */
export function findProjectRoot(from: string): string {
  let dir = path.resolve(from);
  for (;;) {
    if (existsSync(path.join(dir, 'prisma', 'migrations'))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`No prisma/migrations folder in ${from} or above it: run the server from within the project's folder tree`);
    dir = parent;
  }
}

/** The project's root folder (it holds `prisma/`, `apps/`, `.data/`). */
export const repoRoot = findProjectRoot(path.dirname(fileURLToPath(import.meta.url)));
