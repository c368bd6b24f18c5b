// lxc-create: name checked, template found, directory reserved, config written (global
// defaults, the user's -f file, the rootfs), template run, its config appended. Any
// failure removes the half-made container. An ordinary user's container also gets a user
// namespace (its own lxc.idmap, or one computed from /etc/subuid), its template runs as the
// root of that namespace, and it has no network unless asked.
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { CleanupError } from '../util/errors.js';
import { loadConfig } from './config/index.js';
import { DEFAULT_CONF } from './lxcpath.js';
import { validateName } from './names.js';
import type { ContainerStore } from './store.js';
import { withDefaultNetwork } from './net/defaults.js';
import { findTemplate, type TemplateResult } from './templates/index.js';
import { callerPerson, isRootCaller, subidRanges, userDefaultConf } from './userns/caller.js';
import { userMaps, withUserNetwork } from './userns/policy.js';
import { removeAsContainerRoot } from './userns/remove.js';
import { runTemplateInUserns } from './userns/template.js';

export interface CreateOptions {
  template: string;
  templateArgs?: string[];
  /** -f: a config file whose lines go into the new config */
  configFile?: string;
  /** the global defaults (LXC's default.conf); default $CORRAL_DEFAULT_CONF, else /etc/corral/default.conf (root) or ~/.config/corral/default.conf */
  defaultsFile?: string;
  progress?: (message: string) => void;
  /** what the user should know about choices made for them (a computed id map, no network) */
  note?: (message: string) => void;
}

function initialConfig(store: ContainerStore, name: string, opts: CreateOptions): string {
  const parts = [`# Corral container ${name}, created ${new Date().toISOString()}`];
  const defaults = opts.defaultsFile ?? (process.env.CORRAL_DEFAULT_CONF || (isRootCaller() ? DEFAULT_CONF : userDefaultConf()));
  if (existsSync(defaults)) parts.push(`# from ${defaults}`, readFileSync(defaults, 'utf8').trimEnd());
  if (opts.configFile) parts.push(`# from ${opts.configFile}`, readFileSync(opts.configFile, 'utf8').trimEnd());
  parts.push(`lxc.rootfs.path = dir:${store.defaultRootfs(name)}`);
  return `${parts.join('\n')}\n`;
}

export async function createContainer(store: ContainerStore, name: string, opts: CreateOptions): Promise<void> {
  validateName(name);
  const template = findTemplate(opts.template);
  const progress = opts.progress ?? (() => {});
  const note = opts.note ?? (() => {});
  const root = isRootCaller();
  const path = store.reserve(name);
  let userNs: { maps: Parameters<typeof runTemplateInUserns>[1]; who: ReturnType<typeof callerPerson> } | undefined;
  try {
    // written first: LXC's external templates append to it
    writeFileSync(store.configPath(name), initialConfig(store, name, opts), { mode: 0o640 });
    const job = { name, path, rootfs: store.defaultRootfs(name), template: template.name, args: opts.templateArgs ?? [] };
    let result: TemplateResult;
    if (root) {
      result = await template.run({ ...job, progress });
    } else {
      const who = callerPerson();
      const chosen = userMaps(loadConfig(store.configPath(name), { name }), who, subidRanges());
      if (chosen.lines.length > 0) appendFileSync(store.configPath(name), `${chosen.lines.join('\n')}\n`);
      if (chosen.note) note(chosen.note);
      userNs = { maps: chosen.maps, who };
      result = await runTemplateInUserns({ ...job, template: opts.template }, chosen.maps, who);
    }
    if (result.config.length > 0) appendFileSync(store.configPath(name), `# from the ${template.name} template\n${result.config.join('\n')}\n`);
    let text = readFileSync(store.configPath(name), 'utf8');
    if (!root) {
      const user = withUserNetwork(text);
      text = user.text;
      if (user.note) note(user.note);
    }
    writeFileSync(store.configPath(name), withDefaultNetwork(text), { mode: 0o640 });
  } catch (err) {
    try {
      progress(`removing the half-made container ${name}`);
      if (userNs) await removeAsContainerRoot(store.dir(name), userNs.maps, userNs.who);
      store.removeDir(name);
    } catch (cleanup) {
      throw new CleanupError(err, cleanup);
    }
    throw err;
  }
}
