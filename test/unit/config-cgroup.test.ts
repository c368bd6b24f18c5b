// lxc.cgroup.* / lxc.cgroup2.* -> OCI linux.resources on v1, v2 and hybrid hosts: units,
// conversions between the two kinds (exact inverses of the runtime's v2 driver), unified
// pass-through, device rules, and the keys a layout cannot take.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConfigError, parseConfig, toOciSpec } from '../../src/core/config/index.js';
import { ioWeightToBlkio, weightToShares } from '../../src/core/config/cgroup-keys.js';
import { DEFAULT_DEVICE_RULES } from '../../src/core/config/cgroup-values.js';
import { blkioWeightToIoWeight, sharesToWeight, swapToV2 } from '../../src/runtime/cgroup/resources-v2.js';
import type { Resources } from '../../src/runtime/spec/types.js';

type Layout = 'v1' | 'v2' | 'hybrid';

function resources(text: string, layout: Layout): Resources {
  const cfg = parseConfig(text, { file: '/c/config' });
  return toOciSpec(cfg, { name: 'c', rootfs: '/r', cgroupLayout: layout }).spec.linux!.resources!;
}

function withoutDevices(r: Resources): Resources {
  const { devices: _devices, ...rest } = r;
  return rest;
}

function errorOf(text: string, layout: Layout): ConfigError {
  try {
    resources(text, layout);
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err;
  }
  return assert.fail('expected a ConfigError');
}

const V1 = [
  'lxc.cgroup.memory.limit_in_bytes = 512M',
  'lxc.cgroup.memory.soft_limit_in_bytes = 256M',
  'lxc.cgroup.memory.memsw.limit_in_bytes = 1G',
  'lxc.cgroup.cpu.shares = 512',
  'lxc.cgroup.cpu.cfs_quota_us = 50000',
  'lxc.cgroup.cpu.cfs_period_us = 100000',
  'lxc.cgroup.cpuset.cpus = 0-1',
  'lxc.cgroup.cpuset.mems = 0',
  'lxc.cgroup.pids.max = 100',
  'lxc.cgroup.blkio.weight = 500',
].join('\n');

const V1_RESOURCES: Resources = {
  memory: { limit: 512 * 2 ** 20, reservation: 256 * 2 ** 20, swap: 2 ** 30 },
  cpu: { shares: 512, quota: 50000, period: 100000, cpus: '0-1', mems: '0' },
  pids: { limit: 100 },
  blockIO: { weight: 500 },
};

