// The cgroup v2 device filter in a real container: this host is hybrid, so the runtime is
// told to treat its cgroup2 mount as a pure v2 host. The eBPF program the cgroup layer
// generates is then loaded and attached by the helper (BPF_DEVICES) and must be what
// decides: the v1 devices controller is not joined in this mode.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { openCgroupManager } from '../../src/runtime/cgroup/index.js';
import { RuntimeContext } from '../../src/runtime/context.js';
import { run } from '../../src/runtime/run.js';
import { makeBundle, type TestBundle } from '../support/bundle.js';
import { hasBusybox } from '../support/busybox.js';
import { isRoot } from '../support/cli.js';

const UNIFIED = '/sys/fs/cgroup/unified';
const skip = !isRoot() ? 'needs root' : !hasBusybox() ? 'needs busybox-static' : !existsSync(join(UNIFIED, 'cgroup.procs')) ? `no cgroup2 mount at ${UNIFIED}` : false;

describe('cgroup v2 device filter (eBPF) in a running container', { skip }, () => {
  const bundles: TestBundle[] = [];
  const root = mkdtempSync(join(tmpdir(), 'corral-v2root-'));
  after(() => {
    for (const b of bundles) rmSync(b.dir, { recursive: true, force: true });
    rmSync(root, { recursive: true, force: true });
  });

  test('allowed nodes open, others are refused with EPERM, mknod follows the m rules', async () => {
    const script = [
      'head -c1 /dev/null && echo null:ok',
      'mknod /tmp/mem c 1 1 && echo mknod:ok',
      'head -c1 /tmp/mem >/dev/null 2>/tmp/err; echo mem:$?; cat /tmp/err',
      'mknod /tmp/blk b 7 0 2>&1 || echo mknod-block:refused',
    ].join('; ');
    const b = makeBundle(['sh', '-c', `(${script}) > /out.txt 2>&1`], (spec) => {
      spec.process!.capabilities!.bounding!.push('CAP_MKNOD');
      spec.process!.capabilities!.effective!.push('CAP_MKNOD');
      spec.process!.capabilities!.permitted!.push('CAP_MKNOD');
      // deny everything, then (after the runtime's defaults) c *:* m: block mknod must fail
      spec.linux!.resources = { devices: [{ allow: false, access: 'rwm' }] };
      spec.linux!.cgroupsPath = `/corral-test-v2/${process.pid}`;
    });
    bundles.push(b);
    const cgroups = openCgroupManager({ system: { layout: 'v2', v1: {}, unified: UNIFIED } });
    const ctx = new RuntimeContext({ root, cgroups });
    try {
      const code = await run(ctx, `v2dev-${process.pid}`, { bundle: b.dir, stdio: ['ignore', 'inherit', 'inherit'] });
      assert.equal(code, 0);
      const out = readFileSync(join(b.dir, 'rootfs', 'out.txt'), 'utf8');
      assert.match(out, /null:ok/);
      assert.match(out, /mknod:ok/);
      assert.match(out, /mem:1/);
      assert.match(out, /Operation not permitted/);
      assert.match(out, /mknod-block:refused|Operation not permitted/);
      assert.equal(existsSync(join(UNIFIED, 'corral-test-v2', String(process.pid))), false, 'cgroup removed');
    } finally {
      for (const dir of [join(UNIFIED, 'corral-test-v2', String(process.pid)), join(UNIFIED, 'corral-test-v2')]) {
        try {
          rmdirSync(dir);
        } catch {
          // removed by the runtime, or a parent another test still uses
        }
      }
    }
  });
});
