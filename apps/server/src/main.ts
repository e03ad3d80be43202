import { startApp } from './app.ts';
import { readConfig } from './config.ts';

const config = readConfig();
const app = await startApp({
  databaseUrl: config.DATABASE_URL,
  dataDir: config.DATA_DIR,
  port: config.PORT,
  host: config.HOST,
  webDist: config.WEB_DIST,
  localModelChunkDelayMs: config.LOCAL_MODEL_CHUNK_DELAY_MS,
});
console.info(
  `Assistant Architect Events is running at ${app.url} (database: ${app.services.database.kind} at ${app.services.database.location})`,
);

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  console.info(`${signal}: finishing running executions and writing buffered events…`);
  await app.stop({ cancelRunning: true });
  process.exit(0);
}
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));
