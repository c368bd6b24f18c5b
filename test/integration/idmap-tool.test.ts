// IDMAP_TOOL: the maps of a new user namespace written by newuidmap/newgidmap, as an
// unprivileged caller needs. Real tools check /etc/subuid, which this test does not change:
// stand-ins with the same command line (`tool <pid> <inside> <outside> <count>...`) write the
// maps as root would, so the plan op itself (argv, wait, exit status, exec errors) is what
// is tested, on a real user namespace.
import assert from 'node:assert/strict';
import { chmodSync, closeSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { HelperError, runHelper } from '../../src/runtime/helper.js';
import { CLONE } from '../../src/runtime/plan/linux-constants.js';
import { planNamespaces } from '../../src/runtime/plan/namespaces.js';
import type { Plan } from '../../src/runtime/plan/ops.js';
import { tempDir } from '../support/busybox.js';
import { isRoot } from '../support/cli.js';

function tool(dir: string, name: string, file: 'uid_map' | 'gid_map', exit = 0): string {
  const path = join(dir, name);
  writeFileSync(path, `#!/bin/sh\npid=$1; shift\necho "$*" > "${dir}/${name}.args"\nprintf '%s %s %s\\n' "$@" > /proc/$pid/${file}\nexit ${exit}\n`);
  chmodSync(path, 0o755);
  return path;
}

async function run(plan: Plan, out: string): Promise<number> {
  const fd = openSync(out, 'w');
  try {
    const s = runHelper(plan, { context: 'idmap tool test', stdio: ['ignore', fd, 'inherit'] });
    await s.pid;
    return await s.exit;
  } finally {
    closeSync(fd);
  }
}

describe('IDMAP_TOOL (newuidmap/newgidmap)', { skip: !isRoot() && 'needs root' }, () => {
  const dir = tempDir('idmap-tool');

  test('the tools get the child pid and the triples; the child sees the maps', async () => {
    const linux = {
      namespaces: [{ type: 'user' as const }],
      uidMappings: [{ containerID: 0, hostID: 100000, size: 65536 }],
      gidMappings: [{ containerID: 0, hostID: 200000, size: 1000 }],
    };
    const ns = planNamespaces(linux, { newuidmap: tool(dir, 'newuidmap', 'uid_map'), newgidmap: tool(dir, 'newgidmap', 'gid_map') });
    const ops = ns.afterClone.map((o) => o.op);
    assert.deepEqual(ops, ['IDMAP_TOOL', 'IDMAP_TOOL']);
    const plan: Plan = {
      ops: [
        { op: 'FOREGROUND', args: [] },
        { op: 'CLONE', args: [CLONE.NEWUSER] },
        ...ns.afterClone,
        { op: 'EXEC', args: [2, '/bin/cat', '/proc/self/uid_map', 0] },
      ],
    };
    const out = join(dir, 'out');
    assert.equal(await run(plan, out), 0);
    assert.deepEqual(readFileSync(out, 'utf8').trim().split(/\s+/), ['0', '100000', '65536']);
    assert.match(readFileSync(join(dir, 'newgidmap.args'), 'utf8'), /^0 200000 1000$/m);
  });

  test('a tool that fails or cannot run fails the spawn at its step', async () => {
    const bad = tool(dir, 'badmap', 'uid_map', 1);
    for (const [path, expect] of [[bad, /badmap \d+ \.\.\. failed \(exit status 1\)/], [join(dir, 'missing'), /ENOENT/]] as const) {
      const plan: Plan = { ops: [{ op: 'CLONE', args: [CLONE.NEWUSER] }, { op: 'IDMAP_TOOL', args: [path, 3, '0', '300000', '1'] }, { op: 'EXEC', args: [1, '/bin/true', 0] }] };
      const s = runHelper(plan, { context: 'idmap tool test', stdio: ['ignore', 'ignore', 'ignore'] });
      const err = await s.pid.then(() => undefined, (e: unknown) => e);
      assert.ok(err instanceof HelperError, String(err));
      assert.equal(err.failure.op, 'IDMAP_TOOL');
      assert.match(err.message, expect);
      await s.exit;
    }
  });
});
