// An ordinary user's `create`: the template runs as the root of the container's user
// namespace (this CLI again, `corral internal template`, under the helper with the maps
// written by newuidmap/newgidmap), so every file it writes belongs to the container's root
// on disk, set-id bits and modes as the template made them — the rootfs LXC's templates
// leave under lxc-usernsexec.
import { chownSync, lstatSync } from 'node:fs';
import { corralCommand } from '../../util/self.js';
import { CorralError } from '../../util/errors.js';
import type { IdMap } from '../config/model.js';
import { findTemplate, type TemplateResult } from '../templates/index.js';
import { usernsExec } from './exec.js';
import type { Person } from './subid.js';

export interface TemplateJob {
  name: string;
  /** the container directory */
  path: string;
  rootfs: string;
  template: string;
  args: string[];
}

const RESULT_PREFIX = 'corral-template-result ';

/** In the parent: run the template in the user namespace and read back its config lines. */
export async function runTemplateInUserns(job: TemplateJob, maps: readonly Omit<IdMap, 'pos'>[], who: Person): Promise<TemplateResult> {
  const argv = [...corralCommand(), 'internal', 'template', job.name, '--path', job.path, '--rootfs', job.rootfs, '--template', job.template, '--', ...job.args];
  const { code, stdout } = await usernsExec({ maps, who, argv, context: `create container "${job.name}": template ${job.template} in its user namespace`, stdio: ['ignore', 'pipe', 'inherit'] });
  const line = stdout.split('\n').reverse().find((l) => l.startsWith(RESULT_PREFIX));
  if (code !== 0 || !line) {
    throw new CorralError('INTERNAL', `create container "${job.name}": the ${job.template} template failed in the container's user namespace (exit status ${code})`, {
      hint: job.template === 'debian' ? 'the debian template needs real root (debootstrap makes device nodes): create it as root' : 'the template\'s own error is printed above',
    });
  }
  return JSON.parse(line.slice(RESULT_PREFIX.length)) as TemplateResult;
}

/**
 * In the child (root of the user namespace): the container directory, the caller's, gets the
 * container root's group, so that the container's root can reach its rootfs (0770, as for a
 * root-made unprivileged container); then the template; the result goes to stdout.
 */
export async function templateInNamespace(job: TemplateJob, progress: (m: string) => void): Promise<string> {
  const st = lstatSync(job.path);
  chownSync(job.path, st.uid, 0);
  const result = await findTemplate(job.template).run({ name: job.name, path: job.path, rootfs: job.rootfs, args: job.args, progress });
  return `${RESULT_PREFIX}${JSON.stringify(result)}\n`;
}
