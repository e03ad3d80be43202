/**
 * Driver-adapter factories over a PostgreSQL server for the schema engine.
 *
 * `@prisma/adapter-pg` 7.10's `executeScript` splits a migration at every `;`, so a function
 * body (`$$ … ; … $$`), or a semicolon in a string or comment, reaches the server in pieces.
 * These factories reuse the adapter for everything else but split scripts where PostgreSQL
 * does, and still send one statement at a time (as the adapter did: `CREATE INDEX
 * CONCURRENTLY` must not run in a multi-statement transaction).
 */
import { PrismaPg } from '@prisma/adapter-pg';
import type { SqlDriverAdapter, SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import { withScripts } from './adapter-scripts.ts';

/** Swaps a `PrismaPg` factory for one that splits scripts by PostgreSQL's rules; any other is returned as is. */
export function withWholePostgresStatements(factory: SqlMigrationAwareDriverAdapterFactory): SqlMigrationAwareDriverAdapterFactory {
  if (!(factory instanceof PrismaPg)) return factory;
  return {
    provider: factory.provider,
    adapterName: factory.adapterName,
    connect: async () => splitScripts(await factory.connect()),
    connectToShadowDb: async () => splitScripts(await factory.connectToShadowDb()),
  };
}

function splitScripts(adapter: SqlDriverAdapter): SqlDriverAdapter {
  return withScripts(adapter, async (script) => {
    for (const sql of splitSqlStatements(script)) await adapter.executeRaw({ sql, args: [], argTypes: [] });
  });
}

/**
 * A script's statements, split at the semicolons PostgreSQL ends statements with: not those in
 * quoted strings or identifiers, comments, or dollar-quoted bodies. Empty statements (only
 * comments or blanks) are left out.
 */
export function splitSqlStatements(script: string): string[] {
  const statements: string[] = [];
  let start = 0;
  let code = false;
  let i = 0;
  while (i < script.length) {
    const char = script[i]!;
    if (script.startsWith('--', i)) {
      const newline = script.indexOf('\n', i);
      i = newline === -1 ? script.length : newline + 1;
      continue;
    }
    if (script.startsWith('/*', i)) {
      i = blockCommentEnd(script, i);
      continue;
    }
    if (char === ';') {
      if (code) statements.push(script.slice(start, i).trim());
      start = i + 1;
      code = false;
      i++;
      continue;
    }
    if (!/\s/.test(char)) code = true;
    if (char === "'" || char === '"') i = quotedEnd(script, i, char, char === "'" && isEscapeStringPrefix(script, i));
    else if (char === '$' && !/[\w$]/.test(script[i - 1] ?? ' ')) i = dollarQuotedEnd(script, i);
    else i++;
  }
  if (code) statements.push(script.slice(start).trim());
  return statements;
}

/** Whether the quote at `at` opens an E'' string (backslash escapes), not one after a word ending in e. */
function isEscapeStringPrefix(script: string, at: number): boolean {
  return /[eE]/.test(script[at - 1] ?? '') && !/\w/.test(script[at - 2] ?? ' ');
}

/** Past a `$tag$ … $tag$` body starting at `from`; a `$` that opens none (a `$1`) is one character. */
function dollarQuotedEnd(script: string, from: number): number {
  const tag = /\$(?:[A-Za-z_][A-Za-z0-9_]*)?\$/y;
  tag.lastIndex = from;
  const open = tag.exec(script)?.[0];
  if (!open) return from + 1;
  const close = script.indexOf(open, from + open.length);
  return close === -1 ? script.length : close + open.length;
}

/** Past a block comment starting at `from` (they nest in PostgreSQL). */
function blockCommentEnd(script: string, from: number): number {
  let depth = 0;
  let i = from;
  while (i < script.length) {
    if (script.startsWith('/*', i)) {
      depth++;
      i += 2;
    } else if (script.startsWith('*/', i)) {
      depth--;
      i += 2;
      if (depth === 0) return i;
    } else i++;
  }
  return i;
}

/** Past a string or identifier quoted with `quote` starting at `from` (doubled quotes, and backslashes in E'' strings, escape). */
function quotedEnd(script: string, from: number, quote: string, backslashEscapes: boolean): number {
  let i = from + 1;
  while (i < script.length) {
    const char = script[i]!;
    if (backslashEscapes && char === '\\') i += 2;
    else if (char === quote && script[i + 1] === quote) i += 2;
    else if (char === quote) return i + 1;
    else i++;
  }
  return i;
}
