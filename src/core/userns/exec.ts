// Running a host command as the root of a container's user namespace, the way
// lxc-usernsexec does for LXC: what an ordinary user needs to write files that belong to the
// container (a template's rootfs) and to remove them again (destroy). The maps are the
// container's plus the caller's own uid/gid, so that the namespace's root may also use the
// caller's files (the container directory) — capabilities in a user namespace reach only
// inodes whose owner and group are mapped in it.
import { accessSync, constants, statSync } from 'node:fs';
import { HelperError, runHelper, type StdioSlot } from '../../runtime/helper.js';
import { CLONE } from '../../runtime/plan/linux-constants.js';
import type { IdmapTools } from '../../runtime/plan/namespaces.js';
import type { PlanOp } from '../../runtime/plan/ops.js';
import { CorralError } from '../../util/errors.js';
import type { IdMap } from '../config/model.js';
import type { Person } from './subid.js';
import { childProcess } from '../../util/lazy-builtin.js';

type Map = Omit<IdMap, 'pos'>;

const TOOL_DIRS = ['/usr/bin', '/bin', '/usr/sbin', '/sbin', '/usr/local/bin'];

/**
 * The setuid-root newuidmap/newgidmap (Debian's `uidmap`): only they can map /etc/subuid
 * ranges for an ordinary user. Some distributions grant file capabilities instead of the
 * setuid bit: getcap (only run in that rare case) tells, as in `corral checkconfig`.
 */
export function findIdmapTools(): IdmapTools {
  const find = (name: string): string => {
    for (const dir of TOOL_DIRS) {
      const path = `${dir}/${name}`;
      try {
        accessSync(path, constants.X_OK);
        return path;
      } catch {
        // not here
      }
    }
    throw new CorralError('NOT_SUPPORTED', `${name} is not installed: an ordinary user cannot map the ids of a container without it`, {
      hint: 'as root: apt-get install uidmap (setuid-root newuidmap/newgidmap); corral checkconfig lists what else is missing',
    });
  };
  const tools = { newuidmap: find('newuidmap'), newgidmap: find('newgidmap') };
  for (const [name, path] of Object.entries(tools)) {
    const st = statSync(path);
    if ((st.uid !== 0 || (st.mode & 0o4000) === 0) && !hasFileCap(path, name === 'newuidmap' ? 'cap_setuid' : 'cap_setgid')) {
      throw new CorralError('NOT_SUPPORTED', `${path} is neither setuid root nor given the capability by a file capability: it cannot map /etc/subuid ranges for an ordinary user`, {
        hint: `as root: chmod u+s ${path} (or apt-get install --reinstall uidmap)`,
      });
    }
  }
  return tools;
}

function hasFileCap(path: string, cap: string): boolean {
  const r = childProcess().spawnSync('getcap', [path], { encoding: 'utf8', timeout: 5000, env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' } });
  return r.status === 0 && r.stdout.includes(cap);
}

/** The container's maps plus the caller's own ids just above them (unless mapped already). */
export function withCaller(maps: readonly Map[], who: Person): { maps: Map[]; callerUid: number; callerGid: number } {
  const out = [...maps];
  const ids = { u: who.uid, g: who.gid };
  const inNs = { u: -1, g: -1 };
  for (const type of ['u', 'g'] as const) {
    const own = maps.filter((m) => m.type === type);
    const mapped = own.find((m) => ids[type] >= m.hostId && ids[type] < m.hostId + m.range);
    if (mapped) {
      inNs[type] = mapped.containerId + (ids[type] - mapped.hostId);
      continue;
    }
    const top = Math.max(0, ...own.map((m) => m.containerId + m.range));
    out.push({ type, containerId: top, hostId: ids[type], range: 1 });
    inNs[type] = top;
  }
  return { maps: out, callerUid: inNs.u, callerGid: inNs.g };
}

function toolArgs(maps: readonly Map[], type: 'u' | 'g'): string[] {
  return maps.filter((m) => m.type === type).flatMap((m) => [String(m.containerId), String(m.hostId), String(m.range)]);
}

export function usernsExecPlan(maps: readonly Map[], tools: IdmapTools, argv: string[], env: string[]): PlanOp[] {
  const uid = toolArgs(maps, 'u');
  const gid = toolArgs(maps, 'g');
  return [
    { op: 'FOREGROUND', args: [] },
    { op: 'CLONE', args: [CLONE.NEWUSER] },
    { op: 'IDMAP_TOOL', args: [tools.newuidmap, uid.length, ...uid] },
    { op: 'IDMAP_TOOL', args: [tools.newgidmap, gid.length, ...gid] },
    { op: 'BECOME_ROOT', args: [] },
    // the caller's cwd may be closed to the namespace's root (a 0700 home of another user)
    { op: 'CHDIR', args: ['/'] },
    { op: 'EXEC', args: [argv.length, ...argv, env.length, ...env] },
  ];
}

export interface UsernsExecOptions {
  maps: readonly Map[];
  who: Person;
  argv: string[];
  env?: NodeJS.ProcessEnv;
  stdio?: [StdioSlot, StdioSlot, StdioSlot];
  /** what is being done, for error messages */
  context: string;
}

/** Runs argv as the namespace's root and resolves with its exit status (and stdout when piped). */
export async function usernsExec(opts: UsernsExecOptions): Promise<{ code: number; stdout: string }> {
  const { maps } = withCaller(opts.maps, opts.who);
  const env = Object.entries(opts.env ?? process.env).map(([k, v]) => `${k}=${v ?? ''}`);
  const session = runHelper({ ops: usernsExecPlan(maps, findIdmapTools(), opts.argv, env) }, {
    context: opts.context,
    stdio: opts.stdio ?? ['ignore', 'pipe', 'inherit'],
  });
  let stdout = '';
  session.child.stdout?.setEncoding('utf8');
  session.child.stdout?.on('data', (d: string) => (stdout += d));
  const closed = session.child.stdout ? new Promise((r) => session.child.stdout!.on('close', r)) : Promise.resolve();
  try {
    await session.pid;
    await session.settled;
  } catch (err) {
    await session.exit.catch(() => 0);
    if (err instanceof HelperError && err.failure.op === 'IDMAP_TOOL') {
      throw new CorralError('PERMISSION', `${opts.context}: ${err.failure.message}`, {
        hint: `newuidmap/newgidmap refused the map: give ${opts.who.name} ranges in /etc/subuid and /etc/subgid (see corral checkconfig)`,
      });
    }
    throw err;
  }
  const code = await session.exit;
  await closed;
  const late = await session.lateFailure;
  if (late) throw late;
  return { code, stdout };
}
