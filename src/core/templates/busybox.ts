// The busybox template: a minimal system from the host's busybox (busybox-static
// preferred): busybox init with an inittab, a getty per tty, a shell on the console,
// passwd/group, and a DHCP client script for when the container has a network.
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, linkSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CorralError } from '../../util/errors.js';
import { isDynamicElf } from './elf.js';
import type { Template, TemplateContext } from './types.js';

const DIRS = ['bin', 'sbin', 'usr/bin', 'usr/sbin', 'etc/init.d', 'dev', 'proc', 'sys', 'tmp', 'root', 'home', 'mnt', 'var/log', 'var/run', 'usr/share/udhcpc'];
const TTYS = 4;

function findBusybox(args: string[]): string {
  const i = args.indexOf('--busybox-path');
  const candidates = i >= 0 && args[i + 1] ? [args[i + 1]!] : ['/bin/busybox', '/usr/bin/busybox', '/sbin/busybox'];
  const found = candidates.find((p) => existsSync(p));
  if (!found) {
    throw new CorralError('NOT_FOUND', 'no busybox binary on this host', { hint: 'install it: apt-get install busybox-static' });
  }
  return found;
}

const INITTAB = (ttys: number) =>
  [
    '::sysinit:/etc/init.d/rcS',
    ...Array.from({ length: ttys }, (_, n) => `tty${n + 1}::respawn:/bin/getty -L tty${n + 1} 115200 vt100`),
    'console::respawn:/bin/sh -l',
    '::ctrlaltdel:/bin/reboot',
    '::shutdown:/bin/umount -a -r',
    '',
  ].join('\n');

// eth0 exists only when the container has a network; udhcpc -b backgrounds instead of
// holding up the boot when no server answers. An eth0 that already has an IPv4 address was
// configured by Corral (from its IPAM) or is the host's own (lxc.net.0.type = none): DHCP
// there would flush the address, so it is left alone.
const RCS = `#!/bin/sh
/bin/mount -a 2>/dev/null
/bin/hostname -F /etc/hostname
if [ -e /sys/class/net/eth0 ] && ! ip -4 addr show dev eth0 | grep -q inet; then
  /bin/udhcpc -b -i eth0 -s /usr/share/udhcpc/default.script >/dev/null 2>&1
fi
exit 0
`;

const DHCP_SCRIPT = `#!/bin/sh
# udhcpc event handler: apply the lease to the interface, the default route and DNS.
case "$1" in
deconfig)
  ip -4 addr flush dev "$interface"
  ;;
bound|renew)
  ip -4 addr flush dev "$interface"
  ip addr add "$ip/$mask" \${broadcast:+broadcast $broadcast} dev "$interface"
  if [ -n "$router" ]; then
    ip route del default 2>/dev/null
    for gw in $router; do ip route add default via "$gw" dev "$interface" && break; done
  fi
  : > /etc/resolv.conf
  [ -n "$domain" ] && echo "search $domain" >> /etc/resolv.conf
  for ns in $dns; do echo "nameserver $ns" >> /etc/resolv.conf; done
  ;;
esac
exit 0
`;

function installFiles(ctx: TemplateContext, rootfs: string): void {
  const w = (path: string, text: string, mode: number) => {
    writeFileSync(join(rootfs, path), text);
    chmodSync(join(rootfs, path), mode);
  };
  w('etc/passwd', 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n', 0o644);
  w('etc/group', 'root:x:0:root\ntty:x:5:\nnogroup:x:65534:\n', 0o644);
  w('etc/shadow', 'root::19000:0:99999:7:::\n', 0o640);
  w('etc/hostname', `${ctx.name}\n`, 0o644);
  w('etc/hosts', `127.0.0.1\tlocalhost\n127.0.1.1\t${ctx.name}\n::1\tlocalhost ip6-localhost ip6-loopback\n`, 0o644);
  w('etc/fstab', '', 0o644);
  w('etc/inittab', INITTAB(TTYS), 0o644);
  w('etc/init.d/rcS', RCS, 0o755);
  w('etc/profile', 'export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\nexport PS1="\\h:\\w\\$ "\n', 0o644);
  w('usr/share/udhcpc/default.script', DHCP_SCRIPT, 0o755);
}

function installBusybox(busybox: string, rootfs: string): void {
  const target = join(rootfs, 'bin/busybox');
  copyFileSync(busybox, target);
  chmodSync(target, 0o755);
  // every applet in /bin (scripts and inittabs written for LXC's template expect them there)
  // and at its usual place (/sbin/getty, /usr/bin/env) for everything else
  const names = execFileSync(target, ['--list'], { encoding: 'utf8' }).split('\n').filter(Boolean);
  const full = execFileSync(target, ['--list-full'], { encoding: 'utf8' }).split('\n').filter(Boolean);
  const applets = [...names.map((n) => `bin/${n}`), ...full];
  for (const applet of applets) {
    const link = join(rootfs, applet);
    if (applet === 'bin/busybox' || existsSync(link)) continue;
    mkdirSync(join(link, '..'), { recursive: true });
    // relative within /bin, absolute elsewhere: both resolve inside the container
    symlinkSync(applet.startsWith('bin/') ? 'busybox' : '/bin/busybox', link);
  }
  if (!existsSync(join(rootfs, 'sbin/init'))) linkSync(target, join(rootfs, 'sbin/init'));
}

export const busyboxTemplate: Template = {
  name: 'busybox',
  description: "a minimal system from the host's busybox (init, getty on each tty, shell on the console)",
  async run(ctx) {
    const busybox = findBusybox(ctx.args);
    ctx.progress(`building a busybox rootfs from ${busybox}`);
    const rootfs = ctx.rootfs;
    for (const dir of DIRS) mkdirSync(join(rootfs, dir), { recursive: true, mode: 0o755 });
    chmodSync(join(rootfs, 'tmp'), 0o1777);
    chmodSync(join(rootfs, 'root'), 0o700);
    installBusybox(busybox, rootfs);
    installFiles(ctx, rootfs);
    const config = [
      `lxc.uts.name = ${ctx.name}`,
      // busybox init: SIGUSR1 halts, SIGTERM reboots
      'lxc.signal.halt = SIGUSR1',
      'lxc.signal.reboot = SIGTERM',
      'lxc.autodev = 1',
      `lxc.tty.max = ${TTYS}`,
      'lxc.pty.max = 1024',
      'lxc.mount.auto = cgroup:mixed proc:mixed sys:mixed',
    ];
    if (isDynamicElf(busybox)) {
      // a dynamic busybox needs the host's libraries inside, read-only
      for (const lib of ['lib', 'usr/lib', 'lib64', 'usr/lib64']) {
        if (existsSync(`/${lib}`)) {
          mkdirSync(join(rootfs, lib), { recursive: true });
          config.push(`lxc.mount.entry = /${lib} ${lib} none ro,bind 0 0`);
        }
      }
    }
    return { config };
  },
};
