// lxc-autostart against a store of the test's own: which containers it starts and stops,
// in which order, and that every one it reports started really runs.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { lxcEnv, type LxcEnv } from '../support/lxc.js';

const isRoot = process.getuid?.() === 0;
const hasBusybox = existsSync('/bin/busybox');

describe('lxc-autostart', { skip: !isRoot ? 'needs root' : !hasBusybox ? 'needs busybox-static' : false }, () => {
  let env: LxcEnv;
  const settings: Record<string, string> = {
    a1: 'lxc.start.auto = 1\nlxc.start.order = 1\n',
    a2: 'lxc.start.auto = 1\nlxc.start.order = 1\n',
    a3: 'lxc.start.auto = 1\nlxc.start.order = 2\n',
    g1: 'lxc.start.auto = 1\nlxc.group = onboot\n',
    off: 'lxc.start.auto = 0\n',
  };
  const state = (name: string) => /^State:\s+(\S+)/m.exec(env.run('lxc-info', ['-n', name]).stdout)?.[1];
  const pid = (name: string) => Number(env.run('lxc-info', ['-n', name, '-pH']).stdout.trim());

  before(() => {
    env = lxcEnv('autostart');
    for (const [name, conf] of Object.entries(settings)) {
      const r = env.run('lxc-create', ['-n', name, '-t', 'busybox']);
      assert.equal(r.code, 0, r.stderr);
      appendFileSync(join(env.lxcpath, name, 'config'), conf);
    }
  });
  after(() => {
    for (const name of Object.keys(settings)) {
      env.run('lxc-stop', ['-k', '-n', name]);
      env.run('lxc-destroy', ['-f', '-n', name]);
    }
    env.cleanup();
  });

  test('-L lists the ungrouped auto-started containers in lxc.start.order, with their delays', () => {
    const r = env.run('lxc-autostart', ['-L']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.stdout.trim().split('\n'), ['a1 0', 'a2 0', 'a3 0']);
    const all = JSON.parse(env.run('lxc-autostart', ['-L', '-a', '--json']).stdout) as { names: string[] }[];
    assert.deepEqual(all.map((w) => w.names), [['g1'], ['a1', 'a2'], ['a3']]);
  });

  test('start: the selected containers run, the others stay stopped; a second run skips them', () => {
    const r = env.run('lxc-autostart', ['--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual((JSON.parse(r.stdout) as { name: string; outcome: string }[]).map((x) => `${x.name}:${x.outcome}`), ['a1:started', 'a2:started', 'a3:started']);
    for (const name of ['a1', 'a2', 'a3']) {
      assert.equal(state(name), 'RUNNING', name);
      assert.match(readFileSync(`/proc/${pid(name)}/cmdline`, 'utf8'), /init/);
    }
    for (const name of ['g1', 'off']) assert.equal(state(name), 'STOPPED', name);
    const again = env.run('lxc-autostart', ['--json']);
    assert.ok((JSON.parse(again.stdout) as { outcome: string }[]).every((x) => x.outcome === 'skipped'));
  });

  test('-g onboot starts the group; -k -a -A kills everything that runs, in reverse order', () => {
    assert.equal(env.run('lxc-autostart', ['-g', 'onboot']).code, 0);
    assert.equal(state('g1'), 'RUNNING');
    const pids = ['a1', 'a2', 'a3', 'g1'].map(pid);
    const r = env.run('lxc-autostart', ['-k', '-a', '-A', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const results = JSON.parse(r.stdout) as { name: string; outcome: string }[];
    // order 2, then 1, then 0 (g1 and off, by name reversed)
    assert.deepEqual(results.map((x) => x.name), ['a3', 'a2', 'a1', 'off', 'g1']);
    assert.deepEqual(results.map((x) => x.outcome), ['killed', 'killed', 'killed', 'skipped', 'killed']);
    for (const name of Object.keys(settings)) assert.equal(state(name), 'STOPPED', name);
    for (const p of pids) assert.equal(existsSync(`/proc/${p}`), false, `init ${p} still alive`);
  });
});
