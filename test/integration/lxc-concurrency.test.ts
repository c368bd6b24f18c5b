// Fifty containers driven at once, as fifty parallel lxc-create/lxc-start/... would: every
// command succeeds, every container really runs (its init and monitor are in /proc), and
// once all are stopped and destroyed nothing is left: no process, cgroup, mount, runtime
// state or lock directory.
import assert from 'node:assert/strict';
import { existsSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { hasBusybox } from '../support/busybox.js';
import { isRoot, type Result } from '../support/cli.js';
import { parentPid, seeProcess, stillThere, storeLeftovers, type SeenProcess } from '../support/leftovers.js';
import { lxcEnv } from '../support/lxc.js';

const skip = !isRoot() ? 'needs root' : !hasBusybox() ? 'needs busybox-static' : false;
const COUNT = 50;
// each command is bounded; the whole test too (node:test fails it at the timeout)
const COMMAND_TIMEOUT_MS = 45_000;

function failures(what: string, names: string[], results: Result[]): string[] {
  return results.flatMap((r, i) => (r.code === 0 ? [] : [`${what} ${names[i]}: exit ${r.code}: ${r.stderr.trim()}`]));
}

async function waitUntil(cond: () => boolean, ms: number): Promise<void> {
  for (const deadline = Date.now() + ms; !cond() && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 50));
}

describe(`${COUNT} containers at once`, { skip }, () => {
  const lxc = skip ? undefined! : lxcEnv('conc');
  const names = Array.from({ length: COUNT }, (_, i) => `cc${i}-${process.pid}`);
  const all = (tool: string, args: (name: string) => string[], only = names) =>
    Promise.all(only.map((n) => lxc.runAsync(tool, args(n), { timeoutMs: COMMAND_TIMEOUT_MS })));

  after(async () => {
    // after a failure: whatever is left goes
    const left = names.filter((n) => existsSync(join(lxc.lxcpath, n)));
    await all('lxc-stop', (n) => ['-n', n, '-k'], left);
    await all('lxc-destroy', (n) => ['-n', n, '-f'], left);
    lxc.cleanup();
  });

  test('create, start, attach, stop and destroy 50 at a time: all succeed, nothing leaks', { timeout: 150_000 }, async (t) => {
    const t0 = Date.now();
    const created = await all('lxc-create', (n) => ['-n', n, '-t', 'busybox']);
    assert.deepEqual(failures('create', names, created), []);
    const t1 = Date.now();
    const started = await all('lxc-start', (n) => ['-n', n]);
    assert.deepEqual(failures('start', names, started), []);
    const t2 = Date.now();

    // every one running, according to ls and to info, and to the kernel
    const listed = JSON.parse(lxc.run('lxc-ls', ['--json']).stdout) as { name: string; state: string; pid?: number }[];
    assert.deepEqual(listed.map((c) => c.name).sort(), [...names].sort());
    assert.deepEqual(listed.filter((c) => c.state !== 'RUNNING').map((c) => c.name), [], 'all RUNNING in ls');
    const infos = await all('lxc-info', (n) => ['-n', n, '--json']);
    assert.deepEqual(failures('info', names, infos), []);
    const seen: SeenProcess[] = [];
    for (const [i, r] of infos.entries()) {
      const info = JSON.parse(r.stdout) as { state: string; pid: number };
      assert.equal(info.state, 'RUNNING', names[i]);
      const init = seeProcess(info.pid, `init of ${names[i]}`);
      assert.ok(init, `${names[i]}: init ${info.pid} is in /proc`);
      seen.push(init);
      // the monitor is init's parent: the native helper
      const monitor = parentPid(info.pid)!;
      assert.match(readlinkSync(`/proc/${monitor}/exe`), /corral-helper/, `${names[i]}: init's parent is its monitor`);
      seen.push(seeProcess(monitor, `monitor of ${names[i]}`)!);
    }
    const attached = await all('lxc-attach', (n) => ['-n', n, '--', 'true']);
    assert.deepEqual(failures('attach', names, attached), []);
    const t3 = Date.now();

    // a clean halt (busybox init takes ~2 s to shut down), all at once
    const stopped = await all('lxc-stop', (n) => ['-n', n, '-t', '20']);
    assert.deepEqual(failures('stop', names, stopped), []);
    const t4 = Date.now();
    const states = await all('lxc-info', (n) => ['-n', n, '-s']);
    assert.deepEqual(states.filter((r) => !/STOPPED/.test(r.stdout)).map((r) => r.stdout.trim()), [], 'all STOPPED');
    const destroyed = await all('lxc-destroy', (n) => ['-n', n]);
    assert.deepEqual(failures('destroy', names, destroyed), []);
    const t5 = Date.now();

    // the monitors finish their post-stop a moment after stop returns
    await waitUntil(() => stillThere(seen).length === 0, 10_000);
    assert.deepEqual(stillThere(seen).map((p) => `${p.what} (pid ${p.pid})`), [], 'no init or monitor left');
    assert.deepEqual(storeLeftovers(lxc.lxcpath, names), []);
    t.diagnostic(`ms for ${COUNT}: create ${t1 - t0}, start ${t2 - t1}, check+attach ${t3 - t2}, stop ${t4 - t3}, destroy ${t5 - t4}`);
  });
});
