// A simplestreams image server for tests, on 127.0.0.1 only: a fixture tree built here
// (a busybox rootfs packed as rootfs.tar.xz and root.squashfs, an lxd.tar.xz with
// metadata.yaml and templates, index.json and images.json with the real sha256s) served by
// node:http, which counts requests and can be told to corrupt a file, cut responses short, ignore Range headers or send a file slowly; moved/X redirects to X, loop/X to itself.
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { makeBusyboxRootfs } from './busybox.js';
import type { Result } from './cli.js';
import type { LxcEnv } from './lxc.js';

export const DIST = 'corraltest';
export const OLD_BUILD = '20260101_00:00';
export const NEW_BUILD = '20260102_06:30';

export interface ServedRequest {
  path: string;
  range?: string;
  status: number;
}

export interface Faults {
  /** paths (under the server root) whose byte at the middle is flipped on every response */
  corrupt: Set<string>;
  /** path -> byte counts: each next response for it sends only that many, then closes the socket */
  cut: Map<string, number[]>;
  /** answer Range requests with 206 (else: 200 and the whole file) */
  honourRange: boolean;
  /** paths sent in 20 pieces 100 ms apart (a download slower than a second) */
  slow: Set<string>;
}

export interface ImageServer {
  url: string;
  root: string;
  requests: ServedRequest[];
  faults: Faults;
  /** the server path of a build's file: images/<dist>/<release>/<arch>/<variant>/<build>/<file> */
  pathOf(release: string, build: string, file: string): string;
  close(): Promise<void>;
}

const METADATA = (arch: string, release: string, build: string) => `architecture: ${arch === 'amd64' ? 'x86_64' : arch}
creation_date: 1767225600
properties:
  architecture: ${arch}
  description: "Corral test ${release} ${arch} (${build})"
  os: Corraltest
  release: '${release}'
  serial: "${build}"
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
    template: hosts.tpl
    properties:
      domain: example.test
  /etc/motd:
    when:
    - create
    template: motd.tpl
  /etc/started:
    when:
    - start
    template: hostname.tpl
`;

const INITTAB = '::sysinit:/bin/hostname -F /etc/hostname\n::respawn:/bin/sleep 100000\n::shutdown:/bin/true\n';

function packBuild(work: string, root: string, arch: string, release: string, build: string, kinds: ('tar' | 'squashfs')[]): Record<string, unknown> {
  const rel = `images/${DIST}/${release}/${arch}/default/${build}`;
  const dir = join(root, rel);
  mkdirSync(dir, { recursive: true });
  const rootfs = makeBusyboxRootfs(join(work, `${release}-${build}`.replace(/:/g, '-'), 'rootfs'));
  writeFileSync(join(rootfs, 'etc/os-release'), `NAME="Corral Test"\nID=${DIST}\nVERSION_ID="${release}"\nBUILD_ID="${build}"\n`);
  writeFileSync(join(rootfs, 'etc/inittab'), INITTAB);
  writeFileSync(join(rootfs, 'etc/hostname'), 'image\n');
  writeFileSync(join(rootfs, 'etc/machine-id'), '');
  const meta = join(rootfs, '..', 'meta');
  mkdirSync(join(meta, 'templates'), { recursive: true });
  writeFileSync(join(meta, 'metadata.yaml'), METADATA(arch, release, build));
  writeFileSync(join(meta, 'templates/hostname.tpl'), '{{ container.name }}\n');
  writeFileSync(join(meta, 'templates/hosts.tpl'), '127.0.0.1\tlocalhost\n127.0.1.1\t{{ instance.name }}.{{ properties.domain }} {{ container.name }}\n');
  writeFileSync(join(meta, 'templates/motd.tpl'), '{% if config_get("user.motd", "") != "" %}x{% endif %}\n');
  const items: Record<string, unknown> = {};
  const add = (key: string, ftype: string, file: string) => (items[key] = catalogItem(root, `${rel}/${file}`, ftype));
  execFileSync('tar', ['-cJf', join(dir, 'lxd.tar.xz'), '--numeric-owner', '-C', meta, '.']);
  add('lxd.tar.xz', 'lxd.tar.xz', 'lxd.tar.xz');
  if (kinds.includes('tar')) {
    execFileSync('tar', ['-cJf', join(dir, 'rootfs.tar.xz'), '--numeric-owner', '-C', rootfs, '.']);
    add('rootfs.tar.xz', 'root.tar.xz', 'rootfs.tar.xz');
  }
  if (kinds.includes('squashfs')) {
    execFileSync('mksquashfs', [rootfs, join(dir, 'root.squashfs'), '-quiet', '-no-progress', '-noappend', '-comp', 'xz']);
    add('root.squashfs', 'squashfs', 'root.squashfs');
  }
  // a VM disk: not something a container can use, must be ignored
  writeFileSync(join(dir, 'disk.qcow2'), 'not a disk');
  add('disk.qcow2', 'disk-kvm.img', 'disk.qcow2');
  return { items };
}

