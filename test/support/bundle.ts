// OCI bundles for tests: the default spec (as `corral oci spec` writes it) with a busybox
// rootfs, adjusted by the test.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { defaultSpec } from '../../src/runtime/spec/default.js';
import type { Spec } from '../../src/runtime/spec/types.js';
import { makeBusyboxRootfs, tempDir } from './busybox.js';

export interface TestBundle {
  dir: string;
  spec: Spec;
  write(): void;
}

export function makeBundle(args: string[], adjust: (spec: Spec) => void = () => {}): TestBundle {
  const dir = tempDir('bundle');
  makeBusyboxRootfs(join(dir, 'rootfs'));
  const spec = defaultSpec({ args });
  spec.process!.terminal = false;
  spec.root = { path: 'rootfs', readonly: false };
  adjust(spec);
  const bundle = {
    dir,
    spec,
    write() {
      writeFileSync(join(dir, 'config.json'), JSON.stringify(spec, null, 2));
    },
  };
  bundle.write();
  return bundle;
}
