// Certificate authorities for the few HTTPS requests Corral makes (image downloads).
// bin/corral starts Node without NODE_EXTRA_CA_CERTS so that no command pays for parsing
// every CA at start-up; Node reads that variable only then, so the requests that do need
// TLS pass the extra certificates themselves, on top of Node's bundled roots.
import { readFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';
import { CorralError } from './errors.js';

let cached: string[] | undefined;

/** The `ca` option for https.request / tls.connect: Node's roots plus NODE_EXTRA_CA_CERTS. */
export function caCertificates(env: NodeJS.ProcessEnv = process.env): string[] | undefined {
  const file = env.NODE_EXTRA_CA_CERTS;
  if (!file) return undefined;
  if (cached) return cached;
  let pem: string;
  try {
    pem = readFileSync(file, 'utf8');
  } catch (err) {
    throw new CorralError('INVALID_ARGUMENT', `cannot read NODE_EXTRA_CA_CERTS=${file}: ${(err as Error).message}`, { hint: 'unset it or point it at a PEM file' });
  }
  const extra = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  cached = [...rootCertificates, ...extra];
  return cached;
}
