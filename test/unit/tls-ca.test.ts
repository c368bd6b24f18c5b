import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rootCertificates } from 'node:tls';
import { caCertificates } from '../../src/util/tls-ca.js';

test('no NODE_EXTRA_CA_CERTS: Node keeps its own roots (no ca option)', () => {
  assert.equal(caCertificates({}), undefined);
});

test('NODE_EXTRA_CA_CERTS adds its certificates to the bundled roots', () => {
  const dir = mkdtempSync(join(tmpdir(), 'corral-ca-'));
  try {
    const pem = `-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----\n`;
    writeFileSync(join(dir, 'extra.pem'), `junk\n${pem}${pem}`);
    const ca = caCertificates({ NODE_EXTRA_CA_CERTS: join(dir, 'extra.pem') });
    assert.equal(ca?.length, rootCertificates.length + 2);
    assert.ok(ca?.at(-1)?.startsWith('-----BEGIN CERTIFICATE-----'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
