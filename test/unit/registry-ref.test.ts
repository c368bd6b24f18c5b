// The pure parts of the registry client: image references, WWW-Authenticate challenges,
// the host's platform and the choice of a manifest from an index, the template's arguments.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { hostPlatform, parseChallenges, parseRegistryRef, pickPlatform } from '../../src/core/image/registry-ref.js';
import { parseOciArgs, parseOciUrl } from '../../src/core/templates/oci.js';

const D = `sha256:${'ab'.repeat(32)}`;

describe('registry references', () => {
  test('host, port, nested repository, tag or digest', () => {
    assert.deepEqual(parseRegistryRef('docker://127.0.0.1:5000/app:v1'), { host: '127.0.0.1:5000', repo: 'app', reference: 'v1', byDigest: false });
    assert.deepEqual(parseRegistryRef('docker://reg.example/a/b-c/d_e'), { host: 'reg.example', repo: 'a/b-c/d_e', reference: 'latest', byDigest: false });
    assert.deepEqual(parseRegistryRef(`docker://localhost:80/x@${D}`), { host: 'localhost:80', repo: 'x', reference: D, byDigest: true });
    assert.deepEqual(parseRegistryRef('docker://[::1]:5000/x:1.0-rc_1'), { host: '[::1]:5000', repo: 'x', reference: '1.0-rc_1', byDigest: false });
    assert.deepEqual(parseOciUrl('docker://h:1/r:t'), { kind: 'registry', ref: { host: 'h:1', repo: 'r', reference: 't', byDigest: false } });
  });

  test('what is not a reference', () => {
    for (const bad of ['docker:/x', 'docker://app', 'docker://h/', 'docker://h/App', 'docker://h/a//b', 'docker://h/a:', 'docker://h/a:-x', `docker://h/a@sha256:${'a'.repeat(63)}`, 'docker://h/a@md5:00', 'docker://h:x/a', 'docker://h/../a', `docker://h/a:${'t'.repeat(129)}`]) {
      assert.throws(() => parseRegistryRef(bad), /is not an image reference/, bad);
    }
  });
});

describe('WWW-Authenticate', () => {
  test('bearer with quoted parameters, several challenges, escapes', () => {
    assert.deepEqual(parseChallenges('Bearer realm="https://auth.example/token",service="registry.example",scope="repository:a/b:pull"'), [
      { scheme: 'bearer', params: { realm: 'https://auth.example/token', service: 'registry.example', scope: 'repository:a/b:pull' } },
    ]);
    assert.deepEqual(parseChallenges('Basic realm="Registry Realm", Bearer realm=http://x/t, error="insufficient_scope", charset=UTF-8'), [
      { scheme: 'basic', params: { realm: 'Registry Realm' } },
      { scheme: 'bearer', params: { realm: 'http://x/t', error: 'insufficient_scope', charset: 'UTF-8' } },
    ]);
    assert.deepEqual(parseChallenges('Basic realm="a \\"b\\", c"'), [{ scheme: 'basic', params: { realm: 'a "b", c' } }]);
    assert.deepEqual(parseChallenges(''), []);
    assert.deepEqual(parseChallenges('Bearer'), [{ scheme: 'bearer', params: {} }]);
  });
});

describe('platforms', () => {
  const entry = (architecture: string, variant?: string, os = 'linux') => ({ mediaType: 'm', digest: `${architecture}/${variant ?? ''}/${os}`, size: 1, platform: { os, architecture, variant } });

  test('Node arch names to GOARCH', () => {
    assert.deepEqual(hostPlatform('x64'), { os: 'linux', architecture: 'amd64' });
    assert.deepEqual(hostPlatform('arm64'), { os: 'linux', architecture: 'arm64', variant: 'v8' });
    assert.deepEqual(hostPlatform('ppc64'), { os: 'linux', architecture: 'ppc64le' });
    assert.deepEqual(hostPlatform('s390x'), { os: 'linux', architecture: 's390x' });
  });

  test('the entry for this host, variants, attestations skipped, none fits', () => {
    const list = [entry('arm64', 'v8'), entry('unknown', undefined, 'unknown'), entry('amd64', undefined, 'windows'), entry('amd64'), entry('arm', 'v6'), entry('arm', 'v7')];
    assert.equal(pickPlatform(list, hostPlatform('x64')).digest, 'amd64//linux');
    assert.equal(pickPlatform(list, hostPlatform('arm64')).digest, 'arm64/v8/linux');
    assert.equal(pickPlatform(list, hostPlatform('arm')).digest, 'arm/v7/linux');
    assert.equal(pickPlatform([entry('arm64')], hostPlatform('arm64')).digest, 'arm64//linux');
    assert.throws(() => pickPlatform(list, hostPlatform('s390x')), (e: Error & { hint?: string }) => /no linux\/s390x/.test(e.message) && /arm64\/v8, unknown\/unknown/.test(e.hint ?? ''));
  });
});

describe('oci template arguments', () => {
  test('--url or a bare source, --tls-verify, --insecure, --creds', () => {
    assert.deepEqual(parseOciArgs(['--url', 'oci:/x']), { url: 'oci:/x', tlsVerify: true, creds: undefined });
    assert.deepEqual(parseOciArgs(['docker://h/r', '--tls-verify=false', '--creds', 'u:p:w']), { url: 'docker://h/r', tlsVerify: false, creds: { user: 'u', password: 'p:w' } });
    assert.deepEqual(parseOciArgs(['--insecure', '--url=docker://h/r', '--creds=a:']), { url: 'docker://h/r', tlsVerify: false, creds: { user: 'a', password: '' } });
    assert.equal(parseOciArgs(['-u', 'x', '--tls-verify']).tlsVerify, true);
    assert.throws(() => parseOciArgs([]), /needs an image/);
    assert.throws(() => parseOciArgs(['x', '--tls-verify=no']), /neither true nor false/);
    assert.throws(() => parseOciArgs(['x', '--creds', 'nocolon']), /USER:PASSWORD/);
    assert.throws(() => parseOciArgs(['x', '--creds']), /needs a value/);
    assert.throws(() => parseOciArgs(['x', '--bogus']), /unknown argument/);
  });
});