/** The fixture tree: corraltest 1.0 (two builds, tar roots) and 2.0 (squashfs only). */
export function buildFixture(work: string, arch: string): string {
  const root = join(work, 'www');
  const product = (release: string, versions: Record<string, unknown>) => ({ aliases: `${DIST}/${release}`, arch, os: 'Corraltest', release, release_title: release, variant: 'default', versions });
  const products = {
    [`${DIST}:1.0:${arch}:default`]: product('1.0', {
      [OLD_BUILD]: packBuild(work, root, arch, '1.0', OLD_BUILD, ['tar']),
      [NEW_BUILD]: packBuild(work, root, arch, '1.0', NEW_BUILD, ['tar']),
    }),
    [`${DIST}:2.0:${arch}:default`]: product('2.0', { [NEW_BUILD]: packBuild(work, root, arch, '2.0', NEW_BUILD, ['squashfs']) }),
    // only a VM image: not listed, not usable
    [`${DIST}:3.0:${arch}:default`]: product('3.0', { [NEW_BUILD]: { items: { 'disk.qcow2': { ftype: 'disk-kvm.img', path: 'x/disk.qcow2', size: 1, sha256: '0'.repeat(64) } } } }),
  };
  writeCatalog(root, products);
  return root;
}

/** A catalog item for the file at `path` (relative to the server root): its size and sha256. */
export function catalogItem(root: string, path: string, ftype: string): Record<string, unknown> {
  const data = readFileSync(join(root, path));
  return { ftype, path, size: data.length, sha256: createHash('sha256').update(data).digest('hex') };
}

/** streams/v1/index.json and the images.json catalog it names, for these products. */
export function writeCatalog(root: string, products: Record<string, unknown>): void {
  const write = (rel: string, doc: unknown) => {
    mkdirSync(dirname(join(root, rel)), { recursive: true });
    writeFileSync(join(root, rel), JSON.stringify(doc));
  };
  write('streams/v1/images.json', { content_id: 'images', datatype: 'image-downloads', format: 'products:1.0', products });
  write('streams/v1/index.json', { format: 'index:1.0', index: { images: { datatype: 'image-downloads', path: 'streams/v1/images.json', format: 'products:1.0', products: Object.keys(products) } } });
}

