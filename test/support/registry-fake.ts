// A registry of a test's own on loopback (node:http), for what the real one will not do on
// request: serve a corrupt blob, redirect blobs to another path, ask for Bearer tokens from
// its own /token endpoint or for Basic credentials, count what it was asked. It speaks the
// distribution API's GETs: /v2/<repo>/manifests/<ref>, /v2/<repo>/blobs/<digest>.
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';

export interface FakeRegistry {
  port: number;
  host: string;
  /** every request: method, path (with query), authorization header */
  log: { path: string; authorization?: string }[];
  /** blob digest -> bytes to send instead of the right ones */
  corrupt: Map<string, Buffer>;
  /** blob digests whose next GET sends half the bytes and then drops the connection */
  cutOnce: Set<string>;
  close(): Promise<void>;
}

export interface Blob {
  digest: string;
  size: number;
  data: Buffer;
}

export function blobOf(data: Buffer | string): Blob {
  const buf = Buffer.isBuffer(data) ? data : Buffer.from(data);
  return { digest: `sha256:${createHash('sha256').update(buf).digest('hex')}`, size: buf.length, data: buf };
}

export interface FakeImage {
  manifest: Blob;
  blobs: Blob[];
}

/** An image manifest (Docker schema2 or OCI) with its config and layers. */
export function fakeImage(layers: Buffer[], config: object, oci = true, architecture = 'amd64'): FakeImage {
  const cfg = blobOf(JSON.stringify({ architecture, os: 'linux', config, rootfs: { type: 'layers', diff_ids: [] } }));
  const ls = layers.map((l) => blobOf(l));
  const manifest = blobOf(JSON.stringify({
    schemaVersion: 2,
    mediaType: oci ? 'application/vnd.oci.image.manifest.v1+json' : 'application/vnd.docker.distribution.manifest.v2+json',
    config: { mediaType: oci ? 'application/vnd.oci.image.config.v1+json' : 'application/vnd.docker.container.image.v1+json', digest: cfg.digest, size: cfg.size },
    layers: ls.map((l) => ({ mediaType: oci ? 'application/vnd.oci.image.layer.v1.tar' : 'application/vnd.docker.image.rootfs.diff.tar.gzip', digest: l.digest, size: l.size })),
  }));
  return { manifest, blobs: [cfg, ...ls] };
}

/** An index (or Docker manifest list) of images, one per platform. */
export function fakeIndex(entries: { image: FakeImage; architecture: string; variant?: string }[], oci = true): Blob {
  return blobOf(JSON.stringify({
    schemaVersion: 2,
    mediaType: oci ? 'application/vnd.oci.image.index.v1+json' : 'application/vnd.docker.distribution.manifest.list.v2+json',
    manifests: entries.map((e) => ({
      mediaType: oci ? 'application/vnd.oci.image.manifest.v1+json' : 'application/vnd.docker.distribution.manifest.v2+json',
      digest: e.image.manifest.digest,
      size: e.image.manifest.size,
      platform: { os: 'linux', architecture: e.architecture, ...(e.variant ? { variant: e.variant } : {}) },
    })),
  }));
}

export interface FakeOptions {
  repo: string;
  /** tag -> manifest or index */
  tags: Record<string, Blob>;
  /** every manifest and blob it serves by digest */
  blobs: Blob[];
  auth?: { kind: 'bearer' | 'basic'; user: string; password: string };
  /** blobs answered with a 307 to <origin>/storage/<digest> (a path that needs no auth, like S3's); true: this server's own */
  redirectBlobs?: boolean | string;
  /** serve https with this key and certificate (PEM) */
  tls?: { key: string; cert: string };
}

function typeOf(b: Blob): string {
  return (JSON.parse(b.data.toString()) as { mediaType: string }).mediaType;
}

export async function startFakeRegistry(o: FakeOptions): Promise<FakeRegistry> {
  const byDigest = new Map(o.blobs.map((b) => [b.digest, b]));
  const log: FakeRegistry['log'] = [];
  const corrupt = new Map<string, Buffer>();
  const cutOnce = new Set<string>();
  const token = `tok-${process.pid}`;
  const basic = o.auth ? `Basic ${Buffer.from(`${o.auth.user}:${o.auth.password}`).toString('base64')}` : '';
  let port = 0;
  const send = (res: ServerResponse, status: number, body: Buffer | string, headers: Record<string, string> = {}) => {
    res.writeHead(status, headers);
    res.end(body);
  };
  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    log.push({ path: url.pathname + url.search, authorization: req.headers.authorization });
    if (url.pathname === '/token') {
      if (req.headers.authorization !== basic || url.searchParams.get('service') !== 'fake' || url.searchParams.get('scope') !== `repository:${o.repo}:pull`) return send(res, 401, '{}');
      return send(res, 200, JSON.stringify({ access_token: token }), { 'content-type': 'application/json' });
    }
    const stored = url.pathname.match(/^\/storage\/(sha256:[0-9a-f]{64})$/);
    const m = url.pathname.match(/^\/v2\/(.+)\/(manifests|blobs)\/([^/]+)$/);
    if (!stored && o.auth) {
      const want = o.auth.kind === 'bearer' ? `Bearer ${token}` : basic;
      if (req.headers.authorization !== want) {
        const challenge = o.auth.kind === 'bearer' ? `Bearer realm="${o.tls ? 'https' : 'http'}://127.0.0.1:${port}/token",service="fake",scope="repository:${o.repo}:pull"` : 'Basic realm="fake"';
        return send(res, 401, '{"errors":[{"code":"UNAUTHORIZED"}]}', { 'www-authenticate': challenge });
      }
    }
    const digest = stored?.[1] ?? m?.[3] ?? '';
    const blob = stored ? byDigest.get(digest) : m && m[1] === o.repo ? (m[2] === 'manifests' ? o.tags[m[3]!] ?? byDigest.get(m[3]!) : byDigest.get(m[3]!)) : undefined;
    if (!blob) return send(res, 404, '{"errors":[{"code":"NOT_FOUND"}]}');
    if (m?.[2] === 'manifests') return send(res, 200, blob.data, { 'content-type': typeOf(blob), 'docker-content-digest': blob.digest });
    if (m && o.redirectBlobs) return send(res, 307, '', { location: `${o.redirectBlobs === true ? '' : o.redirectBlobs}/storage/${digest}` });
    if (cutOnce.delete(digest)) {
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(blob.size) });
      res.write(blob.data.subarray(0, blob.size >> 1), () => res.destroy());
      return;
    }
    send(res, 200, corrupt.get(digest) ?? blob.data, { 'content-type': 'application/octet-stream' });
  };
  const server: Server = o.tls ? createHttpsServer(o.tls, handle) : createServer(handle);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
  return {
    port,
    host: `127.0.0.1:${port}`,
    log,
    corrupt,
    cutOnce,
    close: () => new Promise((r) => {
      server.closeAllConnections();
      server.close(() => r());
    }),
  };
}
