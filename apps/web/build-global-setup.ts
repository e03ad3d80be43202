import { build } from 'vite';
import { fileURLToPath } from 'node:url';

/** Browser tests drive the built app as the server serves it: build it once per run. */
export default async function setup() {
  const root = fileURLToPath(new URL('.', import.meta.url));
  // Vitest sets NODE_ENV=test, which would bundle React's development build.
  const nodeEnv = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  try {
    await build({ root, logLevel: 'warn', configFile: `${root}vite.config.ts`, mode: 'production' });
  } finally {
    process.env.NODE_ENV = nodeEnv;
  }
}
