/**
 * Prisma's schema engine compiled to WebAssembly, driven through a driver adapter. This is what
 * lets migrations run with no native `schema-engine` binary and no network.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import * as glue from '@prisma/schema-engine-wasm/schema_engine_bg';
import type { SchemaEngine, SchemaFilter } from '@prisma/schema-engine-wasm/schema_engine_bg';
import { bindMigrationAwareSqlAdapterFactory, type SqlDriverAdapter, type SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';

export type {
  ApplyMigrationsOutput,
  DiagnoseMigrationHistoryOutput,
  DiffResult,
  HistoryDiagnostic,
  MigrationDirectory,
  MigrationList,
  MigrationLockfile,
  SchemaContainer,
  SchemaEngine,
  SchemaFilter,
} from '@prisma/schema-engine-wasm/schema_engine_bg';

/** One Prisma schema file: `path` is only used by the engine in its error messages. */
export interface SchemaFile {
  path: string;
  content: string;
}

export interface SchemaEngineOptions {
  /** The datamodel the engine starts with; applying or inspecting migrations does not need one. */
  schemaFiles?: SchemaFile[];
  /** Receives the engine's log lines (one JSON object per line). Dropped by default. */
  onLog?: (line: string) => void;
}

/** We use no `prisma.config.ts` table/enum filters: the engine manages the whole schema. */
export const noFilters: SchemaFilter = { externalTables: [], externalEnums: [] };

interface PanicRegistry {
  set_message(message: string): void;
}

declare global {
  // The wasm glue reports a Rust panic's message here just before the instance traps.
  var PRISMA_WASM_PANIC_REGISTRY: PanicRegistry | undefined;
}

/** lib ES2023 has no WebAssembly types (they come with lib.dom), so declare the part we use. */
interface WasmApi {
  instantiate(bytes: Uint8Array, imports: Record<string, Record<string, unknown>>): Promise<{ instance: { exports: Record<string, unknown> } }>;
  RuntimeError: new (message?: string) => Error;
}
const wasmApi = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

let lastPanicMessage: string | undefined;
let loaded: Promise<void> | undefined;

/**
 * Instantiates the engine's wasm module once per process. The package entry imports the `.wasm`
 * file as an ES module, which Node 20 cannot do, so we wire the wasm-bindgen glue by hand.
 */
export function loadSchemaEngineWasm(): Promise<void> {
  loaded ??= instantiate().catch((error: unknown) => {
    loaded = undefined;
    throw error;
  });
  return loaded;
}

async function instantiate(): Promise<void> {
  // Prisma Client installs its own registry (it throws with the message); keep it if present.
  globalThis.PRISMA_WASM_PANIC_REGISTRY ??= {
    set_message: (message) => {
      lastPanicMessage = message;
    },
  };
  // The package's exports map hides the .wasm file, so locate it next to the exported glue.
  const gluePath = createRequire(import.meta.url).resolve('@prisma/schema-engine-wasm/schema_engine_bg');
  const bytes = await readFile(path.join(path.dirname(gluePath), 'schema_engine_bg.wasm'));

  const imports: Record<string, unknown> = { ...glue };
  for (const [name, fn] of Object.entries(glue)) {
    // The engine arms timers it never clears; unref them so they cannot keep the process alive.
    if (name.startsWith('__wbg_setTimeout_') && typeof fn === 'function') {
      imports[name] = (...args: unknown[]) => {
        const timer: unknown = Reflect.apply(fn, undefined, args);
        (timer as { unref?: () => void } | undefined)?.unref?.();
        return timer;
      };
    }
  }
  const { instance } = await wasmApi.instantiate(bytes, { './schema_engine_bg.js': imports });
  glue.__wbg_set_wasm(instance.exports);
  (instance.exports.__wbindgen_start as () => void)();
}

/**
 * Opens an engine on `factory`, runs `fn`, then frees the engine and disposes every connection it
 * opened (the engine itself never closes them, and an open `pg` pool keeps Node running).
 */
export async function withSchemaEngine<T>(
  factory: SqlMigrationAwareDriverAdapterFactory,
  options: SchemaEngineOptions,
  fn: (engine: SchemaEngine) => Promise<T>,
): Promise<T> {
  await loadSchemaEngineWasm();
  const tracked = trackConnections(factory);
  const datamodels = options.schemaFiles?.map((file): [string, string] => [file.path, file.content]);
  const onLog = options.onLog ?? (() => {});
  try {
    const engine = await glue.SchemaEngine.new({ datamodels }, onLog, bindMigrationAwareSqlAdapterFactory(tracked.factory)).catch((error: unknown) => {
      throw toEngineError(error);
    });
    try {
      return await fn(engine).catch((error: unknown) => {
        throw toEngineError(error);
      });
    } finally {
      engine.free();
    }
  } finally {
    await tracked.disposeAll();
  }
}

/** Wraps a factory so that every adapter it hands out can be disposed exactly once, later. */
function trackConnections(factory: SqlMigrationAwareDriverAdapterFactory): {
  factory: SqlMigrationAwareDriverAdapterFactory;
  disposeAll: () => Promise<void>;
} {
  const open = new Set<SqlDriverAdapter>();
  const track = (adapter: SqlDriverAdapter): SqlDriverAdapter => {
    let disposed: Promise<void> | undefined;
    const once: SqlDriverAdapter = {
      provider: adapter.provider,
      adapterName: adapter.adapterName,
      queryRaw: (query) => adapter.queryRaw(query),
      executeRaw: (query) => adapter.executeRaw(query),
      executeScript: (script) => adapter.executeScript(script),
      startTransaction: (isolationLevel) => adapter.startTransaction(isolationLevel),
      dispose: () => {
        open.delete(once);
        disposed ??= adapter.dispose();
        return disposed;
      },
    };
    if (adapter.getConnectionInfo) once.getConnectionInfo = () => adapter.getConnectionInfo!();
    open.add(once);
    return once;
  };
  return {
    factory: {
      provider: factory.provider,
      adapterName: factory.adapterName,
      connect: async () => track(await factory.connect()),
      connectToShadowDb: async () => track(await factory.connectToShadowDb()),
    },
    disposeAll: async () => {
      const results = await Promise.allSettled([...open].map((adapter) => adapter.dispose()));
      const failed = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
      if (failed) throw failed.reason;
    },
  };
}

/** An engine failure with the Rust span trace stripped from its message (kept in `detail`). */
export class SchemaEngineError extends Error {
  override readonly name = 'SchemaEngineError';
  constructor(
    message: string,
    /** The engine's error kind, e.g. `SchemaConnectorError`. */
    readonly kind: string,
    /** The engine's full message, including its span trace. */
    readonly detail: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** A Rust panic aborts by trapping; a plain boolean so callers keep their `Error` narrowing. */
function isWasmTrap(error: unknown): boolean {
  return error instanceof wasmApi.RuntimeError;
}

function toEngineError(error: unknown): unknown {
  if (error instanceof SchemaEngineError || !(error instanceof Error)) return error;
  if (isWasmTrap(error)) {
    const panic = lastPanicMessage ?? error.message;
    return new SchemaEngineError(`The schema engine panicked: ${panic}`, 'Panic', panic, { cause: error });
  }
  // Engine errors end with a span trace ("   0: schema_engine_wasm::...", "at schema-engine/...").
  const lines = error.message.split('\n');
  const traceStart = lines.findIndex((line) => /^\s+\d+: \S+::/.test(line));
  const message = (traceStart === -1 ? lines : lines.slice(0, traceStart)).join('\n').trim();
  return new SchemaEngineError(message || error.message, error.name, error.message, { cause: error });
}