describe('cgroup keys -> linux.resources', () => {
  test('v1 keys on a v1 host, and the same OCI fields on v2 and hybrid (the runtime converts)', () => {
    for (const layout of ['v1', 'hybrid', 'v2'] as const) assert.deepEqual(withoutDevices(resources(V1, layout)), V1_RESOURCES, layout);
  });

  test('v2 keys give the same OCI values on every layout', () => {
    const v2 = [
      'lxc.cgroup2.memory.max = 512M',
      'lxc.cgroup2.memory.low = 256M',
      'lxc.cgroup2.memory.swap.max = 512M',
      `lxc.cgroup2.cpu.weight = ${sharesToWeight(512)}`,
      'lxc.cgroup2.cpu.max = 50000 100000',
      'lxc.cgroup2.cpuset.cpus = 0-1',
      'lxc.cgroup2.cpuset.mems = 0',
      'lxc.cgroup2.pids.max = 100',
      `lxc.cgroup2.io.weight = default ${blkioWeightToIoWeight(500)}`,
    ].join('\n');
    for (const layout of ['v1', 'hybrid', 'v2'] as const) {
      const r = withoutDevices(resources(v2, layout));
      // cpu.weight -> shares is the smallest shares with that weight, so compare through the runtime's mapping
      assert.equal(sharesToWeight(r.cpu!.shares!), sharesToWeight(512));
      assert.deepEqual({ ...r, cpu: { ...r.cpu, shares: 512 } }, V1_RESOURCES, layout);
    }
  });

  test('weight conversions are exact inverses of the runtime v2 driver', () => {
    for (let w = 1; w <= 10000; w++) assert.equal(sharesToWeight(weightToShares(w)), w, `cpu.weight ${w}`);
    // 991 blkio weights cannot cover 10000 io weights: exact on what the runtime can produce,
    // within one blkio step elsewhere
    for (let b = 10; b <= 1000; b++) assert.equal(ioWeightToBlkio(blkioWeightToIoWeight(b)), b, `blkio.weight ${b}`);
    for (let w = 1; w <= 10000; w++) assert.ok(Math.abs(blkioWeightToIoWeight(ioWeightToBlkio(w)) - w) <= 11, `io.weight ${w}`);
  });

  test('v2 swap: added to the memory limit, so the runtime gets swap back', () => {
    const r = resources('lxc.cgroup2.memory.max = 1G\nlxc.cgroup2.memory.swap.max = 256M', 'v2');
    assert.equal(swapToV2(r.memory!.swap, r.memory!.limit), 256 * 2 ** 20);
    assert.equal(resources('lxc.cgroup2.memory.swap.max = max', 'v2').memory!.swap, -1);
    // no memory limit: only cgroup2 itself can say it
    assert.deepEqual(resources('lxc.cgroup2.memory.swap.max = 1G', 'v2').unified, { 'memory.swap.max': String(2 ** 30) });
    assert.match(errorOf('lxc.cgroup2.memory.swap.max = 1G', 'v1').message, /needs a memory limit/);
  });

  test('units and unlimited', () => {
    assert.equal(resources('lxc.cgroup.memory.limit_in_bytes = 2g', 'v1').memory!.limit, 2 * 2 ** 30);
    assert.equal(resources('lxc.cgroup.memory.limit_in_bytes = 100k', 'v1').memory!.limit, 102400);
    assert.equal(resources('lxc.cgroup.memory.limit_in_bytes = -1', 'v1').memory!.limit, -1);
    assert.equal(resources('lxc.cgroup2.memory.max = max', 'v2').memory!.limit, -1);
    assert.equal(resources('lxc.cgroup2.pids.max = max', 'v2').pids!.limit, -1);
    assert.deepEqual(resources('lxc.cgroup2.cpu.max = max', 'v2').cpu, { quota: -1 });
  });

  test('the host kind wins over a converted setting of the other kind', () => {
    const text = 'lxc.cgroup2.memory.max = 2G\nlxc.cgroup.memory.limit_in_bytes = 1G';
    assert.equal(resources(text, 'v1').memory!.limit, 2 ** 30);
    assert.equal(resources(text, 'v2').memory!.limit, 2 * 2 ** 30);
  });

  test('more v1 keys: throttles, device weights, net_cls, hugetlb, oom', () => {
    const r = resources([
      'lxc.cgroup.blkio.throttle.read_bps_device = 8:0 1048576',
      'lxc.cgroup.blkio.weight_device = 8:16 300',
      'lxc.cgroup.net_cls.classid = 0x100001',
      'lxc.cgroup.hugetlb.2MB.limit_in_bytes = 4M',
      'lxc.cgroup.memory.oom_control = 1',
    ].join('\n'), 'v1');
    assert.deepEqual(r.blockIO, { throttleReadBpsDevice: [{ major: 8, minor: 0, rate: 1048576 }], weightDevice: [{ major: 8, minor: 16, weight: 300 }] });
    assert.deepEqual(r.network, { classID: 0x100001 });
    assert.deepEqual(r.hugepageLimits, [{ pageSize: '2MB', limit: 4 * 2 ** 20 }]);
    assert.equal(r.memory!.disableOOMKiller, true);
  });

  test('io.max -> throttles ("max" lifts a limit)', () => {
    const r = resources('lxc.cgroup2.io.max = 8:0 rbps=1048576 wiops=max', 'v2');
    assert.deepEqual(r.blockIO, { throttleReadBpsDevice: [{ major: 8, minor: 0, rate: 1048576 }], throttleWriteIOPSDevice: [{ major: 8, minor: 0, rate: 0 }] });
  });

  test('other v2 keys pass through linux.resources.unified on v2 (warning on hybrid, error on v1)', () => {
    assert.deepEqual(resources('lxc.cgroup2.memory.high = 1G', 'v2').unified, { 'memory.high': '1G' });
    const cfg = parseConfig('lxc.cgroup2.memory.high = 1G', { file: '/c/config' });
    const hybrid = toOciSpec(cfg, { name: 'c', rootfs: '/r', cgroupLayout: 'hybrid' });
    assert.deepEqual(hybrid.spec.linux!.resources!.unified, { 'memory.high': '1G' });
    assert.match(hybrid.warnings[0]!, /config:1: lxc\.cgroup2\.memory\.high: .*hybrid/);
    const err = errorOf('lxc.cgroup2.memory.high = 1G', 'v1');
    assert.equal(err.problems[0]!.pos?.line, 1);
    assert.match(err.message, /needs cgroup v2/);
  });

  test('v1 keys Corral cannot convert: an error naming the v2 equivalent on v2 hosts', () => {
    const err = errorOf('lxc.cgroup.uts.name = x\nlxc.cgroup.freezer.state = FROZEN', 'v2');
    assert.equal(err.problems.length, 2);
    assert.equal(err.problems[1]!.key, 'lxc.cgroup.freezer.state');
    assert.match(err.problems[1]!.hint!, /cgroup\.freeze/);
    assert.match(errorOf('lxc.cgroup.freezer.state = FROZEN', 'v1').message, /no OCI linux\.resources equivalent/);
  });
});

