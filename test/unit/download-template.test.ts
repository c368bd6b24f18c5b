// The download template's pure parts: options (LXC's spellings), the --list table, the
// progress line, the resume decisions, metadata.yaml and the pongo2 subset, the init kind.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { resumeAction, resumeFrom } from '../../src/core/image/http-fetch.js';
import type { ImageBuild } from '../../src/core/image/simplestreams.js';
import { downloadConfig, initKind } from '../../src/core/templates/download.js';
import { applyTemplates, parseMetadata, renderTemplate } from '../../src/core/templates/download-meta.js';
import { DEFAULT_SERVER, hostArch, imageTable, listFilter, parseDownloadArgs, progressLine } from '../../src/core/templates/download-options.js';
import { parseYaml } from '../../src/core/templates/download-yaml.js';
import { CorralError } from '../../src/util/errors.js';

describe('download template options', () => {
  test("LXC's short and long flags, defaults", () => {
    const o = parseDownloadArgs(['-d', 'debian', '-r', 'bookworm'], 'amd64');
    assert.deepEqual(o, { dist: 'debian', release: 'bookworm', arch: 'amd64', variant: 'default', server: DEFAULT_SERVER, list: false, flushCache: false, forceCache: false, given: ['dist', 'release'] });
    const l = parseDownloadArgs(['--dist=alpine', '--release', '3.19', '--arch', 'arm64', '--variant', 'cloud', '--server', 'http://127.0.0.1:8/x/', '--flush-cache', '--no-validate'], 'amd64');
    assert.equal(l.server, 'http://127.0.0.1:8/x');
    assert.deepEqual([l.dist, l.release, l.arch, l.variant, l.flushCache], ['alpine', '3.19', 'arm64', 'cloud', true]);
    assert.equal(parseDownloadArgs(['--list'], 'amd64').list, true, '--list needs no dist/release');
  });

  test('bad input is refused before anything is fetched', () => {
    for (const args of [[], ['-d', 'debian'], ['-d', '../x', '-r', '1'], ['-d', 'a', '-r', '1', '--server', 'ftp://x'], ['-d', 'a', '-r', '1', '--bogus'], ['-d'], ['-d', 'a', '-r', '1', '--flush-cache', '--force-cache']]) {
      assert.throws(() => parseDownloadArgs(args, 'amd64'), (e: unknown) => e instanceof CorralError && e.code === 'INVALID_ARGUMENT', args.join(' '));
    }
  });

  test('host architecture in the servers\' names', () => {
    assert.equal(hostArch('x64'), 'amd64');
    assert.equal(hostArch('arm64'), 'arm64');
    assert.equal(hostArch('arm'), 'armhf');
  });

  test('--list filters on what was given and prints an aligned table', () => {
    const b = (dist: string, release: string, arch: string) => ({ dist, release, arch, variant: 'default', build: '20240101_00:00' }) as ImageBuild;
    const all = [b('alpine', '3.19', 'amd64'), b('debian', 'bookworm', 'amd64'), b('debian', 'bookworm', 'arm64')];
    assert.equal(listFilter(all, parseDownloadArgs(['--list', '-d', 'debian'], 'amd64')).length, 2, 'the default arch is no filter');
    assert.equal(listFilter(all, parseDownloadArgs(['--list', '-d', 'debian', '-a', 'arm64'], 'amd64')).length, 1);
    assert.equal(imageTable(all.slice(0, 2)), 'DIST    RELEASE   ARCH   VARIANT  BUILD\nalpine  3.19      amd64  default  20240101_00:00\ndebian  bookworm  amd64  default  20240101_00:00\n');
  });

  test('progress line', () => {
    assert.equal(progressLine('rootfs.tar.xz', 5 * 1048576, 20 * 1048576, 2000), 'rootfs.tar.xz [#####---------------]  25%  5.0/20.0 MiB  2.5 MiB/s');
    assert.match(progressLine('x', 10, 10, 0), /\[#{20}\] 100%/);
  });
});

describe('resume decisions', () => {
  test('where to resume a part file', () => {
    assert.equal(resumeFrom(0, 100), 0);
    assert.equal(resumeFrom(40, 100), 40);
    assert.equal(resumeFrom(100, 100), 0, 'a full part is checked, not continued');
    assert.equal(resumeFrom(140, 100), 0, 'a part larger than the file starts over');
  });

  test('what to do with the answer', () => {
    assert.equal(resumeAction(40, 206, 'bytes 40-99/100'), 'append');
    assert.equal(resumeAction(40, 206, 'bytes 40-99/*'), 'append');
    assert.equal(resumeAction(40, 200, undefined), 'restart', 'the server ignored Range');
    assert.equal(resumeAction(40, 206, 'bytes 0-99/100'), 'error', 'a different range would corrupt the part');
    assert.equal(resumeAction(40, 206, undefined), 'error');
    assert.equal(resumeAction(0, 206, 'bytes 0-99/100'), 'error', 'no range was asked for');
    assert.equal(resumeAction(40, 416, 'bytes */100'), 'error');
  });
});

describe('image metadata', () => {
  const YAML = `architecture: x86_64
creation_date: 1704067200
properties:
  description: "Debian bookworm amd64 (20240101_05:24)"
  os: Debian
  release: 'bookworm'
  serial: "20240101_05:24"
  note: it's plain # a comment
templates:
  /etc/hostname:
    when:
    - create
    - copy
    create_only: false
    template: hostname.tpl
    properties: {}
  /etc/hosts:
    when:
      - create
    template: hosts.tpl
    properties:
      suffix: lan
  /var/lib/cloud/seed/nocloud-net/meta-data:
    when: [create]
    template: cloud-init-meta.tpl
text: |
  line one
    indented
  line three
`;

  test('metadata.yaml: mappings, both sequence indents, quoting, comments, block text', () => {
    const doc = parseYaml(YAML) as Record<string, unknown>;
    assert.equal((doc.properties as Record<string, string>).note, "it's plain");
    assert.equal(doc.text, 'line one\n  indented\nline three\n');
    const m = parseMetadata(YAML);
    assert.equal(m.architecture, 'x86_64');
    assert.equal(m.creationDate, 1704067200);
    assert.deepEqual(m.properties, { description: 'Debian bookworm amd64 (20240101_05:24)', os: 'Debian', release: 'bookworm', serial: '20240101_05:24', note: "it's plain" });
    assert.deepEqual(m.templates.map((t) => [t.path, t.template, t.when.join(','), JSON.stringify(t.properties)]), [
      ['/etc/hostname', 'hostname.tpl', 'create,copy', '{}'],
      ['/etc/hosts', 'hosts.tpl', 'create', '{"suffix":"lan"}'],
      ['/var/lib/cloud/seed/nocloud-net/meta-data', 'cloud-init-meta.tpl', 'create', '{}'],
    ]);
  });

  test('YAML it cannot read faithfully is refused, not guessed', () => {
    assert.throws(() => parseYaml('when: [create, {a: 1}]\n'), /unsupported YAML: \[create, \{a: 1\}\]/);
    assert.throws(() => parseYaml('p: {a: 1}\n'), /unsupported/);
    assert.throws(() => parseYaml('a: &x 1\n'), /unsupported/);
    assert.throws(() => parseYaml('a:\n\tb: 1\n'), /tabs/);
    assert.throws(() => parseYaml('a: 1\n  b: 2\n'), /line 2/);
  });

  test('the pongo2 subset: names, properties, config_get defaults; anything else is not rendered', () => {
    const c = { name: 'c1', arch: 'amd64', properties: { suffix: 'lan' } };
    assert.equal(renderTemplate('{{ container.name }}\n', c), 'c1\n');
    assert.equal(renderTemplate('{{instance.name}}.{{ properties.suffix }} {{ config_get("user.x", "dflt") }} {{ container.type }}', c), 'c1.lan dflt container');
    assert.equal(renderTemplate('{% if x %}y{% endif %}', c), undefined);
    assert.equal(renderTemplate('{{ container.name|upper }}', c), undefined);
  });

  test('templates are written inside the rootfs only, at create time only', () => {
    const dir = mkdtempSync(join(tmpdir(), 'corral-dlmeta-'));
    try {
      const meta = join(dir, 'meta');
      const rootfs = join(dir, 'rootfs');
      const outside = join(dir, 'outside');
      mkdirSync(join(meta, 'templates'), { recursive: true });
      mkdirSync(join(rootfs, 'etc'), { recursive: true });
      mkdirSync(outside);
      writeFileSync(join(meta, 'templates/n.tpl'), '{{ container.name }}\n');
      writeFileSync(join(dir, 'secret'), 'host secret');
      symlinkSync('../../secret', join(meta, 'templates/leak.tpl'));
      // a symlink in the image pointing out of it is followed inside the rootfs, as a chroot would
      symlinkSync(outside, join(rootfs, 'etc/evil'));
      const m = parseMetadata(`templates:
  /etc/hostname:
    when:
    - create
    template: n.tpl
  /etc/evil/x:
    when:
    - create
    template: n.tpl
  /etc/leak:
    when:
    - create
    template: leak.tpl
  /etc/traverse:
    when:
    - create
    template: ../../secret
  /etc/onstart:
    when:
    - start
    template: n.tpl
`);
      mkdirSync(join(rootfs, outside), { recursive: true });
      const r = applyTemplates(meta, rootfs, m, { name: 'c1', arch: 'amd64' });
      assert.equal(readFileSync(join(rootfs, 'etc/hostname'), 'utf8'), 'c1\n');
      assert.ok(!existsSync(join(outside, 'x')), 'nothing written outside the rootfs');
      assert.equal(readFileSync(join(rootfs, outside, 'x'), 'utf8'), 'c1\n');
      assert.deepEqual(r.applied, ['/etc/hostname', '/etc/evil/x']);
      assert.deepEqual(r.skipped.map((s) => s.path), ['/etc/leak', '/etc/traverse', '/etc/onstart']);
      assert.ok(!existsSync(join(rootfs, 'etc/leak')));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('init kind from /sbin/init inside the rootfs, and its halt signal', () => {
    const dir = mkdtempSync(join(tmpdir(), 'corral-dlinit-'));
    try {
      mkdirSync(join(dir, 'sbin'));
      symlinkSync('/lib/systemd/systemd', join(dir, 'sbin/init'));
      assert.equal(initKind(dir), 'systemd');
      rmSync(join(dir, 'sbin/init'));
      symlinkSync('/bin/busybox', join(dir, 'sbin/init'));
      assert.equal(initKind(dir), 'busybox');
      rmSync(join(dir, 'sbin/init'));
      writeFileSync(join(dir, 'sbin/init'), '');
      assert.equal(initKind(dir), 'other');
      assert.ok(downloadConfig('x', 'systemd').includes('lxc.signal.halt = SIGRTMIN+3'));
      assert.ok(downloadConfig('x', 'busybox').includes('lxc.signal.halt = SIGUSR1'));
      assert.ok(downloadConfig('x', 'other').includes('lxc.signal.halt = SIGPWR'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
