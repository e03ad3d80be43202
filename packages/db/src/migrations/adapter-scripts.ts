import type { SqlDriverAdapter } from '@prisma/driver-adapter-utils';

/** `adapter` with its own `executeScript` replaced (and `onDispose` run after its `dispose`). */
export function withScripts(adapter: SqlDriverAdapter, executeScript: SqlDriverAdapter['executeScript'], onDispose?: () => Promise<void>): SqlDriverAdapter {
  const fixed: SqlDriverAdapter = {
    provider: adapter.provider,
    adapterName: adapter.adapterName,
    queryRaw: (query) => adapter.queryRaw(query),
    executeRaw: (query) => adapter.executeRaw(query),
    startTransaction: (isolationLevel) => adapter.startTransaction(isolationLevel),
    executeScript,
    dispose: async () => {
      await adapter.dispose();
      await onDispose?.();
    },
  };
  if (adapter.getConnectionInfo) fixed.getConnectionInfo = () => adapter.getConnectionInfo!();
  return fixed;
}
