// Makes dist/corral.cjs.cache, the V8 code cache bin/corral loads with the bundle. The
// cache holds bytecode for every function compiled so far, so the commands people run
// most are run here first, in this process, against throwaway state: help, spec, state,
// list and, when we are root with busybox, a real `oci run` of a tiny container.
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const vm = require('node:vm');
const Module = require('node:module');
const { execFileSync } = require('node:child_process');

const bundle = path.join(__dirname, '..', 'dist', 'corral.cjs');
const script = new vm.Script(Module.wrap(fs.readFileSync(bundle, 'utf8')), { filename: bundle });
const loaded = { exports: {} };
script.runInThisContext().call(loaded.exports, loaded.exports, Module.createRequire(bundle), loaded, bundle, path.dirname(bundle));
const { main } = loaded.exports;

function tinyBundle(dir) {
  const rootfs = path.join(dir, 'rootfs');
  fs.mkdirSync(path.join(rootfs, 'bin'), { recursive: true });
  fs.copyFileSync('/bin/busybox', path.join(rootfs, 'bin', 'busybox'));
  fs.symlinkSync('busybox', path.join(rootfs, 'bin', 'true'));
  return rootfs;
}

async function train() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'corral-cache-'));
  const root = path.join(dir, 'state');
  const quiet = { out: process.stdout.write, err: process.stderr.write };
  process.stdout.write = () => true;
  process.stderr.write = () => true;
  const run = (...args) => main(['node', 'corral', ...args]).catch(() => 1);
  try {
    await run('--help');
    await run('oci', '--help');
    await run('oci', 'spec', '--bundle', dir);
    await run('oci', '--root', root, 'state', 'nothing-here');
    await run('oci', '--root', root, 'list');
    await run('ls', '-P', path.join(dir, 'store'), '--fancy');
    if (process.getuid && process.getuid() === 0 && fs.existsSync('/bin/busybox')) {
      tinyBundle(dir);
      const spec = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8'));
      spec.process.terminal = false;
      spec.process.args = ['true'];
      fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(spec));
      await run('oci', '--root', root, 'run', '--bundle', dir, `cache-${process.pid}`);
    }
  } finally {
    process.stdout.write = quiet.out;
    process.stderr.write = quiet.err;
    try {
      execFileSync(process.execPath, [path.join(__dirname, '..', 'bin', 'corral'), 'oci', '--root', root, 'delete', '--force', `cache-${process.pid}`], { stdio: 'ignore' });
    } catch {
      // nothing to delete
    }
    fs.rmSync(dir, { recursive: true, force: true });
  }
  fs.writeFileSync(`${bundle}.cache`, script.createCachedData());
}

train().catch((err) => {
  // a missing cache only costs speed: never fail the build for it
  console.error(`corral: no code cache: ${err.message}`);
});
