import type { PostgresCluster } from '@aae/db/testing';

/** Stops the cluster when the run is interrupted too, so no postgres process outlives the bench. */
export function stopOnSignal(cluster: PostgresCluster): () => void {
  const handler = (signal: NodeJS.Signals) => {
    try {
      cluster.stop();
    } finally {
      process.exit(signal === 'SIGINT' ? 130 : 143);
    }
  };
  process.once('SIGINT', handler);
  process.once('SIGTERM', handler);
  return () => {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
  };
}
