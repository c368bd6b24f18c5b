// An OCI layout whose tag names an image index of several platforms, each image built by
// buildLayout (test/support/oci-layout.ts) into the same blobs directory.
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildLayout } from './oci-layout.js';

interface Entry {
  layers: { file: string; mediaType: string }[];
  config: object;
  architecture: string;
  variant?: string;
}

export function buildIndexLayout(dir: string, entries: Entry[], tag: string): string {
  const manifests = entries.map((e, i) => {
    buildLayout(dir, e.layers, e.config, `${tag}-${i}`);
    const [m] = (JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')) as { manifests: { mediaType: string; digest: string; size: number }[] }).manifests;
    return { mediaType: m!.mediaType, digest: m!.digest, size: m!.size, platform: { os: 'linux', architecture: e.architecture, ...(e.variant ? { variant: e.variant } : {}) } };
  });
  const index = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests }));
  const hex = createHash('sha256').update(index).digest('hex');
  writeFileSync(join(dir, 'blobs/sha256', hex), index);
  writeFileSync(join(dir, 'index.json'), JSON.stringify({
    schemaVersion: 2,
    manifests: [{ mediaType: 'application/vnd.oci.image.index.v1+json', digest: `sha256:${hex}`, size: index.length, annotations: { 'org.opencontainers.image.ref.name': tag } }],
  }));
  return dir;
}
