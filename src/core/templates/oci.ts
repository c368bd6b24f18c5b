// The oci template: a container from an OCI image — a layout directory (`oci:DIR[:TAG]`),
// an oci-archive tarball of one (`oci-archive:FILE[:TAG]`) or a `docker save` tarball
// (`docker-archive:FILE[:NAME:TAG]`), or pulled from a registry
// (`docker://HOST[:PORT]/REPO[:TAG|@DIGEST]`, see image/registry-pull.ts). Layers are applied in order
// (whiteouts, opaque directories, gzip/zstd/plain; see image/layers.ts) and the image
// config becomes the container's init: Entrypoint + Cmd (lxc.init.cmd and lxc.execute.cmd),
// Env, WorkingDir, User. Such a container is an application container: its command is
// PID 1 under `corral start`, or runs under corral-init with `corral execute`.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CorralError } from '../../util/errors.js';
import { applyLayer, compressionOf, extractTo, resolveInRoot } from '../image/layers.js';
import { readDockerArchive, readLayout, type Image, type ImageConfig } from '../image/oci-layout.js';
import { pullImage } from '../image/registry-pull.js';
import { hostPlatform, parseRegistryRef, type RegistryRef } from '../image/registry-ref.js';
import type { Template } from './types.js';

export type OciSource = { kind: 'layout' | 'archive' | 'docker-archive'; path: string; tag?: string } | { kind: 'registry'; ref: RegistryRef };

const SOURCES = 'oci:DIR[:TAG], oci-archive:FILE[:TAG], docker-archive:FILE[:NAME:TAG] or docker://HOST[:PORT]/REPO[:TAG|@sha256:DIGEST]';

/** oci:DIR[:TAG] or oci-archive:FILE[:TAG] (a TAG has no '/'), docker-archive:..., docker://... */
export function parseOciUrl(url: string): OciSource {
  if (url.startsWith('docker://')) return { kind: 'registry', ref: parseRegistryRef(url) };
  const m = /^(oci|oci-archive|docker-archive):(.+)$/.exec(url);
  if (!m) throw new CorralError('INVALID_ARGUMENT', `"${url}" is not ${SOURCES}`);
  let path = m[2]!;
  if (m[1] === 'docker-archive') {
    // a reference has colons and slashes of its own (docker.io/library/x:tag): the file is
    // the shortest prefix before a colon that exists
    for (let i = path.indexOf(':'); i > 0; i = path.indexOf(':', i + 1)) {
      if (existsSync(path.slice(0, i))) return { kind: 'docker-archive', path: resolve(path.slice(0, i)), tag: path.slice(i + 1) || undefined };
    }
    return { kind: 'docker-archive', path: resolve(path) };
  }
  let tag: string | undefined;
  const colon = path.lastIndexOf(':');
  if (colon > 0 && !path.slice(colon + 1).includes('/')) {
    tag = path.slice(colon + 1) || undefined;
    path = path.slice(0, colon);
  }
  return { kind: m[1] === 'oci' ? 'layout' : 'archive', path: resolve(path), tag };
}

/** One argument in the quoting lxc.init.cmd understands ('...' and "..." joined in a word). */
export function quoteArg(arg: string): string {
  if (arg !== '' && /^[A-Za-z0-9_@%+=:,./-]+$/.test(arg)) return arg;
  return arg
    .split("'")
    .map((part) => (part === '' ? '' : `'${part}'`))
    .join(`"'"`) || "''";
}

function lookup(file: string, name: string): number | undefined {
  try {
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      const f = line.split(':');
      if (f[0] === name && /^\d+$/.test(f[2] ?? '')) return Number(f[2]);
    }
  } catch {
    // no such file in the image
  }
  return undefined;
}

/** User ("uid", "name", "uid:gid", "name:group") to numbers, names from the image's files. */
export function resolveUser(user: string | undefined, rootfs: string): { uid: number; gid: number } {
  if (!user) return { uid: 0, gid: 0 };
  const [u = '', g] = user.split(':');
  const uid = /^\d+$/.test(u) ? Number(u) : lookup(resolveInRoot(rootfs, 'etc/passwd'), u);
  if (uid === undefined) throw new CorralError('INVALID_ARGUMENT', `the image's user "${u}" is not in its /etc/passwd`);
  let gid: number | undefined;
  if (g === undefined) {
    const line = (() => {
      try {
        return readFileSync(resolveInRoot(rootfs, 'etc/passwd'), 'utf8').split('\n').find((l) => l.split(':')[2] === String(uid));
      } catch {
        return undefined;
      }
    })();
    gid = line ? Number(line.split(':')[3]) : uid === 0 ? 0 : uid;
  } else {
    gid = /^\d+$/.test(g) ? Number(g) : lookup(resolveInRoot(rootfs, 'etc/group'), g);
  }
  if (gid === undefined || Number.isNaN(gid)) throw new CorralError('INVALID_ARGUMENT', `the image's group "${g}" is not in its /etc/group`);
  return { uid, gid };
}

