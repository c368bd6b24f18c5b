// A client of one repository on a registry speaking the distribution API v2: GETs under
// /v2/<repo>/, authenticated the way the registry asks (anonymous, Basic, or the Bearer
// token flow: a 401 names a token server, which hands out a token for the repository's
// pull scope), retried a bounded number of times when the registry or the network fails.
import type { IncomingMessage } from 'node:http';
import { CorralError } from '../../util/errors.js';
import { discard, get, readBody } from './registry-http.js';
import { parseChallenges, type RegistryRef } from './registry-ref.js';

export interface ClientOptions {
  /** plain http instead of https (a local or test registry) */
  insecure: boolean;
  creds?: { user: string; password: string };
  timeoutMs?: number;
  /** attempts per request when the network or a 5xx fails it */
  attempts?: number;
}

const TRANSIENT = new Set([408, 429, 500, 502, 503, 504]);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function describe(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

export class RegistryClient {
  readonly base: URL;
  private authorization: string | undefined;
  private readonly timeoutMs: number;
  private readonly attempts: number;

  constructor(readonly ref: RegistryRef, private readonly opts: ClientOptions) {
    this.base = new URL(`${opts.insecure ? 'http' : 'https'}://${ref.host}/`);
    this.timeoutMs = opts.timeoutMs ?? 30_000;
    this.attempts = opts.attempts ?? 3;
  }

  private basic(): string | undefined {
    const c = this.opts.creds;
    return c ? `Basic ${Buffer.from(`${c.user}:${c.password}`).toString('base64')}` : undefined;
  }

  /** One GET with transient failures retried; redirects followed. */
  private async send(url: URL, headers: Record<string, string>): Promise<IncomingMessage> {
    for (let attempt = 1; ; attempt++) {
      try {
        const { res } = await get(url, { headers, timeoutMs: this.timeoutMs, allowHttp: this.opts.insecure });
        if (!TRANSIENT.has(res.statusCode ?? 0) || attempt >= this.attempts) return res;
        discard(res);
      } catch (e) {
        if (e instanceof CorralError) throw e;
        const code = String((e as { code?: unknown }).code ?? '');
        if (/CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS/.test(code)) {
          throw new CorralError('PERMISSION', `cannot reach ${url.origin}: ${describe(e)}`, { hint: 'trust its certificate authority: NODE_EXTRA_CA_CERTS=FILE.pem' });
        }
        if (attempt >= this.attempts) {
          throw new CorralError('NOT_FOUND', `cannot reach ${url.origin}: ${describe(e)}`, {
            hint: this.opts.insecure ? 'is the registry running there?' : 'is the registry running there? a plain-http registry needs --tls-verify=false',
          });
        }
      }
      await sleep(250 * 2 ** attempt);
    }
  }

  /** What the 401's challenge asks for, as an Authorization header value. */
  private async authenticate(header: string | undefined): Promise<string> {
    const challenges = parseChallenges(header ?? '');
    const bearer = challenges.find((c) => c.scheme === 'bearer');
    if (bearer) return `Bearer ${await this.token(bearer.params)}`;
    if (challenges.some((c) => c.scheme === 'basic')) {
      const basic = this.basic();
      if (basic) return basic;
      throw new CorralError('PERMISSION', `${this.base.host} wants a user name and password for ${this.ref.repo}`, { hint: 'give them: --creds USER:PASSWORD' });
    }
    throw new CorralError('PERMISSION', `${this.base.host} refused access to ${this.ref.repo} (WWW-Authenticate: ${header ?? 'none'})`);
  }

  /** The token flow: GET realm?service=...&scope=..., Basic credentials if we have them. */
  private async token(params: Record<string, string>): Promise<string> {
    let realm: URL;
    try {
      realm = new URL(params.realm ?? '');
    } catch {
      throw new CorralError('PERMISSION', `${this.base.host} names no usable token realm ("${params.realm ?? ''}")`);
    }
    if (realm.protocol !== 'https:' && !(realm.protocol === 'http:' && this.opts.insecure)) {
      throw new CorralError('PERMISSION', `the token realm ${realm.href} is not https`, { hint: 'only with --tls-verify=false' });
    }
    if (params.service) realm.searchParams.set('service', params.service);
    realm.searchParams.set('scope', params.scope ?? `repository:${this.ref.repo}:pull`);
    const basic = this.basic();
    const res = await this.send(realm, basic ? { authorization: basic } : {});
    const body = await readBody(res, 1 << 20, `the token answer of ${realm.origin}`);
    if (res.statusCode !== 200) {
      throw new CorralError('PERMISSION', `the token server ${realm.origin} answered ${res.statusCode} for ${this.ref.repo}`, { hint: basic ? 'are the --creds right?' : 'does it need --creds USER:PASSWORD?' });
    }
    let answer: { token?: unknown; access_token?: unknown };
    try {
      answer = JSON.parse(body.toString('utf8')) as typeof answer;
    } catch {
      throw new CorralError('PERMISSION', `the token server ${realm.origin} answered no JSON`);
    }
    const token = typeof answer.token === 'string' && answer.token ? answer.token : answer.access_token;
    if (typeof token !== 'string' || token === '' || /[\s]/.test(token)) throw new CorralError('PERMISSION', `the token server ${realm.origin} gave no token`);
    return token;
  }

  /** GET /v2/<repo>/<path>, authenticating once when the registry answers 401; any other status is the caller's. */
  async fetch(path: string, headers: Record<string, string> = {}): Promise<IncomingMessage> {
    const url = new URL(`/v2/${this.ref.repo}/${path}`, this.base);
    for (let authTries = 0; ; authTries++) {
      const res = await this.send(url, this.authorization ? { ...headers, authorization: this.authorization } : headers);
      if (res.statusCode !== 401 && res.statusCode !== 403) return res;
      discard(res);
      if (authTries >= 1 || res.statusCode === 403) {
        throw new CorralError('PERMISSION', `${this.base.host} denied ${this.ref.repo} (${res.statusCode})`, { hint: this.opts.creds ? 'are the --creds right?' : 'does it need --creds USER:PASSWORD?' });
      }
      this.authorization = await this.authenticate(res.headers['www-authenticate']);
    }
  }
}
