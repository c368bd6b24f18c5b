// Cross-field rules for config.json, mostly the ones runc's libcontainer/configs/validate
// enforces, so a config that runc rejects is rejected here too (with a JSONPath to the culprit).
// Runs after the structural pass: values are well-typed, only their meaning is checked.
import { statSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import type { Ctx } from './schema.js';
import { checkEnv } from './semantic-process.js';
import type { Hook, Namespace, NamespaceType, Spec } from './types.js';

type NsMap = Map<NamespaceType, Namespace>;

export function namespaceMap(spec: Spec): NsMap {
  const map: NsMap = new Map();
  for (const ns of spec.linux?.namespaces ?? []) if (!map.has(ns.type)) map.set(ns.type, ns);
  return map;
}

const VERSION_1X = /^1\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/;

export function checkVersion(spec: Spec, ctx: Ctx): void {
  if (!VERSION_1X.test(spec.ociVersion)) {
    ctx.issues.push({ path: '$.ociVersion', message: `must be a 1.x version such as "1.2.0", got ${JSON.stringify(spec.ociVersion)}` });
  }
}

/** Resolves root.path against the bundle (the spec allows a bundle-relative path) and checks
 *  the rootfs is a directory now, rather than failing obscurely at pivot_root time. */
export function resolveRoot(spec: Spec, bundle: string, ctx: Ctx): void {
  if (!spec.root) return void ctx.issues.push({ path: '$.root', message: 'required field is missing' });
  const given = spec.root.path;
  if (given === '') return void ctx.issues.push({ path: '$.root.path', message: 'must not be empty' });
  const abs = resolve(bundle, given);
  let isDir: boolean;
  try {
    isDir = statSync(abs).isDirectory();
  } catch {
    return void ctx.issues.push({ path: '$.root.path', message: `root.path ${JSON.stringify(given)} (${abs}) does not exist` });
  }
  if (!isDir) ctx.issues.push({ path: '$.root.path', message: `root.path ${JSON.stringify(given)} (${abs}) is not a directory` });
  spec.root.path = abs;
}

/** runc 1.1 accepts relative destinations (warning, then treats them as absolute); keep
 *  those configs working. A missing type is only meaningful for bind mounts. */
export function normalizeMounts(spec: Spec, ctx: Ctx): void {
  spec.mounts?.forEach((m, i) => {
    const at = `$.mounts[${i}]`;
    if (m.destination === '') ctx.issues.push({ path: `${at}.destination`, message: 'must not be empty' });
    else if (!m.destination.startsWith('/')) {
      ctx.warnings.push({ path: `${at}.destination`, message: `relative destination ${JSON.stringify(m.destination)} is deprecated; using "/${m.destination}"` });
      m.destination = `/${m.destination}`;
    }
    const isBind = m.options?.some((o) => o === 'bind' || o === 'rbind') ?? false;
    if (!m.type && !isBind) ctx.issues.push({ path: `${at}.type`, message: 'required unless options contain "bind" or "rbind"' });
    if (!m.uidMappings !== !m.gidMappings) {
      ctx.issues.push({ path: at, message: 'an idmapped mount needs both uidMappings and gidMappings' });
    }
  });
}

export function checkNamespaces(spec: Spec, ctx: Ctx): void {
  const first = new Map<string, number>();
  spec.linux?.namespaces?.forEach((ns, i) => {
    const at = `$.linux.namespaces[${i}]`;
    const prev = first.get(ns.type);
    if (prev !== undefined) ctx.issues.push({ path: `${at}.type`, message: `duplicate namespace type "${ns.type}" (also at index ${prev})` });
    else first.set(ns.type, i);
    if (ns.path !== undefined && !isAbsolute(ns.path)) {
      ctx.issues.push({ path: `${at}.path`, message: `must be an absolute path, got ${JSON.stringify(ns.path)}` });
    }
  });
}

/** Mappings are written for a user namespace we create; a joined one already has them, and
 *  without a user namespace there is nothing to write them to. */
export function checkIdMappings(spec: Spec, ns: NsMap, ctx: Ctx): void {
  const user = ns.get('user');
  for (const field of ['uidMappings', 'gidMappings'] as const) {
    const present = (spec.linux?.[field]?.length ?? 0) > 0;
    const path = `$.linux.${field}`;
    if (user && user.path === undefined && !present) {
      ctx.issues.push({ path, message: 'required when a new user namespace is created' });
    } else if (user && user.path !== undefined && present) {
      ctx.issues.push({ path, message: 'must not be set when joining an existing user namespace (its mappings are fixed)' });
    } else if (!user && present) {
      ctx.issues.push({ path, message: 'requires a user namespace in linux.namespaces' });
    }
  }
}

export function checkTimeOffsets(spec: Spec, ns: NsMap, ctx: Ctx): void {
  if (Object.keys(spec.linux?.timeOffsets ?? {}).length === 0) return;
  const time = ns.get('time');
  // Offsets can only be written before the first process enters the namespace.
  if (!time) ctx.issues.push({ path: '$.linux.timeOffsets', message: 'requires a new time namespace in linux.namespaces' });
  else if (time.path !== undefined) ctx.issues.push({ path: '$.linux.timeOffsets', message: 'cannot be set when joining an existing time namespace' });
}

export function checkHostname(spec: Spec, ns: NsMap, ctx: Ctx): void {
  // Joining a uts namespace (e.g. a pod's) and setting its name is allowed, as in runc.
  for (const field of ['hostname', 'domainname'] as const) {
    if (spec[field] && !ns.has('uts')) {
      ctx.issues.push({ path: `$.${field}`, message: 'requires a uts namespace in linux.namespaces (it would rename the host)' });
    }
  }
}

export function checkDevices(spec: Spec, ctx: Ctx): void {
  spec.linux?.devices?.forEach((d, i) => {
    const at = `$.linux.devices[${i}]`;
    if (!isAbsolute(d.path)) ctx.issues.push({ path: `${at}.path`, message: `must be an absolute path, got ${JSON.stringify(d.path)}` });
    if (d.type === 'p') return; // FIFOs have no device number
    for (const f of ['major', 'minor'] as const) {
      if (d[f] === undefined) ctx.issues.push({ path: `${at}.${f}`, message: `required for device type "${d.type}"` });
    }
  });
}

/** Both "/a/b" (from the cgroup root) and "a/b" (under our own cgroup) are valid; ".." would
 *  let a config escape the delegated subtree. Also covers systemd's "slice:prefix:name". */
export function checkCgroupsPath(spec: Spec, ctx: Ctx): void {
  const p = spec.linux?.cgroupsPath;
  if (p !== undefined && p.split(/[/:]/).includes('..')) {
    ctx.issues.push({ path: '$.linux.cgroupsPath', message: `must not contain ".." components, got ${JSON.stringify(p)}` });
  }
}

export function checkPathLists(spec: Spec, ctx: Ctx): void {
  for (const field of ['maskedPaths', 'readonlyPaths'] as const) {
    spec.linux?.[field]?.forEach((p, i) => {
      if (!isAbsolute(p)) ctx.issues.push({ path: `$.linux.${field}[${i}]`, message: `must be an absolute path, got ${JSON.stringify(p)}` });
    });
  }
}

export function checkHooks(spec: Spec, ctx: Ctx): void {
  const stages: [string, Hook[] | undefined][] = Object.entries(spec.hooks ?? {});
  for (const [stage, list] of stages) {
    list?.forEach((hook, i) => {
      const at = `$.hooks.${stage}[${i}]`;
      // Hooks run in the runtime's namespace; a relative path would depend on our cwd.
      if (!isAbsolute(hook.path)) ctx.issues.push({ path: `${at}.path`, message: `must be an absolute path, got ${JSON.stringify(hook.path)}` });
      checkEnv(hook.env, `${at}.env`, ctx);
    });
  }
}
