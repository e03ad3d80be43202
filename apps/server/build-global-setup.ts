import { buildServer } from './build.ts';

/** Tests that start real server processes start the production bundle: build it once per run, from the source as it is now. */
export default async function setup() {
  await buildServer();
}
