// OCI images: layers applied in order (whiteouts, opaque dirs, gzip/zstd), hostile archives
// that must never write outside the rootfs (`../`, absolute names, symlink-then-file in one
// layer and across layers), in-root path resolution, and the oci template end to end from a
// layout and an oci-archive built here (real GNU tar; no root needed).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, linkSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { applyLayer, resolveInRoot } from '../../src/core/image/layers.js';
import { pickDescriptor } from '../../src/core/image/oci-layout.js';
import { ociConfig, ociTemplate, parseOciUrl, quoteArg, resolveUser } from '../../src/core/templates/oci.js';
import { commandLine } from '../../src/core/config/values.js';
import { buildLayout as buildLayoutIn } from '../support/oci-layout.js';

const base = mkdtempSync(join(tmpdir(), 'corral-oci-'));
after(() => rmSync(base, { recursive: true, force: true }));
let n = 0;
const fresh = (what: string) => {
  const d = join(base, `${what}-${n++}`);
  mkdirSync(d, { recursive: true });
  return d;
};

/** A tree of files (string content), dirs (trailing /) and symlinks ({ link }). */
type Tree = Record<string, string | { link: string }>;
function makeTree(tree: Tree): string {
  const d = fresh('tree');
  for (const [path, v] of Object.entries(tree)) {
    const p = join(d, path);
    if (path.endsWith('/')) {
      mkdirSync(p, { recursive: true });
      continue;
    }
    mkdirSync(join(p, '..'), { recursive: true });
    if (typeof v === 'string') writeFileSync(p, v);
    else symlinkSync(v.link, p);
  }
  return d;
}

/** tar of `parts` in order: each part a tree and the member names to add from it. */
function tarOf(parts: { dir: string; names: string[] }[], opts: string[] = []): string {
  const file = join(fresh('tar'), 'layer.tar');
  const args = ['-cf', file, '--numeric-owner', ...opts];
  for (const p of parts) args.push('-C', p.dir, ...p.names);
  execFileSync('tar', args, { stdio: 'ignore' });
  return file;
}

