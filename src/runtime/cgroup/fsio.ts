// Reading and writing cgroup files through the host seam, turning failures into
// CgroupErrors that name the file, the value and the errno.
import { CgroupError, type CgroupHost } from './types.js';

export function errnoOf(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

const ERRNO_TEXT: Record<string, string> = {
  EINVAL: 'invalid argument',
  EBUSY: 'device or resource busy',
  ENOENT: 'no such file',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOSPC: 'no space left on device',
  EOPNOTSUPP: 'operation not supported',
  ERANGE: 'result out of range',
};

const ERRNO_HINT: Record<string, string> = {
  ENOENT: 'the controller is not enabled for this cgroup, or the kernel lacks the feature',
  EINVAL: 'the kernel rejected the value; check it against the parent cgroup and the kernel documentation',
  EACCES: 'cgroup files need root or a delegated cgroup',
  EPERM: 'cgroup files need root or a delegated cgroup',
  EBUSY: 'the cgroup is in use (processes or a limit below current usage)',
};

export function describeErrno(code: string | undefined): string {
  if (!code) return 'unknown error';
  return ERRNO_TEXT[code] ? `${code} (${ERRNO_TEXT[code]})` : code;
}

export function join(dir: string, file: string): string {
  return dir.endsWith('/') ? dir + file : `${dir}/${file}`;
}

export async function writeCg(host: CgroupHost, dir: string, file: string, value: string, hint?: string): Promise<void> {
  const path = join(dir, file);
  try {
    await host.writeFile(path, value);
  } catch (err) {
    const errno = errnoOf(err);
    throw new CgroupError(`cannot write "${value}" to ${path}: ${describeErrno(errno)}`, {
      file: path,
      ...(errno ? { errno } : {}),
      hint: hint ?? (errno ? ERRNO_HINT[errno] : undefined) ?? 'check the value and the cgroup',
      cause: err,
    });
  }
}

function readError(path: string, err: unknown): CgroupError {
  const errno = errnoOf(err);
  return new CgroupError(`cannot read ${path}: ${describeErrno(errno)}`, {
    file: path,
    ...(errno ? { errno } : {}),
    ...(errno && ERRNO_HINT[errno] ? { hint: ERRNO_HINT[errno] } : {}),
    cause: err,
  });
}

export async function readCg(host: CgroupHost, dir: string, file: string): Promise<string> {
  const path = join(dir, file);
  try {
    return (await host.readFile(path)).trim();
  } catch (err) {
    throw readError(path, err);
  }
}

/** Content of an optional file; undefined when it does not exist. */
export async function readOptional(host: CgroupHost, dir: string, file: string): Promise<string | undefined> {
  const path = join(dir, file);
  try {
    return (await host.readFile(path)).trim();
  } catch (err) {
    if (errnoOf(err) === 'ENOENT') return undefined;
    throw readError(path, err);
  }
}

export function sleep(host: CgroupHost, ms: number): Promise<void> {
  return host.sleep ? host.sleep(ms) : new Promise((resolve) => setTimeout(resolve, ms));
}
