import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { fakeHost } from '../../src/core/checkconfig/fake-host.js';
import { loadKernelConfig, parseKernelConfig } from '../../src/core/checkconfig/kernel-config.js';

const TEXT = `#
# Automatically generated file; DO NOT EDIT.
# Linux/x86 6.1.0 Kernel Configuration
#
CONFIG_NAMESPACES=y
CONFIG_VETH=m
# CONFIG_VLAN_8021Q is not set
CONFIG_NR_CPUS=64
CONFIG_DEFAULT_HOSTNAME="(none)"
CONFIG_EMPTY=""
`;

test('parse: =y, =m, is not set, absent, non-tristate values', () => {
  const c = parseKernelConfig(TEXT, '/boot/config');
  assert.equal(c.state('CONFIG_NAMESPACES'), 'y');
  assert.equal(c.state('NAMESPACES'), 'y', 'the CONFIG_ prefix is optional');
  assert.equal(c.state('CONFIG_VETH'), 'm');
  assert.equal(c.state('CONFIG_VLAN_8021Q'), 'n');
  assert.equal(c.state('CONFIG_BRIDGE'), 'absent');
  assert.equal(c.state('CONFIG_NR_CPUS'), 'y', 'a number means the option exists');
  assert.equal(c.state('CONFIG_EMPTY'), 'n');
  assert.equal(c.version, '6.1.0');
  assert.equal(c.source, '/boot/config');
});

test('describe says what the config says, in its own words', () => {
  const c = parseKernelConfig(TEXT, 'x');
  assert.equal(c.describe('CONFIG_VETH'), 'CONFIG_VETH=m');
  assert.equal(c.describe('CONFIG_VLAN_8021Q'), 'CONFIG_VLAN_8021Q is not set');
  assert.equal(c.describe('BRIDGE'), 'CONFIG_BRIDGE not in config');
  assert.equal(c.describe('CONFIG_DEFAULT_HOSTNAME'), 'CONFIG_DEFAULT_HOSTNAME=(none)');
});

test('load: /proc/config.gz is gunzipped', async () => {
  const host = fakeHost({ files: { '/proc/config.gz': gzipSync(TEXT) } });
  const r = await loadKernelConfig(host);
  assert.equal(r.config?.source, '/proc/config.gz');
  assert.equal(r.config?.state('CONFIG_VETH'), 'm');
  assert.equal(r.explicit, false);
});

test('load: falls back to /boot/config-$(uname -r), uncompressed', async () => {
  const host = fakeHost({ release: '6.1.0-9-amd64', files: { '/boot/config-6.1.0-9-amd64': TEXT } });
  const r = await loadKernelConfig(host);
  assert.equal(r.config?.source, '/boot/config-6.1.0-9-amd64');
  assert.deepEqual(r.tried, ['/proc/config.gz', '/boot/config-6.1.0-9-amd64']);
});

test('load: $CONFIG wins, and is never silently replaced by the running kernel\'s', async () => {
  const both = fakeHost({ env: { CONFIG: '/tmp/new.config' }, files: { '/tmp/new.config': gzipSync(TEXT), '/proc/config.gz': gzipSync('CONFIG_VETH=y\n') } });
  const r = await loadKernelConfig(both);
  assert.equal(r.config?.source, '/tmp/new.config');
  assert.equal(r.explicit, true);
  const missing = await loadKernelConfig(fakeHost({ env: { CONFIG: '/nope' }, files: { '/proc/config.gz': gzipSync(TEXT) } }));
  assert.equal(missing.config, undefined);
  assert.match(missing.error ?? '', /CONFIG=\/nope/);
});

test('load: nothing anywhere', async () => {
  const r = await loadKernelConfig(fakeHost({ release: '6.18.0' }));
  assert.equal(r.config, undefined);
  assert.deepEqual(r.tried, ['/proc/config.gz', '/boot/config-6.18.0', '/lib/modules/6.18.0/build/.config']);
  assert.equal(r.error, undefined);
});

test('load: a corrupt gzip behind $CONFIG is an error, not a crash', async () => {
  const bad = Buffer.from([0x1f, 0x8b, 1, 2, 3]);
  const r = await loadKernelConfig(fakeHost({ env: { CONFIG: '/c' }, files: { '/c': bad } }));
  assert.equal(r.config, undefined);
  assert.match(r.error ?? '', /^\/c: /);
});
