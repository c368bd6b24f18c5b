// The debian template: a Debian system with systemd as init, bootstrapped by debootstrap
// (cached, see debian-cache.ts) and configured the way LXC's lxc-debian does it for a
// container: hostname, /etc/hosts, eth0 by DHCP (systemd-networkd), a machine id, C.UTF-8
// and UTC, getty on the console and ttys (systemd's getty generator reads container_ttys),
// root locked (no password: `corral attach` gives a root shell).
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { cachedTree, copyTree } from './debian-cache.js';
import { debianConfig, hostMirror, hostRelease, parseDebianArgs, type DebianOptions } from './debian-options.js';
import type { Template, TemplateContext } from './types.js';

const TTYS = 4;

function readOr(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

function hostDefaults(): { release?: string; mirror?: string; arch: string } {
  const release = hostRelease(readOr('/etc/os-release'));
  const files = ['/etc/apt/sources.list'];
  try {
    for (const f of readdirSync('/etc/apt/sources.list.d')) if (/\.(list|sources)$/.test(f)) files.push(join('/etc/apt/sources.list.d', f));
  } catch {
    // no sources.list.d
  }
  const mirror = hostMirror(files.map(readOr), release);
  let arch = 'amd64';
  try {
    arch = execFileSync('dpkg', ['--print-architecture'], { encoding: 'utf8' }).trim() || arch;
  } catch {
    arch = process.arch === 'arm64' ? 'arm64' : 'amd64';
  }
  return { release, mirror, arch };
}

export const NETWORK_UNIT = `# written by corral's debian template: eth0 by DHCP from the bridge's dnsmasq
[Match]
Name=eth0

[Network]
DHCP=ipv4
IPv6AcceptRA=yes
`;

/** Enable a unit the way `systemctl enable` does: a symlink in <target>.wants. */
function enable(rootfs: string, unit: string, target: string): void {
  const lib = ['usr/lib/systemd/system', 'lib/systemd/system'].find((d) => existsSync(join(rootfs, d, unit)));
  if (!lib) return;
  const link = join(rootfs, 'etc/systemd/system', `${target}.wants`, unit);
  mkdirSync(dirname(link), { recursive: true });
  rmSync(link, { force: true });
  symlinkSync(`/${lib}/${unit}`, link);
}

/** Mask a unit (a symlink to /dev/null), as `systemctl mask` does. */
export function mask(rootfs: string, unit: string): void {
  const link = join(rootfs, 'etc/systemd/system', unit);
  mkdirSync(dirname(link), { recursive: true });
  rmSync(link, { force: true });
  symlinkSync('/dev/null', link);
}

/** Units that cannot work in a container and would leave the system `degraded`. */
const MASKED = [
  'systemd-udevd.service', 'systemd-udev-trigger.service', 'systemd-udev-settle.service',
  'systemd-modules-load.service', 'sys-kernel-config.mount', 'sys-kernel-debug.mount', 'sys-kernel-tracing.mount',
  'systemd-remount-fs.service', 'systemd-hwdb-update.service', 'systemd-firstboot.service',
  'getty-static.service', 'e2scrub_reap.service', 'systemd-journald-audit.socket',
];

function configure(ctx: TemplateContext, rootfs: string): void {
  const w = (path: string, text: string) => {
    mkdirSync(dirname(join(rootfs, path)), { recursive: true });
    writeFileSync(join(rootfs, path), text);
  };
  w('etc/hostname', `${ctx.name}\n`);
  w('etc/hosts', `127.0.0.1\tlocalhost\n127.0.1.1\t${ctx.name}\n\n::1\tlocalhost ip6-localhost ip6-loopback\nff02::1\tip6-allnodes\nff02::2\tip6-allrouters\n`);
  // systemd must not take this for a first boot (it would run systemd-firstboot and ask)
  w('etc/machine-id', `${randomBytes(16).toString('hex')}\n`);
  w('etc/systemd/network/eth0.network', NETWORK_UNIT);
  enable(rootfs, 'systemd-networkd.service', 'multi-user.target');
  enable(rootfs, 'systemd-networkd.socket', 'sockets.target');
  w('etc/default/locale', 'LANG=C.UTF-8\n');
  w('etc/timezone', 'Etc/UTC\n');
  if (existsSync(join(rootfs, 'usr/share/zoneinfo/Etc/UTC'))) {
    rmSync(join(rootfs, 'etc/localtime'), { force: true });
    symlinkSync('/usr/share/zoneinfo/Etc/UTC', join(rootfs, 'etc/localtime'));
  }
  rmSync(join(rootfs, 'etc/mtab'), { force: true });
  symlinkSync('../proc/self/mounts', join(rootfs, 'etc/mtab'));
  for (const unit of MASKED) mask(rootfs, unit);
}

export const debianTemplate: Template = {
  name: 'debian',
  description: 'Debian with systemd, by debootstrap (cached): -- [--release R] [--variant V] [--mirror URL] [--packages a,b] [--flush-cache]',
  async run(ctx) {
    const opts: DebianOptions = parseDebianArgs(ctx.args, hostDefaults());
    const tree = await cachedTree(opts, ctx.progress);
    ctx.progress(`copying the ${opts.release} tree into ${ctx.rootfs}`);
    await copyTree(tree, ctx.rootfs);
    configure(ctx, ctx.rootfs);
    return { config: debianConfig(ctx.name, TTYS) };
  },
};
