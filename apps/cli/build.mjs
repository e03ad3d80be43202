// Bundles the command line into one file, `dist/aae.js`, that runs on Node 20 with nothing else
// installed: the workspace packages are TypeScript sources, so a plain `npm install` of them would not run.
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = fileURLToPath(new URL('.', import.meta.url));

await build({
  absWorkingDir: here,
  entryPoints: ['src/main.ts'],
  outfile: 'dist/aae.js',
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  minify: false,
  sourcemap: false,
  legalComments: 'none',
  // The entry's own `#!` line is kept by esbuild; CommonJS dependencies bundled into ESM need `require`.
  banner: { js: "import { createRequire as __aaeCreateRequire } from 'node:module'; const require = __aaeCreateRequire(import.meta.url);" },
  logLevel: 'warning',
});

// `dist` is a package of its own with no dependencies (the workspace's `workspace:*` ones are
// bundled), so `npm install -g ./apps/cli/dist` installs the `aae` command anywhere.
const { version, description } = JSON.parse(await readFile(new URL('package.json', import.meta.url), 'utf8'));
const manifest = { name: 'aae-cli', version, description, type: 'module', bin: { aae: 'aae.js' }, engines: { node: '>=20.19' } };
await writeFile(new URL('dist/package.json', import.meta.url), `${JSON.stringify(manifest, null, 2)}\n`);
