// Makes a fresh machine ready for `start` or `test`, so each is one command there:
//   start: pnpm 10 and the workspace's dependencies;
//   test:  the same, plus Debian's Chromium (browser tests) and the PostgreSQL 15 server binaries.
// Everything already present is left alone; a fresh install prints what it is doing.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';

const purpose = process.argv[2];
if (purpose !== 'start' && purpose !== 'test') {
  console.error('Usage: node scripts/setup.mjs start|test');
  process.exit(2);
}

const has = (command) => spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { stdio: 'inherit', ...options });
  if (result.status !== 0) {
    console.error(`setup: \`${[command, ...args].join(' ')}\` failed (exit ${result.status ?? result.signal})`);
    process.exit(result.status ?? 1);
  }
}

let aptUpdated = false;
function aptInstall(packages, why) {
  const root = process.getuid?.() === 0;
  if (!root && !has('sudo')) {
    console.error(`setup: ${why} needs ${packages.join(' ')}: install it (apt-get install ${packages.join(' ')}) and run again`);
    process.exit(1);
  }
  const [command, ...prefix] = root ? ['apt-get'] : ['sudo', 'env', 'DEBIAN_FRONTEND=noninteractive', 'apt-get'];
  const options = { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } };
  console.log(`setup: installing ${packages.join(' ')} from Debian (${why})`);
  if (!aptUpdated) run(command, [...prefix, 'update', '-qq'], options);
  aptUpdated = true;
  run(command, [...prefix, 'install', '-y', '-qq', ...packages], options);
}

if (!has('pnpm')) {
  // corepack cannot verify registry signatures on these networks; pnpm 11 needs Node 22.
  console.log('setup: installing pnpm 10');
  run('npm', ['install', '--global', '--no-fund', '--no-audit', 'pnpm@10']);
}

// Fast when nothing changed; keeps node_modules in step with the lockfile after a pull.
run('pnpm', ['install', '--frozen-lockfile', '--reporter=silent']);

if (purpose === 'test') {
  if (!existsSync(process.env.CHROMIUM_PATH ?? '/usr/bin/chromium')) aptInstall(['chromium'], 'the browser tests');
  if (!has('tmux')) aptInstall(['tmux'], "the command line's terminal tests");
  const postgresBins = existsSync('/usr/lib/postgresql')
    ? readdirSync('/usr/lib/postgresql').some((version) => existsSync(`/usr/lib/postgresql/${version}/bin/initdb`))
    : false;
  if (!process.env.TEST_DATABASE_URL && !has('initdb') && !postgresBins) {
    aptInstall(['postgresql-15'], 'the integration tests on a PostgreSQL server');
  }
  if (process.getuid?.() === 0 && !process.env.TEST_DATABASE_URL) {
    // initdb refuses to run as root; the test cluster runs as the `postgres` user.
    try {
      execFileSync('id', ['-u', 'postgres'], { stdio: 'ignore' });
    } catch {
      run('useradd', ['--system', '--no-create-home', 'postgres']);
    }
  }
}
