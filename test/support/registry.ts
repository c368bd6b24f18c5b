// A real registry for tests: Debian's docker-registry (distribution 2.8) serving plain http
// on a free loopback port from a temporary directory, optionally behind htpasswd (Basic) or
// token auth. The token server is the test's own (node:http on loopback): it checks Basic
// credentials and hands out RS256 JWTs signed with a key whose self-signed certificate
// (made by openssl) is the registry's rootcertbundle, the chain sent in the token's x5c.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createSign, randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

export function hasRegistryTools(): string | false {
  for (const [bin, pkg] of [['/usr/bin/docker-registry', 'docker-registry'], ['/usr/bin/skopeo', 'skopeo'], ['/usr/bin/htpasswd', 'apache2-utils'], ['/usr/bin/openssl', 'openssl']]) {
    if (!existsSync(bin!)) return `needs ${pkg}`;
  }
  return false;
}

export async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Any HTTP answer from GET /v2/ (200, or 401 behind auth) means it is up. */
function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: '/v2/', timeout: 1000 }, (res) => {
      res.resume();
      resolve(true);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
    req.end();
  });
}

export interface Registry {
  host: string;
  /** the registry's own log (access log included) */
  log(): string;
  stop(): Promise<void>;
}

export type RegistryAuth =
  | { htpasswd: string }
  | { token: { realm: string; service: string; issuer: string; rootcertbundle: string } };

/** docker-registry serve, storage and config under `dir`, on 127.0.0.1 only; waits until it answers (at most 10 s). */
export async function startRegistry(dir: string, auth?: RegistryAuth): Promise<Registry> {
  mkdirSync(join(dir, 'data'), { recursive: true });
  const port = await freePort();
  const authYaml = !auth ? '' : 'htpasswd' in auth
    ? `auth:\n  htpasswd:\n    realm: corral-test\n    path: ${auth.htpasswd}\n`
    : `auth:\n  token:\n    realm: ${auth.token.realm}\n    service: ${auth.token.service}\n    issuer: ${auth.token.issuer}\n    rootcertbundle: ${auth.token.rootcertbundle}\n`;
  const config = join(dir, 'config.yml');
  writeFileSync(config, `version: 0.1\nlog:\n  level: info\nstorage:\n  filesystem:\n    rootdirectory: ${join(dir, 'data')}\nhttp:\n  addr: 127.0.0.1:${port}\n  secret: ${randomBytes(8).toString('hex')}\n${authYaml}`);
  const logFile = join(dir, 'registry.log');
  const fd = openSync(logFile, 'w');
  // no REGISTRY_* from the caller's environment may override the config
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('REGISTRY_')));
  const child: ChildProcess = spawn('/usr/bin/docker-registry', ['serve', config], { stdio: ['ignore', fd, fd], env });
  closeSync(fd);
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    if (await Promise.race([exited.then(() => true), sleep(5000).then(() => false)])) return;
    child.kill('SIGKILL');
    await exited;
  };
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) break;
    if (await answers(port)) return { host: `127.0.0.1:${port}`, log: () => readFileSync(logFile, 'utf8'), stop };
    await sleep(100);
  }
  await stop();
  throw new Error(`docker-registry did not come up on 127.0.0.1:${port}:\n${readFileSync(logFile, 'utf8').slice(-2000)}`);
}

/** A bcrypt htpasswd file (the only hash distribution accepts). */
export function htpasswdFile(dir: string, user: string, password: string): string {
  const file = join(dir, 'htpasswd');
  writeFileSync(file, execFileSync('htpasswd', ['-Bbn', user, password], { encoding: 'utf8' }));
  return file;
}

export interface TokenServer {
  realm: string;
  service: string;
  issuer: string;
  cert: string;
  /** each token request: its query and whether its Basic credentials were right */
  log: { query: string; authorized: boolean }[];
  close(): Promise<void>;
}

const b64url = (b: Buffer | string) => Buffer.from(b).toString('base64url');

/** The token server: Basic `user:password` required, every action asked for granted. */
export async function startTokenServer(dir: string, user: string, password: string): Promise<TokenServer> {
  const key = join(dir, 'token.key');
  const cert = join(dir, 'token.crt');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '2', '-subj', '/CN=corral-test-token'], { stdio: 'ignore' });
  const der = execFileSync('openssl', ['x509', '-in', cert, '-outform', 'DER']);
  const pem = readFileSync(key, 'utf8');
  const service = 'corral-test-registry';
  const issuer = 'corral-test-issuer';
  const log: TokenServer['log'] = [];
  const want = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const authorized = req.headers.authorization === want;
    log.push({ query: url.search, authorized });
    if (!authorized || url.pathname !== '/token') {
      res.writeHead(401, { 'content-type': 'application/json' });
      return res.end('{"details":"bad credentials"}');
    }
    // scope=repository:NAME:pull,push (possibly several scope parameters)
    const access = url.searchParams.getAll('scope').map((s) => {
      const [type, ...rest] = s.split(':');
      const actions = rest.pop() ?? '';
      return { type, name: rest.join(':'), actions: actions.split(',') };
    });
    const now = Math.floor(Date.now() / 1000);
    const header = b64url(JSON.stringify({ typ: 'JWT', alg: 'RS256', x5c: [der.toString('base64')] }));
    const claims = b64url(JSON.stringify({ iss: issuer, sub: user, aud: url.searchParams.get('service') ?? '', exp: now + 300, nbf: now - 10, iat: now, jti: randomBytes(8).toString('hex'), access }));
    const signature = createSign('sha256').update(`${header}.${claims}`).sign(pem);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ token: `${header}.${claims}.${b64url(signature)}`, expires_in: 300 }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    realm: `http://127.0.0.1:${port}/token`,
    service,
    issuer,
    cert,
    log,
    close: () => new Promise((r) => {
      server.closeAllConnections();
      server.close(() => r());
    }),
  };
}

/** skopeo copy of an OCI layout's tag (or all of an index with `all`) into the registry, plain
 * http. Asynchronous: the token server it may talk to runs in the test's own event loop. */
export async function skopeoPush(layout: string, tag: string, dest: string, opts: { creds?: string; all?: boolean } = {}): Promise<void> {
  const args = ['copy', '--quiet', '--dest-tls-verify=false', ...(opts.creds ? ['--dest-creds', opts.creds] : []), ...(opts.all ? ['--all'] : []), `oci:${layout}:${tag}`, dest];
  const r = await runAsync('skopeo', args, process.env, 60_000);
  if (r.code !== 0) throw new Error(`skopeo ${args.join(' ')} failed: ${r.stderr}`);
}

/** A program run without blocking the event loop (where the test's servers live), killed after `timeoutMs`. */
export function runAsync(cmd: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (e) => (stderr += e.message));
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? 128, stdout, stderr });
    });
  });
}
