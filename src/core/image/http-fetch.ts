// HTTP(S) downloads with node:http/https, bounded everywhere: a timeout on every request
// (no byte for `idleMs` = dead), at most MAX_REDIRECTS redirects (never https -> http),
// a few retries with a short backoff for what a retry can fix (a reset, a timeout, a cut
// response, a 5xx), and a size cap on documents read into memory.
//
// Files go to a `.part` file first. A retry after a cut asks for the rest
// (`Range: bytes=N-`): a 206 whose Content-Range starts at N is appended, a 200 means the
// server ignored the range and the part starts over. The decisions are pure functions
// (resumeFrom, resumeAction) so they are unit-tested without a server.
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, renameSync, rmSync, statSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { CorralError, errnoCode } from '../../util/errors.js';
import { caCertificates } from '../../util/tls-ca.js';

export const MAX_REDIRECTS = 5;
export const DEFAULT_RETRIES = 3;

export interface FetchOptions {
  /** give up on a request that sends nothing for this long (default 30 s) */
  idleMs?: number;
  /** attempts after the first for transient failures (default 3) */
  retries?: number;
  /** first backoff between attempts, doubled each time (default 250 ms) */
  backoffMs?: number;
}

/** A failure that another attempt may not have (network, cut response, 5xx). */
class Transient extends Error {}

interface Response {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: http.IncomingMessage;
  url: string;
}

function networkError(url: string, err: unknown): CorralError {
  const code = errnoCode(err);
  const msg = err instanceof Error ? err.message : String(err);
  return new CorralError('NOT_FOUND', `cannot reach ${url}: ${code && !msg.includes(code) ? `${code} ` : ''}${msg}`, {
    hint: 'check the network and the --server URL',
  });
}

/** A certificate the client does not trust: no retry will change that. */
function tlsError(url: URL, e: Error): CorralError | undefined {
  const code = errnoCode(e) ?? '';
  if (!/CERT|SIGNATURE|TLS|SSL/.test(code)) return undefined;
  return new CorralError('PERMISSION', `${url.origin}: the TLS connection was refused: ${e.message} (${code})`, {
    hint: 'the server\'s certificate is not trusted here: check --server, or give a private CA with NODE_EXTRA_CA_CERTS=FILE',
  });
}

function requestOnce(url: URL, headers: Record<string, string>, idleMs: number): Promise<Response> {
  return new Promise((resolve, reject) => {
    const onResponse = (res: http.IncomingMessage) => {
      res.setTimeout(idleMs, () => res.destroy(new Transient(`no data for ${idleMs / 1000} s`)));
      resolve({ status: res.statusCode ?? 0, headers: res.headers, body: res, url: url.href });
    };
    const h = { 'user-agent': 'corral', ...headers };
    // bin/corral hides NODE_EXTRA_CA_CERTS from Node's start-up: its CAs are passed here
    const req = url.protocol === 'https:' ? https.get(url, { headers: h, ca: caCertificates() }, onResponse) : http.get(url, { headers: h }, onResponse);
    req.setTimeout(idleMs, () => req.destroy(new Transient(`no answer in ${idleMs / 1000} s`)));
    req.on('error', (e) => reject(e instanceof Transient ? e : tlsError(url, e) ?? new Transient(e.message)));
  });
}

/** GET with redirects followed (bounded, never from https down to http). */
async function get(url: string, headers: Record<string, string>, idleMs: number): Promise<Response> {
  let current = new URL(url);
  for (let hop = 0; ; hop++) {
    if (current.protocol !== 'http:' && current.protocol !== 'https:') {
      throw new CorralError('INVALID_ARGUMENT', `${current.href}: only http:// and https:// are supported`);
    }
    const res = await requestOnce(current, headers, idleMs);
    if (![301, 302, 303, 307, 308].includes(res.status)) return res;
    res.body.resume();
    const location = res.headers.location;
    if (!location) throw new CorralError('INVALID_ARGUMENT', `${current.href} redirects (${res.status}) without a Location`);
    if (hop + 1 > MAX_REDIRECTS) throw new CorralError('INVALID_ARGUMENT', `${url}: more than ${MAX_REDIRECTS} redirects`, { hint: 'check the --server URL' });
    const next = new URL(location, current);
    if (current.protocol === 'https:' && next.protocol === 'http:') {
      throw new CorralError('PERMISSION', `${current.href} redirects to ${next.href}: refusing to go from https to plain http`);
    }
    current = next;
  }
}

