/**
 * The production build: `src/main.ts` and the workspace packages it imports (TypeScript, the
 * generated Prisma client included) bundled into `dist/main.js`, an ES module plain Node runs, and
 * beside it the worker threads' scripts, which the bundle starts from its own folder.
 * Third-party packages stay external and load from node_modules as installed: several ship wasm or
 * data files they find next to themselves (PGlite, Prisma's engines), which a bundle would break.
 */
import { readFileSync } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Metafile, type Plugin } from 'esbuild';

const serverDir = fileURLToPath(new URL('.', import.meta.url));
export const defaultOutDir = path.join(serverDir, 'dist');

/** Scripts run in worker threads: found next to the module that starts them, so built next to the bundle under the same name. */
const workerEntries = [{ in: '../../packages/runtime/src/pdf-text-worker.js', out: 'pdf-text-worker' }];

export interface ServerBuild {
  /** The bundle's path. */
  outfile: string;
  /** The worker scripts' paths, next to the bundle. */
  workerFiles: string[];
  /** Third-party packages the bundle imports at run time, by name. */
  externalPackages: string[];
  /** The source files bundled, relative to apps/server. */
  inputs: string[];
}

/** Bare specifiers stay imports, except the workspace's own packages, whose source is bundled. */
const bundleWorkspaceOnly: Plugin = {
  name: 'bundle-workspace-only',
  setup(pluginBuild) {
    pluginBuild.onResolve({ filter: /^[^./]/ }, (args) => (args.path.startsWith('@aae/') ? undefined : { path: args.path, external: true }));
  },
};

function packageName(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
}

function externalPackagesOf(metafile: Metafile): string[] {
  const names = new Set<string>();
  for (const input of Object.values(metafile.inputs)) {
    for (const imported of input.imports) {
      // `<runtime>` is esbuild's own helpers (keepNames), listed as external but inlined.
      if (imported.external && !imported.path.startsWith('node:') && imported.path !== '<runtime>') names.add(packageName(imported.path));
    }
  }
  return [...names].sort();
}

/**
 * Under pnpm a package resolves only from the folders of the packages that depend on it: the
 * bundle runs from apps/server, so whatever it imports must be a dependency of @aae/server.
 */
function checkDeclared(externalPackages: string[]): void {
  const manifest = JSON.parse(readFileSync(path.join(serverDir, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
  const missing = externalPackages.filter((name) => !manifest.dependencies?.[name]);
  if (missing.length > 0) {
    throw new Error(
      `The bundle imports ${missing.join(', ')}, which apps/server/package.json does not list in dependencies: add them, at the versions the importing workspace packages use`,
    );
  }
}

/** Builds the bundle into `outDir` (default `apps/server/dist`); each file replaces the last in one rename, so a concurrent build or start never reads half a file. */
export async function buildServer(outDir: string = defaultOutDir): Promise<ServerBuild> {
  const outfile = path.join(outDir, 'main.js');
  const result = await build({
    absWorkingDir: serverDir,
    entryPoints: [{ in: 'src/main.ts', out: 'main' }, ...workerEntries],
    outdir: outDir,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    sourcemap: true,
    // Class and function names survive the bundle's renaming (error names, logs).
    keepNames: true,
    metafile: true,
    write: false,
    logLevel: 'warning',
    plugins: [bundleWorkspaceOnly],
  });
  const externalPackages = externalPackagesOf(result.metafile);
  checkDeclared(externalPackages);
  await mkdir(outDir, { recursive: true });
  // The map first: a bundle in place always has its map.
  const files = [...result.outputFiles].sort((a, b) => Number(b.path.endsWith('.map')) - Number(a.path.endsWith('.map')));
  for (const file of files) {
    const temporary = `${file.path}.${process.pid}.${Date.now()}.tmp`;
    await writeFile(temporary, file.contents);
    await rename(temporary, file.path);
  }
  return {
    outfile,
    workerFiles: workerEntries.map((entry) => path.join(outDir, `${entry.out}.js`)),
    externalPackages,
    inputs: Object.keys(result.metafile.inputs),
  };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const started = performance.now();
  const built = await buildServer(process.argv[2] ? path.resolve(process.argv[2]) : undefined);
  console.info(
    `Built ${path.relative(process.cwd(), built.outfile)} from ${built.inputs.length} source files in ${Math.round(performance.now() - started)} ms (external: ${built.externalPackages.join(', ')})`,
  );
}
