// A simplestreams fixture holding a real Debian image, built from the debian template's
// debootstrap cache the way images.linuxcontainers.org builds its debian images
// (distrobuilder, lxc-ci's images/debian.yaml): eth0 by DHCP through systemd-networkd
// (eth0.network, the units enabled as `systemctl enable` does), an empty machine-id, and an
// incus.tar.xz whose metadata.yaml renders /etc/hostname and /etc/hosts at create. The root
// is a root.squashfs packed straight from the cache tree (the cache is never written: the
// image's own files are mksquashfs pseudo definitions) with zstd level 1: about 2 s for
// the 250 MB tree and 4 s to unsquash, where a rootfs.tar.xz by `xz -T0 -0` took 20 s to
// pack and 7 s to unpack on a 2-core machine.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cacheRoot } from '../../src/core/templates/debian-cache.js';
import { catalogItem, writeCatalog } from './simplestreams.js';

export const DEBIAN_BUILD = '20260103_05:24';

/** The cached debootstrap tree of the debian template's default variant, if there is one. */
export function debianCacheTree(release: string, arch: string): string | undefined {
  const dir = join(cacheRoot(), `${release}-${arch}-minbase`);
  return existsSync(join(dir, 'complete')) ? join(dir, 'rootfs') : undefined;
}

/** distrobuilder's eth0.network for Debian containers (bullseye and later). */
const ETH0_NETWORK = '[Match]\nName=eth0\n\n[Network]\nDHCP=true\n\n[DHCPv4]\nUseDomains=true\n\n[DHCP]\nClientIdentifier=mac\n';

const METADATA = (arch: string, release: string, build: string) => `architecture: ${arch === 'amd64' ? 'x86_64' : arch}
creation_date: 1767418000
expiry_date: 1770010000
properties:
  architecture: ${arch}
  description: Debian ${release} ${arch} (${build})
  name: debian-${release}-${arch}-default-${build}
  os: debian
  release: ${release}
  serial: "${build}"
  type: squashfs
  variant: default
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
    - copy
    create_only: false
    template: hosts.tpl
    properties: {}
`;

const HOSTS_TPL = '127.0.1.1\t{{ container.name }}\n127.0.0.1\tlocalhost\n::1\t\tlocalhost ip6-localhost ip6-loopback\nff02::1\t\tip6-allnodes\nff02::2\t\tip6-allrouters\n';

/** What the image adds to the tree, as mksquashfs pseudo definitions (paths relative to the root). */
function pseudoDefinitions(work: string): string[] {
  const network = join(work, 'eth0.network');
  writeFileSync(network, ETH0_NETWORK);
  const unit = (u: string) => `/lib/systemd/system/${u}`;
  return [
    `etc/systemd/network/eth0.network f 644 0 0 cat ${network}`,
    // systemctl enable systemd-networkd.service: WantedBy, Also=the socket, Alias
    `etc/systemd/system/multi-user.target.wants/systemd-networkd.service s 777 0 0 ${unit('systemd-networkd.service')}`,
    `etc/systemd/system/dbus-org.freedesktop.network1.service s 777 0 0 ${unit('systemd-networkd.service')}`,
    'etc/systemd/system/sockets.target.wants d 755 0 0',
    `etc/systemd/system/sockets.target.wants/systemd-networkd.socket s 777 0 0 ${unit('systemd-networkd.socket')}`,
    'etc/systemd/system/network-online.target.wants d 755 0 0',
    `etc/systemd/system/network-online.target.wants/systemd-networkd-wait-online.service s 777 0 0 ${unit('systemd-networkd-wait-online.service')}`,
  ];
}

/**
 * The server tree: debian/<release>/<arch>/default with one build (incus.tar.xz +
 * root.squashfs) made from `tree`. Returns the server root.
 */
export function buildDebianFixture(work: string, tree: string, release: string, arch: string): string {
  const root = join(work, 'www');
  const rel = `images/debian/${release}/${arch}/default/${DEBIAN_BUILD}`;
  const dir = join(root, rel);
  mkdirSync(dir, { recursive: true });
  const meta = join(work, 'meta');
  mkdirSync(join(meta, 'templates'), { recursive: true });
  writeFileSync(join(meta, 'metadata.yaml'), METADATA(arch, release, DEBIAN_BUILD));
  writeFileSync(join(meta, 'templates/hostname.tpl'), '{{ container.name }}\n');
  writeFileSync(join(meta, 'templates/hosts.tpl'), HOSTS_TPL);
  execFileSync('tar', ['-cJf', join(dir, 'incus.tar.xz'), '--numeric-owner', '-C', meta, '.']);
  const pseudo = pseudoDefinitions(work).flatMap((p) => ['-p', p]);
  // -quiet does not silence its note that POSIX ACLs (on the tree's journal dir) are not stored: squashfs has no place for them
  execFileSync('mksquashfs', [tree, join(dir, 'root.squashfs'), '-quiet', '-no-progress', '-noappend', '-comp', 'zstd', '-Xcompression-level', '1', ...pseudo], { stdio: 'ignore' });
  const items = {
    'incus.tar.xz': catalogItem(root, `${rel}/incus.tar.xz`, 'incus.tar.xz'),
    'root.squashfs': catalogItem(root, `${rel}/root.squashfs`, 'squashfs'),
  };
  writeCatalog(root, {
    [`debian:${release}:${arch}:default`]: { aliases: `debian/${release}`, arch, os: 'Debian', release, release_title: release, variant: 'default', versions: { [DEBIAN_BUILD]: { items } } },
  });
  return root;
}
