// lxc-create: name checked, template found, directory reserved, config written (global
// defaults, the user's -f file, the rootfs), template run, its config appended. Any
// failure removes the half-made container.
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { CleanupError } from '../util/errors.js';
import { DEFAULT_CONF } from './lxcpath.js';
import { validateName } from './names.js';
import type { ContainerStore } from './store.js';
import { withDefaultNetwork } from './net/defaults.js';
import { findTemplate } from './templates/index.js';

export interface CreateOptions {
  template: string;
  templateArgs?: string[];
  /** -f: a config file whose lines go into the new config */
  configFile?: string;
  /** the global defaults (LXC's default.conf); default $CORRAL_DEFAULT_CONF or /etc/corral/default.conf */
  defaultsFile?: string;
  progress?: (message: string) => void;
}

function initialConfig(store: ContainerStore, name: string, opts: CreateOptions): string {
  const parts = [`# Corral container ${name}, created ${new Date().toISOString()}`];
  const defaults = opts.defaultsFile ?? (process.env.CORRAL_DEFAULT_CONF || DEFAULT_CONF);
  if (existsSync(defaults)) parts.push(`# from ${defaults}`, readFileSync(defaults, 'utf8').trimEnd());
  if (opts.configFile) parts.push(`# from ${opts.configFile}`, readFileSync(opts.configFile, 'utf8').trimEnd());
  parts.push(`lxc.rootfs.path = dir:${store.defaultRootfs(name)}`);
  return `${parts.join('\n')}\n`;
}

export async function createContainer(store: ContainerStore, name: string, opts: CreateOptions): Promise<void> {
  validateName(name);
  const template = findTemplate(opts.template);
  const progress = opts.progress ?? (() => {});
  const path = store.reserve(name);
  try {
    // written first: LXC's external templates append to it
    writeFileSync(store.configPath(name), initialConfig(store, name, opts), { mode: 0o640 });
    const result = await template.run({ name, path, rootfs: store.defaultRootfs(name), args: opts.templateArgs ?? [], progress });
    if (result.config.length > 0) appendFileSync(store.configPath(name), `# from the ${template.name} template\n${result.config.join('\n')}\n`);
    writeFileSync(store.configPath(name), withDefaultNetwork(readFileSync(store.configPath(name), 'utf8')), { mode: 0o640 });
  } catch (err) {
    try {
      progress(`removing the half-made container ${name}`);
      store.removeDir(name);
    } catch (cleanup) {
      throw new CleanupError(err, cleanup);
    }
    throw err;
  }
}
