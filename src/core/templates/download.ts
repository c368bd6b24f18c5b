// The download template: a container from a public LXC/Incus image server speaking
// simplestreams (https://images.linuxcontainers.org by default), as LXC's lxc-download:
// `-- -d DIST -r RELEASE [-a ARCH] [--variant V] [--server URL]`. The newest build with a
// root filesystem we can unpack is fetched (every file checked against the catalog's size
// and sha256, resumable, cached: see download-cache.ts), the root is unpacked through
// image/layers.ts (GNU tar in an empty staging dir; unsquashfs for squashfs roots), and the
// metadata's create-time templates (hostname, hosts) are rendered into it.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { CorralError } from '../../util/errors.js';
import { applyLayer, extractTo, resolveInRoot } from '../image/layers.js';
import { newestPerProduct, type ImageBuild } from '../image/simplestreams.js';
import { fetchCatalog, obtainImage, type CachedImage } from './download-cache.js';
import { applyTemplates, readMetadata, type ImageMetadata, type TemplateReport } from './download-meta.js';
import { listFilter, parseDownloadArgs } from './download-options.js';
import { run } from './debian-cache.js';
import { debianConfig } from './debian-options.js';
import type { Template } from './types.js';

const TTYS = 4;

/** --list: the newest build of every product the server has (filtered by -d/-r/-a/--variant). */
export async function listImages(args: string[]): Promise<{ server: string; images: ImageBuild[] }> {
  const o = parseDownloadArgs(args);
  return { server: o.server, images: listFilter(newestPerProduct(await fetchCatalog(o.server)), o) };
}

/** The init the image boots, from where /sbin/init leads inside the rootfs. */
export function initKind(rootfs: string): 'systemd' | 'busybox' | 'other' {
  const target = resolveInRoot(rootfs, 'sbin/init');
  if (/systemd/.test(target)) return 'systemd';
  if (basename(target) === 'busybox') return 'busybox';
  return 'other';
}

/** Config lines for a system container booting the image's own init. */
export function downloadConfig(name: string, init: ReturnType<typeof initKind>): string[] {
  if (init === 'systemd') return debianConfig(name, TTYS);
  return [
    `lxc.uts.name = ${name}`,
    'lxc.autodev = 1',
    `lxc.tty.max = ${TTYS}`,
    'lxc.pty.max = 1024',
    'lxc.mount.auto = cgroup:mixed proc:mixed sys:mixed',
    // busybox init halts on SIGUSR1; sysvinit and OpenRC's inittab on SIGPWR (LXC's default)
    `lxc.signal.halt = ${init === 'busybox' ? 'SIGUSR1' : 'SIGPWR'}`,
    ...(init === 'busybox' ? ['lxc.signal.reboot = SIGTERM'] : []),
  ];
}

async function unpackRoot(img: CachedImage, rootfs: string, work: string): Promise<void> {
  if (img.build.rootKind === 'tar.xz') {
    await applyLayer(img.rootFile, 'auto', rootfs, join(work, 'root'));
    return;
  }
  // a squashfs is a filesystem image, not a stream of paths: no `../` or duplicate names to
  // play tricks with, and the target is a new empty directory
  rmSync(rootfs, { recursive: true, force: true });
  const r = await run('unsquashfs', ['-no-progress', '-quiet', '-d', rootfs, img.rootFile]);
  if (r.code === 127) throw new CorralError('NOT_FOUND', 'this image has a squashfs root and unsquashfs is not installed', { hint: 'apt-get install squashfs-tools' });
  if (r.code !== 0) throw new CorralError('INVALID_ARGUMENT', `unsquashfs of ${img.rootFile} failed: ${r.output.trim().split('\n').slice(-3).join(' | ')}`);
}

/** An empty /etc/machine-id is a first boot to systemd: give the container its own id. */
function machineId(rootfs: string): void {
  const path = resolveInRoot(rootfs, 'etc/machine-id');
  if (existsSync(path) && statSync(path).isFile() && readFileSync(path, 'utf8').trim() === '') writeFileSync(path, `${randomBytes(16).toString('hex')}\n`);
}

function record(ctx: { path: string }, img: CachedImage, meta: ImageMetadata, report: TemplateReport): string[] {
  const b = img.build;
  writeFileSync(join(ctx.path, 'image.json'), `${JSON.stringify({
    server: img.server, dist: b.dist, release: b.release, arch: b.arch, variant: b.variant, build: b.build,
    files: { [b.meta.name]: b.meta.sha256, [b.root.name]: b.root.sha256 }, properties: meta.properties, templates: report,
  }, null, 1)}\n`);
  return [`# image ${b.dist} ${b.release} ${b.arch} ${b.variant} build ${b.build} from ${img.server} (${img.how}; details in image.json)`];
}

export const downloadTemplate: Template = {
  name: 'download',
  description: 'an image from an LXC/Incus image server (simplestreams, cached): -- -d DIST -r RELEASE [-a ARCH] [--variant V] [--server URL] [--list] [--flush-cache]',
  async run(ctx) {
    const o = parseDownloadArgs(ctx.args);
    if (o.list) throw new CorralError('INVALID_ARGUMENT', '--list shows images and creates no container', { hint: 'corral create -t download -- --list' });
    const img = await obtainImage(o, ctx.progress);
    mkdirSync(ctx.rootfs, { recursive: true, mode: 0o755 });
    const work = mkdtempSync(join(ctx.path, '.download-'));
    try {
      ctx.progress(`unpacking ${img.build.root.name} into ${ctx.rootfs}`);
      await unpackRoot(img, ctx.rootfs, work);
      await extractTo(img.metaFile, join(work, 'meta'), 'auto');
      const meta = readMetadata(join(work, 'meta'));
      const report = applyTemplates(join(work, 'meta'), ctx.rootfs, meta, { name: ctx.name, arch: img.build.arch });
      for (const s of report.skipped) ctx.progress(`template for ${s.path} not applied: ${s.why}`);
      machineId(ctx.rootfs);
      return { config: [...record(ctx, img, meta, report), ...downloadConfig(ctx.name, initKind(ctx.rootfs))] };
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  },
};