function statusError(res: Response): Error {
  res.body.resume();
  if (res.status >= 500 || res.status === 429) return new Transient(`HTTP ${res.status}`);
  return new CorralError('NOT_FOUND', `${res.url}: HTTP ${res.status}`, {
    hint: res.status === 404 ? 'the server does not have this file: check --server, or the image was removed (run again to pick the current build)' : 'check the --server URL',
  });
}

/** Run `attempt` until it succeeds, a non-transient error, or the retries are spent. */
async function withRetries<T>(url: string, o: FetchOptions, attempt: (n: number) => Promise<T>, exhausted?: (last: Error) => CorralError): Promise<T> {
  const retries = o.retries ?? DEFAULT_RETRIES;
  for (let n = 0; ; n++) {
    try {
      return await attempt(n);
    } catch (err) {
      if (!(err instanceof Transient)) throw err;
      if (n >= retries) throw exhausted ? exhausted(err) : networkError(url, err);
      await new Promise((r) => setTimeout(r, (o.backoffMs ?? 250) * 2 ** n));
    }
  }
}

/** A whole (small) document: index.json, images.json. */
export async function fetchBytes(url: string, maxBytes: number, o: FetchOptions = {}): Promise<Buffer> {
  return withRetries(url, o, async () => {
    const res = await get(url, {}, o.idleMs ?? 30_000);
    if (res.status !== 200) throw statusError(res);
    const chunks: Buffer[] = [];
    let total = 0;
    await new Promise<void>((resolve, reject) => {
      res.body.on('data', (d: Buffer) => {
        total += d.length;
        if (total > maxBytes) res.body.destroy(new CorralError('INVALID_ARGUMENT', `${url} is larger than ${maxBytes} bytes`, { hint: 'check the --server URL' }));
        else chunks.push(d);
      });
      res.body.on('error', (e) => reject(e instanceof CorralError || e instanceof Transient ? e : new Transient(e.message)));
      res.body.on('aborted', () => reject(new Transient('the response was cut short')));
      res.body.on('end', () => resolve());
    });
    const length = Number(res.headers['content-length']);
    if (Number.isFinite(length) && res.headers['content-length'] !== undefined && length !== total) throw new Transient(`got ${total} of ${length} bytes`);
    return Buffer.concat(chunks);
  });
}

/** Where to resume a part file of `have` bytes for a file of `size`: 0 = from scratch. */
export function resumeFrom(have: number, size: number): number {
  return have > 0 && have < size ? have : 0;
}

/** What to do with the answer to a request from byte `from`. */
export function resumeAction(from: number, status: number, contentRange: string | undefined): 'append' | 'restart' | 'error' {
  if (status === 200) return 'restart';
  if (status !== 206 || from === 0) return 'error';
  const m = /^bytes (\d+)-\d+\/(\d+|\*)$/.exec(contentRange ?? '');
  return m && Number(m[1]) === from ? 'append' : 'error';
}

export interface FileDownload {
  url: string;
  /** the final path; data goes to `${dest}.part` first */
  dest: string;
  size: number;
  sha256: string;
  /** for messages: "rootfs.tar.xz" */
  label: string;
  onProgress?: (received: number, total: number) => void;
  /** called when a part file is continued (for the report) */
  onResume?: (from: number) => void;
}

export async function sha256File(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest('hex');
}

