// Makes the V8 code caches bin/corral loads with the bundle: bytecode of the functions a
// command compiles, so that a CLI start deserializes them instead of compiling. V8
// deserializes a whole cache at once, so each command gets its own (dist/cache/<name>),
// made by running just that command in a fresh process against throwaway state; the rest
// use dist/corral.cjs.cache, made by running all of them. As root with busybox that includes
// a real `oci run` and the life of a busybox system container (create, start, info, ls,
// attach, stop, destroy) in a throwaway store without a network.
//   node scripts/build-code-cache.cjs             (everything)
//   node scripts/build-code-cache.cjs --one NAME DIR ARGS...   (internal: one cache)
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const vm = require('node:vm');
const Module = require('node:module');
const { execFileSync } = require('node:child_process');

const dist = path.join(__dirname, '..', 'dist');
const bundle = path.join(dist, 'corral.cjs');
const asRoot = process.getuid && process.getuid() === 0 && fs.existsSync('/bin/busybox');

function loadBundle() {
  const script = new vm.Script(Module.wrap(fs.readFileSync(bundle, 'utf8')), { filename: bundle });
  const loaded = { exports: {} };
  script.runInThisContext().call(loaded.exports, loaded.exports, Module.createRequire(bundle), loaded, bundle, path.dirname(bundle));
  return { script, main: loaded.exports.main };
}

/** Runs commands in this process with stdout and stderr silenced, then writes the cache. */
async function runAndSave(commands, cacheFile) {
  const { script, main } = loadBundle();
  const quiet = { out: process.stdout.write, err: process.stderr.write };
  process.stdout.write = () => true;
  process.stderr.write = () => true;
  try {
    for (const args of commands) await main(['node', 'corral', ...args]).catch(() => 1);
  } finally {
    process.stdout.write = quiet.out;
    process.stderr.write = quiet.err;
  }
  fs.mkdirSync(path.dirname(cacheFile), { recursive: true });
  fs.writeFileSync(cacheFile, script.createCachedData());
}

function tinyBundle(dir) {
  const rootfs = path.join(dir, 'rootfs');
  fs.mkdirSync(path.join(rootfs, 'bin'), { recursive: true });
  fs.copyFileSync('/bin/busybox', path.join(rootfs, 'bin', 'busybox'));
  fs.symlinkSync('busybox', path.join(rootfs, 'bin', 'true'));
  execFileSync(process.execPath, [path.join(__dirname, '..', 'bin', 'corral'), 'oci', 'spec', '--bundle', dir], { stdio: 'ignore' });
  const spec = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8'));
  spec.process.terminal = false;
  spec.process.args = ['true'];
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(spec));
}

/** The per-command training runs, in order (each needs the state the previous left). */
function plan(dir) {
  const root = path.join(dir, 'state');
  const store = ['-P', path.join(dir, 'store')];
  const conf = path.join(dir, 'empty-net.conf');
  const name = `cache-${process.pid}`;
  const oci = [['oci', '--help'], ['oci', 'spec', '--bundle', path.join(dir, 'spec')], ['oci', '--root', root, 'state', 'nothing-here'], ['oci', '--root', root, 'list']];
  if (!asRoot) return [['oci', oci], ['ls', [['ls', ...store, '--fancy']]]];
  return [
    ['oci', [...oci, ['oci', '--root', root, 'run', '--bundle', dir, `${name}-oci`]]],
    ['create', [['create', ...store, '-n', name, '-t', 'busybox', '-f', conf]]],
    ['start', [['start', ...store, '-n', name]]],
    ['info', [['info', ...store, '-n', name]]],
    ['ls', [['ls', ...store, '--fancy']]],
    ['attach', [['attach', ...store, '-n', name, '--', 'true']]],
    ['stop', [['stop', ...store, '-n', name, '-k']]],
    ['autostart', [['autostart', ...store, '-L']]],
    ['destroy', [['destroy', ...store, '-n', name]]],
  ];
}

async function all() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'corral-cache-'));
  fs.mkdirSync(path.join(dir, 'spec'));
  fs.writeFileSync(path.join(dir, 'empty-net.conf'), 'lxc.net.0.type = empty\n');
  const env = { ...process.env, CORRAL_DEFAULT_CONF: path.join(dir, 'empty-net.conf') };
  const steps = plan(dir);
  fs.rmSync(path.join(dist, 'cache'), { recursive: true, force: true });
  try {
    if (asRoot) tinyBundle(dir);
    for (const [name, commands] of steps) {
      execFileSync(process.execPath, [__filename, '--one', path.join(dist, 'cache', name), JSON.stringify(commands)], { stdio: 'inherit', env });
    }
    // the fallback for every other command: all of it in one process (the container again)
    const again = steps.flatMap(([, commands]) => commands).map((args) => args.map((a) => (a.startsWith('cache-') ? `${a}-all` : a)));
    execFileSync(process.execPath, [__filename, '--one', `${bundle}.cache`, JSON.stringify([['--help'], ...again])], { stdio: 'inherit', env });
  } finally {
    for (const suffix of ['', '-all']) {
      for (const args of [['stop', '-P', path.join(dir, 'store'), '-k', '-n'], ['destroy', '-P', path.join(dir, 'store'), '-f', '-n']]) {
        try {
          execFileSync(process.execPath, [path.join(__dirname, '..', 'bin', 'corral'), ...args, `cache-${process.pid}${suffix}`], { stdio: 'ignore', env });
        } catch {
          // not there
        }
      }
      try {
        execFileSync(process.execPath, [path.join(__dirname, '..', 'bin', 'corral'), 'oci', '--root', path.join(dir, 'state'), 'delete', '--force', `cache-${process.pid}-oci${suffix}`], { stdio: 'ignore' });
      } catch {
        // nothing to delete (run removes its container itself)
      }
    }
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--one') {
  runAndSave(JSON.parse(process.argv[4]), process.argv[3]).catch((err) => {
    console.error(`code cache: ${err.message}`);
    process.exitCode = 1;
  });
} else {
  all().catch((err) => {
    console.error(`code cache: ${err.message}`);
    process.exitCode = 1;
  });
}
