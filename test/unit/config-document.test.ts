// The editable document: byte-exact round trips, edits that keep comments and order, and
// values written so that the parser reads them back unchanged.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { ConfigDocument, ConfigError, parseConfig } from '../../src/core/config/index.js';

const SAMPLE = `# Distribution configuration
lxc.include = /usr/share/lxc/config/common.conf

# Container specific configuration
lxc.rootfs.path = dir:/var/lib/corral/c1/rootfs
lxc.uts.name = c1

# Network configuration
lxc.net.0.type = veth
lxc.net.0.link = lxcbr0
lxc.net.0.flags = up
lxc.cap.drop = sys_time
lxc.cap.drop = sys_module
   lxc.tty.max=4   \t
`;

describe('ConfigDocument', () => {
  test('parse + toString gives the same bytes', () => {
    assert.equal(ConfigDocument.parse(SAMPLE).toString(), SAMPLE);
    assert.equal(ConfigDocument.parse('lxc.tty.max = 1').toString(), 'lxc.tty.max = 1');
    assert.equal(ConfigDocument.parse('').toString(), '');
    assert.equal(ConfigDocument.parse('\n').toString(), '\n');
    assert.equal(ConfigDocument.parse('\n\n# x\r\n').toString(), '\n\n# x\r\n');
    for (const f of ['/usr/share/lxc/config/common.conf', '/usr/share/lxc/config/debian.common.conf', '/etc/lxc/default.conf']) {
      let text: string;
      try {
        text = readFileSync(f, 'utf8');
      } catch {
        continue; // lxc not installed
      }
      assert.equal(ConfigDocument.parse(text).toString(), text, f);
    }
  });

  test('setting a single key replaces it in place and drops duplicates', () => {
    const doc = ConfigDocument.parse('lxc.uts.name = a\n# keep me\nlxc.tty.max = 1\nlxc.uts.name = b\n');
    doc.set('lxc.uts.name', 'web');
    assert.equal(doc.toString(), '# keep me\nlxc.tty.max = 1\nlxc.uts.name = web\n');
  });

  test('a new key goes after its closest relative, else at the end', () => {
    const doc = ConfigDocument.parse(SAMPLE);
    doc.set('lxc.net.0.hwaddr', '00:16:3e:xx:xx:xx');
    doc.set('lxc.cap.drop', 'mknod');
    doc.set('lxc.start.auto', '1');
    const lines = doc.toString().split('\n');
    assert.equal(lines[lines.indexOf('lxc.net.0.flags = up') + 1], 'lxc.net.0.hwaddr = 00:16:3e:xx:xx:xx');
    assert.equal(lines[lines.indexOf('lxc.cap.drop = sys_module') + 1], 'lxc.cap.drop = mknod');
    assert.equal(lines.at(-2), 'lxc.start.auto = 1');
    assert.ok(doc.toString().startsWith('# Distribution configuration\n'));
  });

  test('clearing removes the key and its sub-keys and writes "key =" (clears included values too)', () => {
    const doc = ConfigDocument.parse(SAMPLE);
    doc.set('lxc.net.0', '');
    doc.set('lxc.cap.drop', '');
    const text = doc.toString();
    assert.ok(!text.includes('lxc.net.0.type'));
    assert.match(text, /^lxc\.net\.0 =$/m);
    assert.match(text, /^lxc\.cap\.drop =$/m);
    assert.ok(!text.includes('sys_module'));
  });

  test('unset removes lines without a marker', () => {
    const doc = ConfigDocument.parse(SAMPLE);
    assert.equal(doc.unset('lxc.net'), 3);
    assert.equal(doc.get('lxc.net.0.type').length, 0);
    assert.ok(!doc.toString().includes('lxc.net'));
  });

  test('get and entries read the file as written', () => {
    const doc = ConfigDocument.parse(SAMPLE);
    assert.deepEqual(doc.get('lxc.cap.drop'), ['sys_time', 'sys_module']);
    assert.deepEqual(doc.get('lxc.tty.max'), ['4']);
    assert.equal(doc.entries().length, 9);
  });

  test('values that need quotes survive a round trip through the parser', () => {
    for (const value of [' leading', 'trailing ', '"quoted"', "'single'", 'a # b', 'x=y']) {
      const doc = ConfigDocument.fromEntries([['lxc.environment', value.includes('=') ? value : `V=${value}`]]);
      const cfg = parseConfig(doc.toString());
      assert.equal(cfg.environment[0]!.value, value.includes('=') ? 'y' : value, value);
    }
    const uts = ConfigDocument.fromEntries([['lxc.init.cmd', '"/bin/sh"']]);
    assert.equal(uts.toString(), 'lxc.init.cmd = ""/bin/sh""\n');
  });

  test('fromEntries writes a new config in the given order', () => {
    const doc = ConfigDocument.fromEntries([['lxc.rootfs.path', 'dir:/r'], ['lxc.uts.name', 'n'], ['lxc.idmap', 'u 0 100000 65536'], ['lxc.idmap', 'g 0 100000 65536']]);
    assert.equal(doc.toString(), 'lxc.rootfs.path = dir:/r\nlxc.uts.name = n\nlxc.idmap = u 0 100000 65536\nlxc.idmap = g 0 100000 65536\n');
    assert.equal(parseConfig(doc.toString()).idmaps.length, 2);
  });

  test('bad keys and values are refused before anything changes', () => {
    const doc = ConfigDocument.parse(SAMPLE);
    assert.throws(() => doc.set('lxc.utsname', 'x'), (e: unknown) => e instanceof ConfigError && /renamed lxc\.uts\.name/.test(e.message));
    assert.throws(() => doc.set('lxc.tty.max', 'many'), ConfigError);
    assert.throws(() => doc.set('lxc.uts.name', 'a\nlxc.cap.keep = none'), /newline/);
    assert.throws(() => doc.set('lxc.cgroup', 'x'), /only takes an empty value/);
    assert.equal(doc.toString(), SAMPLE);
  });
});
