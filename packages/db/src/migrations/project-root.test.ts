import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { findProjectRoot, repoRoot } from './project-root.ts';

const cleanups: string[] = [];
afterEach(async () => {
  for (const dir of cleanups.splice(0)) await rm(dir, { recursive: true, force: true });
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'aae-project-root-'));
  cleanups.push(dir);
  return dir;
}

describe('finding the project root', () => {
  it('is the folder that holds prisma/migrations, from the source layout', () => {
    expect(existsSync(path.join(repoRoot, 'prisma', 'migrations'))).toBe(true);
    expect(existsSync(path.join(repoRoot, 'apps', 'server', 'package.json'))).toBe(true);
  });

  it('finds the same root from the source folder and from the bundle folder', async () => {
    const root = await tempDir();
    await mkdir(path.join(root, 'prisma', 'migrations'), { recursive: true });
    const source = path.join(root, 'packages', 'db', 'src', 'migrations');
    const bundle = path.join(root, 'apps', 'server', 'dist');
    await mkdir(source, { recursive: true });
    await mkdir(bundle, { recursive: true });
    expect(findProjectRoot(source)).toBe(root);
    expect(findProjectRoot(bundle)).toBe(root);
  });

  it('says what is missing when no folder above has prisma/migrations', async () => {
    const dir = path.join(await tempDir(), 'apps', 'server', 'dist');
    await mkdir(dir, { recursive: true });
    expect(() => findProjectRoot(dir)).toThrow(/No prisma\/migrations folder in .*apps\/server\/dist or above it/);
  });
});