/** The config lines an image config gives. */
export function ociConfig(name: string, c: ImageConfig, ids: { uid: number; gid: number }): string[] {
  const argv = [...(c.Entrypoint ?? []), ...(c.Cmd ?? [])];
  if (argv.length === 0) throw new CorralError('INVALID_ARGUMENT', 'the image has neither Entrypoint nor Cmd', { hint: 'give the container a command: lxc.init.cmd in -f' });
  const cmd = argv.map(quoteArg).join(' ');
  const lines = [
    `lxc.uts.name = ${name}`,
    `lxc.init.cmd = ${cmd}`,
    `lxc.execute.cmd = ${cmd}`,
    `lxc.init.cwd = ${c.WorkingDir && c.WorkingDir.startsWith('/') ? c.WorkingDir : '/'}`,
    `lxc.init.uid = ${ids.uid}`,
    `lxc.init.gid = ${ids.gid}`,
    'lxc.autodev = 1',
    'lxc.tty.max = 0',
    'lxc.mount.auto = cgroup:mixed proc:mixed sys:mixed',
    `lxc.signal.halt = ${c.StopSignal && /^SIG[A-Z0-9+-]+$/.test(c.StopSignal) ? c.StopSignal : 'SIGTERM'}`,
  ];
  for (const env of c.Env ?? []) if (/^[^=\s]+=/.test(env) && !/[\n\r]/.test(env)) lines.push(`lxc.environment = ${env}`);
  return lines;
}

export interface OciArgs {
  url: string;
  /** false: a plain-http registry */
  tlsVerify: boolean;
  creds?: { user: string; password: string };
}

/** The template's arguments: --url SOURCE (or SOURCE alone), --tls-verify=false or --insecure, --creds USER:PASSWORD. */
export function parseOciArgs(args: string[]): OciArgs {
  let url: string | undefined;
  let tlsVerify = true;
  let creds: OciArgs['creds'];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const eq = a.indexOf('=');
    const [flag, inline] = a.startsWith('--') && eq > 0 ? [a.slice(0, eq), a.slice(eq + 1)] : [a, undefined];
    const value = () => {
      const v = inline ?? args[++i];
      if (v === undefined) throw new CorralError('INVALID_ARGUMENT', `oci template: ${flag} needs a value`);
      return v;
    };
    if (flag === '--url' || flag === '-u') url = value();
    else if (flag === '--insecure') tlsVerify = false;
    else if (flag === '--tls-verify') {
      const v = inline ?? 'true';
      if (v !== 'true' && v !== 'false') throw new CorralError('INVALID_ARGUMENT', `oci template: --tls-verify=${v} is neither true nor false`);
      tlsVerify = v === 'true';
    } else if (flag === '--creds') {
      const v = value();
      const colon = v.indexOf(':');
      if (colon <= 0) throw new CorralError('INVALID_ARGUMENT', 'oci template: --creds takes USER:PASSWORD');
      creds = { user: v.slice(0, colon), password: v.slice(colon + 1) };
    } else if (!a.startsWith('-') && url === undefined) url = a;
    else throw new CorralError('INVALID_ARGUMENT', `oci template: unknown argument "${a}"`, { hint: 'oci template arguments: [--url] SOURCE [--tls-verify=false|--insecure] [--creds USER:PASSWORD]' });
  }
  if (!url) throw new CorralError('INVALID_ARGUMENT', 'the oci template needs an image', { hint: 'corral create -n NAME -t oci -- --url oci:/path/to/layout:TAG' });
  return { url, tlsVerify, creds };
}

async function localImage(src: Exclude<OciSource, { kind: 'registry' }>, work: string, progress: (m: string) => void): Promise<Image> {
  if (!existsSync(src.path)) throw new CorralError('NOT_FOUND', `${src.path} does not exist`);
  let layout = src.path;
  if (src.kind !== 'layout') {
    progress(`unpacking ${src.path}`);
    layout = join(work, 'layout');
    await extractTo(src.path, layout, 'auto');
  }
  return src.kind === 'docker-archive' ? readDockerArchive(layout, src.tag) : readLayout(layout, src.tag, hostPlatform().architecture);
}

export const ociTemplate: Template = {
  name: 'oci',
  description: `an OCI image: -- --url ${SOURCES} [--tls-verify=false] [--creds USER:PASSWORD]`,
  async run(ctx) {
    const args = parseOciArgs(ctx.args);
    const src = parseOciUrl(args.url);
    mkdirSync(ctx.rootfs, { recursive: true, mode: 0o755 });
    const work = mkdtempSync(join(ctx.path, '.oci-'));
    try {
      const image = src.kind === 'registry'
        ? await pullImage(src.ref, { insecure: !args.tlsVerify, creds: args.creds, progress: ctx.progress })
        : await localImage(src, work, ctx.progress);
      for (const [i, layer] of image.layers.entries()) {
        ctx.progress(`applying layer ${i + 1}/${image.layers.length}`);
        await applyLayer(layer.path, compressionOf(layer.mediaType), ctx.rootfs, join(work, 'layer'));
      }
      return { config: ociConfig(ctx.name, image.config, resolveUser(image.config.User, ctx.rootfs)) };
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  },
};
