// HTTP for the registry client: one GET with an idle timeout on the socket and an overall
// deadline for the response head, redirects followed a bounded number of times (a blob is
// often served from another host: the Authorization header never goes along to it), and a
// body read with a size cap. node:http/https, no dependencies.
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { CorralError } from '../../util/errors.js';
import { caCertificates } from '../../util/tls-ca.js';

export const MAX_REDIRECTS = 5;

export interface GetOptions {
  headers?: Record<string, string>;
  /** no response head within this time, or a body silent this long: the request fails */
  timeoutMs: number;
  /** allow a redirect from https to plain http (only when the user allowed plain http) */
  allowHttp?: boolean;
}

function once(url: URL, headers: Record<string, string>, timeoutMs: number): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const options = { method: 'GET', headers: { 'user-agent': 'corral', ...headers } };
    // bin/corral starts Node without NODE_EXTRA_CA_CERTS: its certificates come in here
    const req = url.protocol === 'https:' ? httpsRequest(url, { ...options, ca: caCertificates() }) : httpRequest(url, options);
    let response: IncomingMessage | undefined;
    const deadline = setTimeout(() => req.destroy(new Error(`no answer within ${timeoutMs / 1000} s`)), timeoutMs);
    // the same limit for silence on the socket while a body streams; the body's reader
    // gets this reason rather than a bare "aborted"
    req.setTimeout(timeoutMs, () => {
      const e = new Error(`no data for ${timeoutMs / 1000} s`);
      response?.destroy(e);
      req.destroy(e);
    });
    req.on('response', (res) => {
      clearTimeout(deadline);
      response = res;
      resolve(res);
    });
    req.on('error', (e) => {
      clearTimeout(deadline);
      reject(e);
    });
    req.end();
  });
}

/** Throw away what is left of a response so its socket is freed. */
export function discard(res: IncomingMessage): void {
  res.resume();
  res.on('error', () => {});
}

/** GET `url`, redirects followed (at most MAX_REDIRECTS); the final response, body unread. */
export async function get(url: URL, opts: GetOptions): Promise<{ res: IncomingMessage; url: URL }> {
  let current = url;
  let headers = { ...(opts.headers ?? {}) };
  for (let hops = 0; ; hops++) {
    const res = await once(current, headers, opts.timeoutMs);
    const location = res.headers.location;
    if (![301, 302, 303, 307, 308].includes(res.statusCode ?? 0) || !location) return { res, url: current };
    discard(res);
    if (hops >= MAX_REDIRECTS) throw new CorralError('INVALID_ARGUMENT', `${url.href}: more than ${MAX_REDIRECTS} redirects`);
    const next = new URL(location, current);
    if (next.protocol !== 'https:' && next.protocol !== 'http:') throw new CorralError('INVALID_ARGUMENT', `${current.href} redirects to ${next.protocol} URL`);
    if (next.protocol === 'http:' && current.protocol === 'https:' && !opts.allowHttp) {
      throw new CorralError('PERMISSION', `${current.href} redirects to plain http (${next.origin})`, { hint: 'only with --tls-verify=false' });
    }
    // credentials are for the registry, not for a storage host it sends us to
    if (next.origin !== current.origin) {
      headers = Object.fromEntries(Object.entries(headers).filter(([k]) => k.toLowerCase() !== 'authorization'));
    }
    current = next;
  }
}

/** The whole body, at most `max` bytes. */
export async function readBody(res: IncomingMessage, max: number, what: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of res) {
      size += (chunk as Buffer).length;
      if (size > max) {
        res.destroy();
        throw new CorralError('INVALID_ARGUMENT', `${what} is larger than ${max} bytes`);
      }
      chunks.push(chunk as Buffer);
    }
  } catch (e) {
    if (e instanceof CorralError) throw e;
    throw new CorralError('NOT_FOUND', `reading ${what} failed: ${e instanceof Error ? e.message : String(e)}`);
  }
  return Buffer.concat(chunks);
}
