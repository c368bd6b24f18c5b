// simplestreams parsing: the products path from index.json, usable builds from a products
// file (meta + a root we can unpack, paths and hashes valid), the newest build, and errors
// that say what the server has.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { buildsFromProducts, imagesPathFromIndex, newestPerProduct, pickItems, safeRelativePath, selectBuild } from '../../src/core/image/simplestreams.js';
import { CorralError } from '../../src/util/errors.js';

const H = (c: string) => c.repeat(64);
const item = (ftype: string, path: string, sha = H('a'), size = 10) => ({ ftype, path, sha256: sha, size });

function products(): unknown {
  return {
    format: 'products:1.0',
    datatype: 'image-downloads',
    products: {
      'debian:bookworm:amd64:default': {
        os: 'Debian', release: 'bookworm', arch: 'amd64', variant: 'default',
        versions: {
          '20240101_05:24': { items: { 'incus.tar.xz': item('incus.tar.xz', 'i/d/1/incus.tar.xz'), 'rootfs.tar.xz': item('root.tar.xz', 'i/d/1/rootfs.tar.xz') } },
          '20240103_05:24': { items: { 'incus.tar.xz': item('incus.tar.xz', 'i/d/3/incus.tar.xz'), 'root.squashfs': item('squashfs', 'i/d/3/root.squashfs'), 'rootfs.tar.xz': item('root.tar.xz', 'i/d/3/rootfs.tar.xz') } },
          '20240102_05:24': { items: { 'lxd.tar.xz': item('lxd.tar.xz', 'i/d/2/lxd.tar.xz'), 'root.squashfs': item('squashfs', 'i/d/2/root.squashfs') } },
          // a newer build that only has a VM disk: not a container image
          '20240104_05:24': { items: { 'incus.tar.xz': item('incus.tar.xz', 'i/d/4/incus.tar.xz'), 'disk.qcow2': item('disk-kvm.img', 'i/d/4/disk.qcow2') } },
        },
      },
      'debian:bookworm:arm64:cloud': { arch: 'arm64', release: 'bookworm', variant: 'cloud', versions: { '20240101_05:24': { items: { 'meta.tar.xz': item('meta.tar.xz', 'm'), 'rootfs.tar.xz': item('root.tar.xz', 'r') } } } },
      'alpine:3.19:amd64:default': { versions: { '20240101_13:00': { items: { 'lxd.tar.xz': item('lxd.tar.xz', 'a/lxd.tar.xz'), 'rootfs.tar.xz': item('root.tar.xz', 'a/rootfs.tar.xz') } } } },
      // hostile or broken entries: skipped, not fatal
      'evil:1:amd64:default': { versions: { '1': { items: { 'lxd.tar.xz': item('lxd.tar.xz', '../../etc/passwd'), 'rootfs.tar.xz': item('root.tar.xz', 'x') } } } },
      'nohash:1:amd64:default': { versions: { '1': { items: { 'lxd.tar.xz': item('lxd.tar.xz', 'm', 'nothex'), 'rootfs.tar.xz': item('root.tar.xz', 'x') } } } },
      '../x:1:amd64:default': { versions: { '1': { items: { 'lxd.tar.xz': item('lxd.tar.xz', 'm'), 'rootfs.tar.xz': item('root.tar.xz', 'x') } } } },
      'badbuild:1:amd64:default': { versions: { '../1': { items: { 'lxd.tar.xz': item('lxd.tar.xz', 'm'), 'rootfs.tar.xz': item('root.tar.xz', 'x') } } } },
    },
  };
}

const isCorral = (code: string) => (e: unknown) => e instanceof CorralError && e.code === code;