describe('device rules', () => {
  const rules = (text: string, layout: Layout) => resources(text, layout).devices;

  test('no device keys: LXC common.conf defaults', () => {
    assert.deepEqual(rules('', 'v2'), DEFAULT_DEVICE_RULES);
  });

  test('rules of the host kind are used; the other kind only when the host kind is absent', () => {
    const both = 'lxc.cgroup.devices.deny = a\nlxc.cgroup.devices.allow = c 1:3 rwm\nlxc.cgroup2.devices.deny = a\nlxc.cgroup2.devices.allow = c 1:5 rw';
    assert.deepEqual(rules(both, 'v1'), [{ allow: false, type: 'a', access: 'rwm' }, { allow: true, type: 'c', major: 1, minor: 3, access: 'rwm' }]);
    assert.deepEqual(rules(both, 'hybrid')![1], { allow: true, type: 'c', major: 1, minor: 3, access: 'rwm' });
    assert.deepEqual(rules(both, 'v2')![1], { allow: true, type: 'c', major: 1, minor: 5, access: 'rw' });
    assert.deepEqual(rules('lxc.cgroup.devices.allow = b 8:* r', 'v2'), [{ allow: true, type: 'b', major: 8, access: 'r' }]);
  });

  test('cleared lists (userns.conf) mean no device rules, not the defaults', () => {
    assert.equal(rules('lxc.cgroup.devices.deny =\nlxc.cgroup.devices.allow =\nlxc.cgroup2.devices.deny =\nlxc.cgroup2.devices.allow =', 'v2'), undefined);
  });

  test('a rule the kernel would silently ignore is an error', () => {
    assert.match(errorOf('lxc.cgroup2.devices.allow = a\nlxc.cgroup2.devices.deny = c *:* m\nlxc.cgroup2.devices.allow = c 1:3 m', 'v2').message, /punch a hole/);
  });

  test('malformed rules are refused when the config is read', () => {
    assert.throws(() => parseConfig('lxc.cgroup.devices.allow = c 1-3 rwm'), /not a device rule/);
    assert.throws(() => parseConfig('lxc.cgroup2.devices.allow = x 1:3 rwm'), /not a device rule/);
    assert.throws(() => parseConfig('lxc.cgroup.devices.allow = c 1:3 rwx'), /not a device rule/);
  });
});
