// OCI linux.cgroupsPath -> the cgroup path used in every hierarchy.
import { readFileSync } from 'node:fs';
import { CgroupError, type CgroupSystem } from './types.js';

export const DEFAULT_PARENT = '/corral';

/** Split and check a path; '..' could climb out of the hierarchy or into someone else's cgroup. */
function segments(path: string, what: string): string[] {
  if (path.includes('\0') || /[\n\r]/.test(path)) throw new CgroupError(`${what} "${path}" contains a NUL or newline`);
  const parts = path.split('/').filter((s) => s !== '' && s !== '.');
  if (parts.includes('..')) {
    throw new CgroupError(`${what} "${path}" must not contain "..": cgroups are placed only below the given path`, {
      hint: 'use an absolute path like /corral/<id>',
    });
  }
  return parts;
}

/** Normalize an absolute cgroup path ('//a/./b/' -> '/a/b'); rejects '..' and relative paths. */
export function normalizeCgroupPath(path: string): string {
  if (!path.startsWith('/')) throw new CgroupError(`cgroup path "${path}" must be absolute`);
  const parts = segments(path, 'cgroup path');
  if (parts.length === 0) throw new CgroupError('the root cgroup cannot be used as a container cgroup', { hint: 'use a path like /corral/<id>' });
  return '/' + parts.join('/');
}

/**
 * The caller's own cgroup from /proc/self/cgroup text: the cgroup2 line ("0::/path") on v2
 * and hybrid, the name=systemd line (else the first) on v1. The mount's own root is cut
 * off, since paths are relative to what the mount shows.
 */
export function ownCgroup(system: CgroupSystem, selfCgroup: string): string {
  const lines = selfCgroup.split('\n').filter(Boolean).map((l) => {
    const first = l.indexOf(':');
    const second = l.indexOf(':', first + 1);
    return { id: l.slice(0, first), controllers: l.slice(first + 1, second), path: l.slice(second + 1) };
  });
  let pick: (typeof lines)[number] | undefined;
  let rootKey: string | undefined;
  if (system.layout !== 'v1') {
    pick = lines.find((l) => l.id === '0' && l.controllers === '');
    rootKey = 'unified';
  } else {
    pick = lines.find((l) => l.controllers.split(',').includes('name=systemd')) ?? lines.find((l) => l.controllers !== '');
    rootKey = pick && Object.keys(system.v1).find((k) => k === pick!.controllers);
  }
  if (!pick) throw new CgroupError('cannot find the own cgroup in /proc/self/cgroup');
  let path = pick.path;
  const root = rootKey ? system.roots?.[rootKey] : undefined;
  if (root && root !== '/' && (path === root || path.startsWith(root + '/'))) path = path.slice(root.length) || '/';
  return path;
}

export function resolveCgroupPath(system: CgroupSystem, cgroupsPath: string | undefined, id: string, selfCgroup?: string): string {
  if (!cgroupsPath) {
    const idParts = segments(id, 'container id');
    if (idParts.length !== 1 || idParts[0] !== id) throw new CgroupError(`container id "${id}" cannot be used as a cgroup name`);
    return `${DEFAULT_PARENT}/${id}`;
  }
  if (/^[^/:]*:[^/:]*:[^/:]*$/.test(cgroupsPath)) {
    throw new CgroupError(`cgroupsPath "${cgroupsPath}" is in the systemd "slice:prefix:name" form, which corral does not use`, {
      hint: 'give a cgroupfs path such as /corral/<id>',
    });
  }
  if (cgroupsPath.startsWith('/')) return normalizeCgroupPath(cgroupsPath);
  const parts = segments(cgroupsPath, 'cgroupsPath');
  const base = ownCgroup(system, selfCgroup ?? readFileSync('/proc/self/cgroup', 'utf8'));
  return normalizeCgroupPath(`${base}/${parts.join('/')}`);
}
