// lxc.mount.entry / lxc.mount.fstab lines: fstab(5) fields plus LXC's own options
// (create=dir|file, optional, relative), and their OCI mount. A relative target is relative
// to the container's root; an absolute one is a host path that must lie inside the rootfs
// (LXC strips the rootfs prefix and ignores the entry otherwise, with a warning).
import { posix } from 'node:path';
import type { Mount } from '../../runtime/spec/types.js';
import { fail, type SourcePos } from './errors.js';

export interface MountEntry {
  source: string;
  target: string;
  fstype: string;
  /** options passed on to the OCI mount (LXC-only ones removed) */
  options: string[];
  create?: 'dir' | 'file';
  optional: boolean;
  /** a relative source is relative to the container's rootfs */
  relative: boolean;
  pos: SourcePos;
}

/** getmntent(3) decodes these octal escapes in every field (\040 is a space). */
function decodeField(field: string): string {
  return field.replace(/\\(040|011|012|134)/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}

// Handled by the runtime (mount destinations are always created) or meaningless in OCI.
const DROPPED = new Set(['defaults']);

function splitOptions(text: string): Pick<MountEntry, 'options' | 'create' | 'optional' | 'relative'> {
  const out: Pick<MountEntry, 'options' | 'create' | 'optional' | 'relative'> = { options: [], optional: false, relative: false };
  for (const opt of text.split(',')) {
    if (opt === '') return fail(`empty mount option in "${text}"`);
    if (opt === 'optional') out.optional = true;
    else if (opt === 'relative') out.relative = true;
    else if (opt.startsWith('create=')) {
      const what = opt.slice('create='.length);
      if (what !== 'dir' && what !== 'file') return fail(`"${opt}" must be create=dir or create=file`);
      out.create = what;
    } else if (!DROPPED.has(opt)) out.options.push(opt);
  }
  return out;
}

/** One fstab line: source target fstype [options [freq [passno]]]. */
export function parseMountEntry(line: string, pos: SourcePos): MountEntry {
  const fields = line.trim().split(/[ \t]+/).map(decodeField);
  if (fields.length < 3 || fields.length > 6 || fields[0] === '') {
    return fail(`"${line.length > 80 ? `${line.slice(0, 80)}...` : line}" is not an fstab line (source target fstype options 0 0)`);
  }
  const [source, target, fstype, options = 'defaults', ...rest] = fields as [string, string, string, string?, ...string[]];
  if (rest.some((n) => !/^\d+$/.test(n))) return fail('the dump and pass fields of an fstab line must be numbers');
  if (target === '' || target.includes('\0')) return fail('the mount target is empty');
  return { source, target, fstype, ...splitOptions(options), pos };
}

/** Lines of an lxc.mount.fstab file; blank lines and '#' comments are skipped as in fstab(5). */
export function parseFstab(text: string, file: string, onError: (pos: SourcePos, err: unknown) => void): MountEntry[] {
  const out: MountEntry[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.replace(/\r$/, '');
    if (line.trim() === '' || line.trim().startsWith('#')) return;
    const pos = { file, line: i + 1 };
    try {
      out.push(parseMountEntry(line, pos));
    } catch (err) {
      onError(pos, err);
    }
  });
  return out;
}

export interface MountContext {
  /** the rootfs the container will use (host path) */
  rootfs: string;
  /** other host paths of the same rootfs an absolute target may start with */
  rootfsAliases: string[];
}

function insideRoot(target: string, ctx: MountContext): string | undefined {
  if (!target.startsWith('/')) return posix.normalize(`/${target}`);
  for (const root of [ctx.rootfs, ...ctx.rootfsAliases]) {
    const base = posix.normalize(root).replace(/\/+$/, '');
    if (base && (target === base || target.startsWith(`${base}/`))) return posix.normalize(`/${target.slice(base.length)}`);
  }
  return undefined;
}

/** The OCI mount of an entry, or a reason why LXC would skip it. */
export function entryToOciMount(e: MountEntry, ctx: MountContext): { mount: Mount } | { skipped: string } {
  const destination = insideRoot(e.target, ctx);
  if (destination === undefined) {
    return { skipped: `the absolute target "${e.target}" is not inside the rootfs (${ctx.rootfs}); LXC ignores such entries, give a path relative to the rootfs` };
  }
  const source = e.relative ? posix.join(ctx.rootfs, e.source) : e.source;
  const mount: Mount = { destination, type: e.fstype, source };
  if (e.options.length > 0) mount.options = [...e.options];
  return { mount };
}
