// Runs the Prisma CLI without its native schema engine, which is downloaded from a host that
// locked-down networks cannot reach. `prisma generate` only checks that an engine file exists;
// migrations run through the WebAssembly engine in packages/db (pnpm db:migrate / db:deploy).
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const cli = require.resolve('prisma/build/index.js');
const env = { ...process.env, PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY ?? process.execPath, PRISMA_HIDE_UPDATE_MESSAGE: '1' };
const result = spawnSync(process.execPath, [cli, ...process.argv.slice(2)], { stdio: 'inherit', env });
process.exit(result.status ?? 1);