function sizeOf(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

/** One request: the rest of the part (or all of it), appended; Transient when cut short. */
async function fetchInto(d: FileDownload, part: string, o: FetchOptions): Promise<void> {
  let from = resumeFrom(sizeOf(part), d.size);
  if (from === 0) rmSync(part, { force: true });
  const res = await get(d.url, from > 0 ? { range: `bytes=${from}-` } : {}, o.idleMs ?? 30_000);
  if (from > 0 && res.status === 416) {
    // the part does not fit the file the server has now: start over
    res.body.resume();
    rmSync(part, { force: true });
    throw new Transient(`the server refused the range from byte ${from} (416)`);
  }
  if (res.status !== 200 && res.status !== 206) throw statusError(res);
  const action = from > 0 ? resumeAction(from, res.status, res.headers['content-range']) : res.status === 200 ? 'restart' : 'error';
  if (action === 'error') {
    res.body.resume();
    rmSync(part, { force: true });
    throw new Transient(`the server answered the range request from byte ${from} with ${res.status} ${res.headers['content-range'] ?? ''}`);
  }
  if (action === 'append') d.onResume?.(from);
  else from = 0;
  // a large buffer: the body is paused only when the disk is much slower than the network,
  // since bytes still queued in a paused body are lost when the connection breaks
  const out = createWriteStream(part, { flags: action === 'append' ? 'a' : 'w', mode: 0o600, highWaterMark: 4 << 20 });
  let received = from;
  await new Promise<void>((resolve, reject) => {
    let failed = false;
    const fail = (e: Error) => {
      if (failed) return;
      failed = true;
      // a cut keeps every byte received so far (destroy would drop the stream's buffer): the
      // next attempt resumes after them
      if (e instanceof Transient && !out.destroyed) out.end(() => reject(e));
      else if (out.closed) reject(e);
      else {
        // once closed: a stream still opening its file would otherwise create it after
        // the caller has removed the part
        out.once('close', () => reject(e));
        out.destroy();
      }
    };
    res.body.on('data', (chunk: Buffer) => {
      received += chunk.length;
      if (received > d.size) {
        res.body.destroy();
        fail(new CorralError('INVALID_ARGUMENT', `${d.label} from ${d.url}: the server sent more than the ${d.size} bytes the image index gives`, {
          hint: 'the server or a proxy changed the file: try again later or another --server',
        }));
        return;
      }
      if (!out.write(chunk)) res.body.pause();
      d.onProgress?.(received, d.size);
    });
    out.on('drain', () => res.body.resume());
    out.on('error', fail);
    res.body.on('error', (e) => fail(e instanceof CorralError ? e : new Transient(`the download was cut: ${e.message}`)));
    res.body.on('aborted', () => fail(new Transient('the download was cut')));
    res.body.on('end', () => out.end(() => resolve()));
  });
  if (sizeOf(part) < d.size) throw new Transient(`the download stopped at ${sizeOf(part)} of ${d.size} bytes`);
}

function hashError(d: FileDownload, got: string): CorralError {
  return new CorralError('INVALID_ARGUMENT', `${d.label} from ${d.url} is corrupt: sha256 ${got}, expected ${d.sha256} (size ${d.size})`, {
    hint: 'the file was damaged on the server or on the way; nothing was kept. Try again later, or another --server',
  });
}

/**
 * Download `d.url` to `d.dest`, resuming a `.part` left by an earlier attempt, then check
 * size and sha256. A hash mismatch after a resume may be the old part's fault: the part
 * goes and the file is fetched once more from scratch before giving up.
 */
export async function downloadFile(d: FileDownload, o: FetchOptions = {}): Promise<void> {
  const part = `${d.dest}.part`;
  for (let fresh = 0; ; fresh++) {
    // a part of full size is a download that ended right before its check: check it
    if (sizeOf(part) !== d.size) await withRetries(d.url, o, () => fetchInto(d, part, o), (last) => new CorralError('NOT_FOUND', `downloading ${d.label} from ${d.url} failed: ${last.message} (${sizeOf(part)} of ${d.size} bytes kept)`, {
      hint: 'run the same command again: the download resumes where it stopped',
    }));
    const size = sizeOf(part);
    if (size !== d.size) {
      rmSync(part, { force: true });
      throw new CorralError('INVALID_ARGUMENT', `${d.label} from ${d.url} has ${size} bytes, expected ${d.size}`, { hint: 'try again later, or another --server' });
    }
    const got = await sha256File(part);
    if (got === d.sha256) {
      renameSync(part, d.dest);
      return;
    }
    rmSync(part, { force: true });
    if (fresh >= 1) throw hashError(d, got);
  }
}