function serve(root: string, faults: Faults, requests: ServedRequest[], req: http.IncomingMessage, res: http.ServerResponse): void {
  const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname).replace(/^\/+/, '');
  const range = typeof req.headers.range === 'string' ? req.headers.range : undefined;
  const log = (status: number) => requests.push({ path, range, status });
  // moved/X redirects to X; loop/X redirects to itself
  const redirect = /^(moved|loop)\/(.*)$/.exec(path);
  if (redirect) {
    log(302);
    res.writeHead(302, { location: redirect[1] === 'moved' ? `/${redirect[2]}` : `/${path}` }).end();
    return;
  }
  let data: Buffer;
  try {
    if (path.split('/').includes('..') || !statSync(join(root, path)).isFile()) throw new Error('no');
    data = Buffer.from(readFileSync(join(root, path)));
  } catch {
    log(404);
    res.writeHead(404).end();
    return;
  }
  if (faults.corrupt.has(path)) data[data.length >> 1] ^= 0xff;
  let from = 0;
  const m = range && faults.honourRange ? /^bytes=(\d+)-$/.exec(range) : null;
  if (m && Number(m[1]) < data.length) {
    from = Number(m[1]);
    res.writeHead(206, { 'content-length': data.length - from, 'content-range': `bytes ${from}-${data.length - 1}/${data.length}` });
    log(206);
  } else {
    res.writeHead(200, { 'content-length': data.length });
    log(200);
  }
  const cut = faults.cut.get(path)?.shift();
  if (cut !== undefined) {
    // end, not destroy: a reset would make the client's kernel drop bytes it has not read yet
    res.write(data.subarray(from, from + cut), () => res.socket?.end());
    return;
  }
  if (faults.slow.has(path)) {
    const body = data.subarray(from);
    const piece = Math.ceil(body.length / 20);
    const send = (i: number) => {
      if (i >= 20 || res.destroyed) return void res.end();
      res.write(body.subarray(i * piece, (i + 1) * piece));
      setTimeout(() => send(i + 1), 100);
    };
    send(0);
    return;
  }
  res.end(data.subarray(from));
}

/** A self-signed certificate for 127.0.0.1 (key and cert PEM files in `dir`). */
export function selfSignedCert(dir: string): { key: string; cert: string } {
  const key = join(dir, 'tls.key');
  const cert = join(dir, 'tls.crt');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert,
    '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
  return { key, cert };
}

/** Serve `root` on 127.0.0.1 (HTTPS with `tls`: PEM file paths). */
export async function startImageServer(root: string, tls?: { key: string; cert: string }): Promise<ImageServer> {
  const requests: ServedRequest[] = [];
  const faults: Faults = { corrupt: new Set(), cut: new Map(), honourRange: true, slow: new Set() };
  const handler = (req: http.IncomingMessage, res: http.ServerResponse) => serve(root, faults, requests, req, res);
  const server = tls ? https.createServer({ key: readFileSync(tls.key), cert: readFileSync(tls.cert) }, handler) : http.createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `${tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    root,
    requests,
    faults,
    pathOf: (release, build, file) => `images/${DIST}/${release}/${readArch(root, release)}/default/${build}/${file}`,
    close: () => new Promise((r) => {
      server.closeAllConnections();
      server.close(() => r());
    }),
  };
}

function readArch(root: string, release: string): string {
  const doc = JSON.parse(readFileSync(join(root, 'streams/v1/images.json'), 'utf8')) as { products: Record<string, { arch: string; release: string }> };
  return Object.values(doc.products).find((p) => p.release === release)!.arch;
}

/**
 * An lxc-* tool run without blocking this process (the image server lives in it; lxcEnv's
 * run is synchronous), with the env lxcEnv gives its tools plus `env`.
 */
export function runLxcAsync(lxc: LxcEnv, tool: string, args: string[], env: Record<string, string>, timeoutMs = 120_000): Promise<Result> {
  const full = { ...process.env, CORRAL_LXCPATH: lxc.lxcpath, CORRAL_DEFAULT_CONF: join(dirname(lxc.lxcpath), 'default.conf'), PATH: `${lxc.bin}:${process.env.PATH ?? ''}`, ...env };
  return runAsync(tool.startsWith('lxc-') ? join(lxc.bin, tool) : tool, args, full, timeoutMs);
}

/** A program run without blocking this process (so the image server in it keeps serving), killed after `timeoutMs`. */
export function runAsync(file: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<Result> {
  return new Promise((resolve) => {
    const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? 128, stdout, stderr });
    });
  });
}

/** mksquashfs/unsquashfs are there (squashfs-tools): the squashfs images need them. */
export const hasSquashfs = (() => {
  try {
    execFileSync('mksquashfs', ['-version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
