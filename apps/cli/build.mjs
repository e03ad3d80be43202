// Bundles the command line into one file, `dist/aae.js`, that runs on Node 20 with nothing else
// installed: the workspace packages are TypeScript sources, so a plain `npm install` of them would not run.
import { build } from 'esbuild';

await build({
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