/** Every path under dir (relative), symlinks not followed. */
function listing(dir: string, prefix = ''): string[] {
  const out: string[] = [];
  for (const e of readdirSync(join(dir, prefix), { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    out.push(e.isSymbolicLink() ? `${rel} -> ${readlinkSync(join(dir, rel))}` : e.isDirectory() ? `${rel}/` : rel);
    if (e.isDirectory() && !e.isSymbolicLink()) out.push(...listing(dir, rel));
  }
  return out;
}

async function layersOnto(rootfs: string, ...layers: string[]): Promise<void> {
  for (const l of layers) await applyLayer(l, 'auto', rootfs, join(rootfs, '..', 'work'));
}

describe('resolveInRoot', () => {
  test('symlinks are followed inside the root, never above it', () => {
    const r = makeTree({ 'usr/bin/': '', bin: { link: 'usr/bin' }, abs: { link: '/usr' }, up: { link: '../../../..' }, loop: { link: 'loop' } });
    assert.equal(resolveInRoot(r, 'bin/sh'), join(r, 'usr/bin/sh'));
    assert.equal(resolveInRoot(r, 'abs/bin'), join(r, 'usr/bin'));
    assert.equal(resolveInRoot(r, 'up/etc/passwd'), join(r, 'etc/passwd'));
    assert.equal(resolveInRoot(r, '../../etc'), join(r, 'etc'));
    assert.throws(() => resolveInRoot(r, 'loop/x'), /too many levels/);
  });
});

describe('layers', () => {
  test('in order, with whiteouts and opaque directories', async () => {
    const rootfs = fresh('rootfs');
    const l1 = makeTree({ 'a/x': '1', 'a/y': '1', 'b/z': '1', 'c/keep': '1', 'usr/bin/': '', bin: { link: 'usr/bin' } });
    const l2 = makeTree({ 'a/.wh.x': '', 'b/.wh..wh..opq': '', 'b/new': '2', 'c/keep': '2', 'bin/tool': '2' });
    await layersOnto(rootfs, tarOf([{ dir: l1, names: ['.'] }]), tarOf([{ dir: l2, names: ['.'] }]));
    assert.deepEqual(listing(rootfs), ['a/', 'a/y', 'b/', 'b/new', 'bin -> usr/bin', 'c/', 'c/keep', 'usr/', 'usr/bin/', 'usr/bin/tool']);
    assert.equal(readFileSync(join(rootfs, 'c/keep'), 'utf8'), '2');
  });

  test('gzip and zstd layers', async () => {
    const rootfs = fresh('rootfs');
    const t = makeTree({ 'etc/one': '1', 'etc/two': '2' });
    const gz = tarOf([{ dir: t, names: ['etc/one'] }], ['-z']);
    const zst = tarOf([{ dir: t, names: ['etc/two'] }], ['--zstd']);
    await applyLayer(gz, 'gzip', rootfs, join(base, 'work-gz'));
    await applyLayer(zst, 'zstd', rootfs, join(base, 'work-zst'));
    assert.deepEqual(listing(rootfs), ['etc/', 'etc/one', 'etc/two']);
  });

  /** A layer holding `links` (name -> target, hard links made from `tree`) but not the targets themselves. */
  function linkLayer(tree: Tree, links: Record<string, string>, keep: string[] = []): string {
    const d = makeTree(tree);
    for (const [name, target] of Object.entries(links)) {
      mkdirSync(join(d, name, '..'), { recursive: true });
      linkSync(join(d, target), join(d, name));
    }
    const targets = [...new Set(Object.values(links))].filter((t) => !keep.includes(t));
    const file = tarOf([{ dir: d, names: [...targets, ...keep, ...Object.keys(links), ...Object.keys(tree).filter((k) => !targets.includes(k) && !keep.includes(k))] }]);
    // GNU tar stores the later names as links to the first; deleting the first leaves links to a file the layer lacks
    if (targets.length > 0) execFileSync('tar', ['--delete', '-P', '-f', file, ...targets]);
    return file;
  }
  const inode = (p: string) => lstatSync(p).ino;

  test('hard links: to a file of a lower layer, within one layer, to a file later replaced or whited out', async () => {
    const rootfs = fresh('rootfs');
    const l1 = makeTree({ 'usr/lib/libx': '1', 'tmp/f': 't', 'etc/old': 'o', 'etc/gone': 'g', 'odd/a "b"\\c\tü': 'odd' });
    chmodSync(join(l1, 'tmp'), 0o1777);
    await layersOnto(rootfs, tarOf([{ dir: l1, names: ['.'] }]));
    // a link whose target's directories are not in the layer leaves their modes alone
    await layersOnto(rootfs, linkLayer({ 'usr/lib/libx': '', 'tmp/f': '', 'etc/gone': '', 'odd/a "b"\\c\tü': '' }, { 'usr/bin/tool': 'usr/lib/libx', 'opt/t': 'tmp/f', 'etc/keep': 'etc/gone', 'odd/l\n "x" link to y': 'odd/a "b"\\c\tü' }));
    // names tar quotes in its listing (quotes, backslashes, tabs, newlines, UTF-8)
    assert.equal(inode(join(rootfs, 'odd/l\n "x" link to y')), inode(join(rootfs, 'odd/a "b"\\c\tü')));
    assert.equal(inode(join(rootfs, 'usr/bin/tool')), inode(join(rootfs, 'usr/lib/libx')));
    assert.equal(inode(join(rootfs, 'opt/t')), inode(join(rootfs, 'tmp/f')));
    assert.equal(lstatSync(join(rootfs, 'tmp')).mode & 0o7777, 0o1777);
    // within one layer (tar's own case), and a layer that links to a file and whites it out
    const same = linkLayer({ 'srv/a': 'A', 'etc/.wh.old': '', 'etc/old': '' }, { 'srv/b': 'srv/a', 'srv/old': 'etc/old' }, ['srv/a']);
    await layersOnto(rootfs, same);
    assert.equal(inode(join(rootfs, 'srv/a')), inode(join(rootfs, 'srv/b')));
    assert.equal(readFileSync(join(rootfs, 'srv/old'), 'utf8'), 'o');
    assert.ok(!existsSync(join(rootfs, 'etc/old')));
    // later layers replace and white out the targets: the links keep the old content
    await layersOnto(rootfs, tarOf([{ dir: makeTree({ 'usr/lib/libx': '2', 'etc/.wh.gone': '' }), names: ['.'] }]));
    assert.equal(readFileSync(join(rootfs, 'usr/lib/libx'), 'utf8'), '2');
    assert.equal(readFileSync(join(rootfs, 'usr/bin/tool'), 'utf8'), '1');
    assert.equal(readFileSync(join(rootfs, 'etc/keep'), 'utf8'), 'g');
    assert.ok(!existsSync(join(rootfs, 'etc/gone')));
  });

  test('hard links never reach outside the rootfs', async () => {
    const outside = fresh('outside');
    const victim = join(outside, 'victim');
    writeFileSync(victim, 'untouched');
    const parent = fresh('hardlink-escape');
    const rootfs = join(parent, 'rootfs');
    mkdirSync(rootfs);
    await layersOnto(rootfs, tarOf([{ dir: makeTree({ esc: { link: outside }, up: { link: '../../../../../..' } }), names: ['esc', 'up'] }]));
    for (const target of ['esc/victim', `up${outside}/victim`]) {
      await assert.rejects(layersOnto(rootfs, linkLayer({ [target]: 'x' }, { stolen: target })), /no lower layer has/);
    }
    // a `../` target: GNU tar refuses the member itself
    const d = makeTree({ a: 'x' });
    linkSync(join(d, 'a'), join(d, 'b'));
    const dotdot = join(fresh('tar'), 'dotdot.tar');
    execFileSync('tar', ['-cPf', dotdot, '-C', d, '--transform', `s,^a$,../../..${outside}/victim,`, 'a', 'b']);
    execFileSync('tar', ['--delete', '-P', '-f', dotdot, `../../..${outside}/victim`]);
    await layersOnto(rootfs, dotdot).catch(() => undefined);
    assert.equal(lstatSync(victim).nlink, 1, 'nothing links to the host file');
    assert.equal(readFileSync(victim, 'utf8'), 'untouched');
    assert.ok(!existsSync(join(rootfs, 'stolen')));
    assert.deepEqual(readdirSync(parent).sort(), ['rootfs']);
  });

  test('hostile archives never write outside the rootfs', async () => {
    const outside = fresh('outside');
    const parent = fresh('hostile');
    const rootfs = join(parent, 'rootfs');
    mkdirSync(rootfs);
    const victim = join(outside, 'victim');
    writeFileSync(victim, 'untouched');
    // ../ and absolute member names (tar -P keeps them as given)
    const up = makeTree({ [`x${outside}/victim`]: 'pwned' });
    const dotdot = tarOf([{ dir: join(up, 'x'), names: [`../x${outside}/victim`, `..${'/..'.repeat(10)}${outside}/victim`] }], ['-P']);
    const abs = tarOf([{ dir: up, names: [`x${outside}/victim`] }], ['-P', '--transform', `s,^x,,`]);
    // symlink-then-file in one archive: evil -> outside, then evil/victim
    const link = makeTree({ evil: { link: outside } });
    const file = makeTree({ 'evil/victim': 'pwned', 'rel/': '' });
    const relLink = makeTree({ rel: { link: '../../../../../../..' + outside } });
    const oneLayer = tarOf([{ dir: link, names: ['evil'] }, { dir: file, names: ['evil/victim'] }]);
    const relOne = tarOf([{ dir: relLink, names: ['rel'] }, { dir: makeTree({ 'rel/victim': 'pwned' }), names: ['rel/victim'] }]);
    for (const hostile of [dotdot, abs, oneLayer, relOne]) {
      await applyLayer(hostile, 'none', rootfs, join(parent, 'work')).catch(() => undefined);
    }
    // and across layers: a symlink in one layer, a file through it in the next
    const crossA = tarOf([{ dir: makeTree({ lnk: { link: outside }, up: { link: '../../../../..' } }), names: ['lnk', 'up'] }]);
    const crossB = tarOf([{ dir: makeTree({ 'lnk/victim': 'pwned', [`up${outside}/victim`]: 'pwned' }), names: ['lnk/victim', `up${outside}/victim`] }]);
    await applyLayer(crossA, 'none', rootfs, join(parent, 'work'));
    await applyLayer(crossB, 'none', rootfs, join(parent, 'work'));
    assert.equal(readFileSync(victim, 'utf8'), 'untouched');
    assert.deepEqual(readdirSync(outside), ['victim']);
    assert.deepEqual(readdirSync(parent).sort(), ['rootfs'], 'nothing beside the rootfs either');
    // what went through the symlinks landed inside, where a chroot would have put it
    assert.equal(readFileSync(join(rootfs, outside, 'victim'), 'utf8'), 'pwned');
    assert.ok(lstatSync(join(rootfs, 'lnk')).isSymbolicLink());
  });
});

describe('oci image config', () => {
  test('urls, quoting, users, config lines', () => {
    assert.deepEqual(parseOciUrl('oci:/x/layout:v1'), { kind: 'layout', path: '/x/layout', tag: 'v1' });
    assert.deepEqual(parseOciUrl('oci-archive:/x/img.tar'), { kind: 'archive', path: '/x/img.tar', tag: undefined });
    assert.throws(() => parseOciUrl('docker://x'), /not an image reference/);
    assert.throws(() => parseOciUrl('http://x/y'), /oci:DIR/);
    for (const args of [['/bin/sh', '-c', "echo 'it''s' \"q\" $HOME"], ['a b', ''], ["'"]]) {
      assert.deepEqual(commandLine(args.map(quoteArg).join(' ')), args);
    }
    const r = makeTree({ 'etc/passwd': 'root:x:0:0::/root:/bin/sh\napp:x:1000:1001::/app:/bin/sh\n', 'etc/group': 'root:x:0:\nstaff:x:50:\n' });
    assert.deepEqual(resolveUser(undefined, r), { uid: 0, gid: 0 });
    assert.deepEqual(resolveUser('app', r), { uid: 1000, gid: 1001 });
    assert.deepEqual(resolveUser('app:staff', r), { uid: 1000, gid: 50 });
    assert.deepEqual(resolveUser('123:45', r), { uid: 123, gid: 45 });
    assert.throws(() => resolveUser('nobody', r), /not in its \/etc\/passwd/);
    const lines = ociConfig('c1', { Entrypoint: ['/bin/app'], Cmd: ['--flag', 'a b'], Env: ['PATH=/bin', 'X=1'], WorkingDir: '/app' }, { uid: 1000, gid: 1001 });
    assert.ok(lines.includes("lxc.init.cmd = /bin/app --flag 'a b'"));
    assert.ok(lines.includes("lxc.execute.cmd = /bin/app --flag 'a b'"));
    assert.ok(lines.includes('lxc.init.cwd = /app'));
    assert.ok(lines.includes('lxc.init.uid = 1000'));
    assert.ok(lines.includes('lxc.environment = X=1'));
    assert.throws(() => ociConfig('c1', {}, { uid: 0, gid: 0 }), /neither Entrypoint nor Cmd/);
  });

  test('several images need a tag; an index is resolved by platform', () => {
    const d = (digest: string, tag?: string, arch?: string) => ({
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      digest,
      size: 1,
      ...(tag ? { annotations: { 'org.opencontainers.image.ref.name': tag } } : {}),
      ...(arch ? { platform: { os: 'linux', architecture: arch } } : {}),
    });
    assert.equal(pickDescriptor([d('a', 'v1'), d('b', 'v2')], 'v2', 'amd64').digest, 'b');
    assert.throws(() => pickDescriptor([d('a', 'v1'), d('b', 'v2')], undefined, 'amd64'), /several images/);
    assert.equal(pickDescriptor([d('a', undefined, 'arm64'), d('b', undefined, 'amd64')], undefined, 'amd64').digest, 'b');
    assert.throws(() => pickDescriptor([d('a', 'v1')], 'v9', 'amd64'), /no image tagged/);
  });
});

function buildLayout(layers: { file: string; mediaType: string }[], config: object, tag: string): string {
  return buildLayoutIn(fresh('layout'), layers, config, tag);
}

describe('the oci template', () => {
  const l1 = tarOf([{ dir: makeTree({ 'bin/app': '#!/bin/sh\n', 'etc/passwd': 'root:x:0:0::/root:/bin/sh\nweb:x:33:33::/srv:/bin/sh\n', 'srv/old': 'x' }), names: ['.'] }], ['-z']);
  const l2 = tarOf([{ dir: makeTree({ 'srv/.wh.old': '', 'srv/index.html': 'hi' }), names: ['.'] }], ['--zstd']);
  const layers = [
    { file: l1, mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip' },
    { file: l2, mediaType: 'application/vnd.oci.image.layer.v1.tar+zstd' },
  ];
  const config = { Entrypoint: ['/bin/app'], Cmd: ['serve'], Env: ['PATH=/bin', 'MODE=prod'], WorkingDir: '/srv', User: 'web' };

  async function create(url: string): Promise<{ rootfs: string; config: string[]; path: string }> {
    const path = fresh('container');
    const rootfs = join(path, 'rootfs');
    const r = await ociTemplate.run({ name: 'web1', path, rootfs, args: ['--url', url], progress: () => {} });
    return { rootfs, config: r.config, path };
  }

  test('from a layout directory', async () => {
    const layout = buildLayout(layers, config, 'v1');
    const c = await create(`oci:${layout}:v1`);
    assert.deepEqual(listing(c.rootfs), ['bin/', 'bin/app', 'etc/', 'etc/passwd', 'srv/', 'srv/index.html']);
    assert.ok(c.config.includes('lxc.init.cmd = /bin/app serve'));
    assert.ok(c.config.includes('lxc.init.cwd = /srv'));
    assert.ok(c.config.includes('lxc.init.uid = 33'));
    assert.ok(c.config.includes('lxc.environment = MODE=prod'));
    assert.deepEqual(readdirSync(c.path), ['rootfs'], 'no work directory left');
  });

  test('from an oci-archive, and a corrupted blob is refused', async () => {
    const layout = buildLayout(layers, config, 'v1');
    const archive = join(fresh('archive'), 'img.tar');
    execFileSync('tar', ['-cf', archive, '-C', layout, '.']);
    const c = await create(`oci-archive:${archive}`);
    assert.ok(existsSync(join(c.rootfs, 'srv/index.html')));
    const blobs = join(layout, 'blobs/sha256');
    const layerBlob = readdirSync(blobs).find((f) => readFileSync(join(blobs, f)).equals(readFileSync(l2)))!;
    writeFileSync(join(blobs, layerBlob), 'corrupt');
    await assert.rejects(create(`oci:${layout}`), /does not match its digest/);
  });

  test('from a docker-archive (docker save): by name:tag, layers checked against diff_ids', async () => {
    const dir = fresh('docker');
    const plain1 = tarOf([{ dir: makeTree({ 'bin/app': '#!/bin/sh\n', 'srv/old': 'x' }), names: ['.'] }]);
    const plain2 = tarOf([{ dir: makeTree({ 'srv/.wh.old': '', 'srv/new': 'y' }), names: ['.'] }]);
    const sha = (f: string) => createHash('sha256').update(readFileSync(f)).digest('hex');
    mkdirSync(join(dir, 'l1'));
    mkdirSync(join(dir, 'l2'));
    writeFileSync(join(dir, 'l1/layer.tar'), readFileSync(plain1));
    writeFileSync(join(dir, 'l2/layer.tar'), readFileSync(plain2));
    const cfg = JSON.stringify({ config: { Cmd: ['/bin/app'], WorkingDir: '/srv' }, rootfs: { type: 'layers', diff_ids: [`sha256:${sha(plain1)}`, `sha256:${sha(plain2)}`] } });
    writeFileSync(join(dir, 'cfg.json'), cfg);
    const manifest = (layers: string[]) => JSON.stringify([{ Config: 'cfg.json', RepoTags: ['docker.io/library/app:v1'], Layers: layers }]);
    writeFileSync(join(dir, 'manifest.json'), manifest(['l1/layer.tar', 'l2/layer.tar']));
    const archive = join(fresh('darchive'), 'app.tar');
    execFileSync('tar', ['-cf', archive, '-C', dir, '.']);
    assert.deepEqual(parseOciUrl(`docker-archive:${archive}:docker.io/library/app:v1`), { kind: 'docker-archive', path: archive, tag: 'docker.io/library/app:v1' });
    const c = await create(`docker-archive:${archive}:app:v1`);
    assert.deepEqual(listing(c.rootfs), ['bin/', 'bin/app', 'srv/', 'srv/new']);
    assert.ok(c.config.includes('lxc.init.cmd = /bin/app'));
    await assert.rejects(create(`docker-archive:${archive}:other`), /no image tagged "other"/);
    // a layer that is not what the config says, and a layer path out of the archive
    writeFileSync(join(dir, 'manifest.json'), manifest(['l2/layer.tar', 'l1/layer.tar']));
    execFileSync('tar', ['-cf', archive, '-C', dir, '.']);
    await assert.rejects(create(`docker-archive:${archive}`), /does not match its diff_id/);
    writeFileSync(join(dir, 'manifest.json'), manifest(['../../etc/passwd']));
    execFileSync('tar', ['-cf', archive, '-C', dir, '.']);
    await assert.rejects(create(`docker-archive:${archive}`), /not a path inside the archive/);
  });
});