describe('simplestreams', () => {
  test('index.json: the image-downloads catalog path, relative and without ..', () => {
    const index = (entry: unknown) => ({ format: 'index:1.0', index: { other: { datatype: 'content-download', path: 'streams/v1/x.json' }, images: entry } });
    assert.equal(imagesPathFromIndex(index({ datatype: 'image-downloads', path: 'streams/v1/images.json' })), 'streams/v1/images.json');
    assert.equal(imagesPathFromIndex({ format: 'index:1.0', index: { weird: { datatype: 'image-downloads', path: 'p/q.json' } } }), 'p/q.json');
    for (const bad of [{ datatype: 'image-downloads', path: '/etc/passwd' }, { datatype: 'image-downloads', path: '../x.json' }, { datatype: 'image-downloads', path: 'http://evil/x' }, { datatype: 'image-downloads' }]) {
      assert.throws(() => imagesPathFromIndex(index(bad)), isCorral('INVALID_ARGUMENT'), JSON.stringify(bad));
    }
    assert.throws(() => imagesPathFromIndex({ format: 'products:1.0' }), /index:1\.0/);
    assert.throws(() => imagesPathFromIndex([]), isCorral('INVALID_ARGUMENT'));
  });

  test('relative paths only', () => {
    assert.equal(safeRelativePath('images/a/b:c/rootfs.tar.xz'), 'images/a/b:c/rootfs.tar.xz');
    for (const p of ['', '/a', 'a/../b', './a', 'a//b', 'a\\b', 'https://x/y', 7]) assert.equal(safeRelativePath(p), undefined, String(p));
  });

  test('a build needs a meta and a root we can unpack; root.tar.xz beats squashfs', () => {
    const both = pickItems({ 'incus.tar.xz': item('incus.tar.xz', 'm'), 'root.squashfs': item('squashfs', 's'), 'rootfs.tar.xz': item('root.tar.xz', 'r'), 'disk.qcow2': item('disk-kvm.img', 'd') });
    assert.equal(both?.root.name, 'rootfs.tar.xz');
    assert.equal(both?.rootKind, 'tar.xz');
    assert.deepEqual(both?.others.sort(), ['disk-kvm.img', 'squashfs']);
    assert.equal(pickItems({ 'lxd.tar.xz': item('lxd.tar.xz', 'm'), 'root.squashfs': item('squashfs', 's') })?.rootKind, 'squashfs');
    assert.equal(pickItems({ 'lxd.tar.xz': item('lxd.tar.xz', 'm'), 'disk.qcow2': item('disk-kvm.img', 'd') }), undefined);
    assert.equal(pickItems({ 'rootfs.tar.xz': item('root.tar.xz', 'r') }), undefined, 'no metadata');
    assert.equal(pickItems({ 'lxd.tar.xz': item('lxd.tar.xz', 'm'), 'rootfs.tar.xz': { ftype: 'root.tar.xz', path: 'r', sha256: H('a'), size: -1 } }), undefined);
    assert.equal(pickItems({ 'lxd.tar.xz': item('lxd.tar.xz', 'm'), 'rootfs.tar.xz': { ftype: 'root.tar.xz', path: 'r', sha256: H('a') } }), undefined, 'no size');
    // keys name the cached files: nothing that could collide with the record or a part file
    for (const key of ['complete', 'lxd.tar.xz.part', 'a/b', '.hidden', 'x.tmp']) {
      assert.equal(pickItems({ 'lxd.tar.xz': item('lxd.tar.xz', 'm'), [key]: item('root.tar.xz', 'r') }), undefined, key);
    }
    // hashes are compared in lower case
    assert.equal(pickItems({ 'lxd.tar.xz': item('lxd.tar.xz', 'm', H('A')), 'rootfs.tar.xz': item('root.tar.xz', 'r') })?.meta.sha256, H('a'));
  });

  test('products: usable builds only, names from the key, hostile entries skipped', () => {
    const builds = buildsFromProducts(products());
    assert.deepEqual(
      builds.map((b) => `${b.dist}/${b.release}/${b.arch}/${b.variant}/${b.build}/${b.root.name}`),
      [
        'alpine/3.19/amd64/default/20240101_13:00/rootfs.tar.xz',
        'debian/bookworm/amd64/default/20240103_05:24/rootfs.tar.xz',
        'debian/bookworm/amd64/default/20240102_05:24/root.squashfs',
        'debian/bookworm/amd64/default/20240101_05:24/rootfs.tar.xz',
        'debian/bookworm/arm64/cloud/20240101_05:24/rootfs.tar.xz',
      ],
    );
    assert.equal(builds[1]!.meta.path, 'i/d/3/incus.tar.xz');
    assert.throws(() => buildsFromProducts({ format: 'index:1.0' }), /products:1\.0/);
  });

  test('the newest usable build is chosen; one row per product for --list', () => {
    const builds = buildsFromProducts(products());
    const b = selectBuild(builds, { dist: 'debian', release: 'bookworm', arch: 'amd64', variant: 'default' }, 'S');
    assert.equal(b.build, '20240103_05:24');
    assert.deepEqual(newestPerProduct(builds).map((x) => x.build), ['20240101_13:00', '20240103_05:24', '20240101_05:24']);
  });

  test('an unknown image: the error names what the server has at the first level that differs', () => {
    const builds = buildsFromProducts(products());
    const q = { dist: 'debian', release: 'bookworm', arch: 'amd64', variant: 'default' };
    const msg = (over: Partial<typeof q>) => {
      try {
        selectBuild(builds, { ...q, ...over }, 'https://s');
      } catch (e) {
        assert.ok(isCorral('NOT_FOUND')(e));
        assert.match((e as CorralError).hint ?? '', /--list/);
        return (e as Error).message;
      }
      assert.fail('no error');
    };
    assert.match(msg({ dist: 'ubuntu' }), /no container image ubuntu\/bookworm\/amd64\/default on https:\/\/s \(the server has distributions: alpine, debian\)/);
    assert.match(msg({ release: 'trixie' }), /releases of debian: bookworm\)/);
    assert.match(msg({ arch: 'riscv64' }), /architectures of debian bookworm: amd64, arm64\)/);
    assert.match(msg({ variant: 'cloud' }), /variants of debian bookworm amd64: default\)/);
  });
});
