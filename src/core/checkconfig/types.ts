// Shared shapes of `checkconfig`: one CheckResult per line of the report, the host seam
// every probe goes through (so unit tests run the interpretation without root), and the
// rule that merges kernel-config evidence with a live probe.
import type { KernelConfig } from './kernel-config.js';

export type CheckStatus = 'ok' | 'missing' | 'warning' | 'unknown';
export type Section = 'kernel' | 'namespaces' | 'cgroups' | 'network' | 'security' | 'userns' | 'checkpoint';

export interface CheckResult {
  /** stable, dotted: 'ns.uts', 'cgroup.memory', 'net.veth' */
  id: string;
  section: Section;
  /** what LXC calls it where LXC has the line: 'Utsname namespace' */
  name: string;
  status: CheckStatus;
  /** the text after the colon: 'enabled', 'missing: unshare --time failed: ...' */
  detail: string;
  /** what to do about it; only when status is not 'ok' */
  hint?: string;
  /** a privileged system container cannot run without it: decides the exit code */
  required: boolean;
}

export interface RunResult {
  /** null when killed (timeout) or not started */
  code: number | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  /** the program could not be started (ENOENT, EACCES) */
  spawnError?: string;
}

export interface FileInfo {
  mode: number;
  uid: number;
  gid: number;
  isDirectory: boolean;
}

/** Every side effect and every read of the live system goes through here. */
export interface Host {
  /** undefined when absent or unreadable */
  readFile(path: string): Promise<Buffer | undefined>;
  stat(path: string): Promise<FileInfo | undefined>;
  /** may the caller write to path (access(2) W_OK, which also sees read-only mounts) */
  writable(path: string): Promise<boolean>;
  /** full path of an executable on PATH (plus the sbin directories), or undefined */
  which(cmd: string): Promise<string | undefined>;
  /** bounded: killed (with its process group) after timeoutMs */
  run(cmd: string, args: string[], timeoutMs?: number): Promise<RunResult>;
  env: Record<string, string | undefined>;
  uid: number;
  gid: number;
  /** uname -r */
  release: string;
  /** live probe: an idmapped mount (IDMAP_MOUNT) of a detached copy of dir; absent where it cannot run */
  idmapMount?(dir: string): Promise<ProbeOutcome>;
}

export interface CheckContext {
  host: Host;
  /** undefined: no kernel config could be read */
  config: KernelConfig | undefined;
  /** false with --no-probes: judge the kernel config alone, run and read nothing live */
  probes: boolean;
}

/** A live probe's verdict. 'inconclusive' (no permission, tool absent, timeout) defers to the config. */
export type ProbeOutcome = { kind: 'ok'; note?: string } | { kind: 'fail'; why: string } | { kind: 'inconclusive'; why: string };

export const PROBE_TIMEOUT_MS = 2000;

export const UNKNOWN_HINT = 'give the kernel config (CONFIG=/path/to/config, or modprobe configs for /proc/config.gz), or run the live probes as root';

export interface Feature {
  id: string;
  section: Section;
  name: string;
  required: boolean;
  /** kernel options that must all be y or m; [] when always built in */
  options: string[];
  /** what to do when the feature is missing */
  hint: string;
}

/** The last meaningful line of a failed command, which is where util-linux and iproute2 say why. */
export function reason(r: RunResult): string {
  if (r.spawnError) return r.spawnError;
  if (r.timedOut) return 'timed out';
  const lines = `${r.stderr}\n${r.stdout}`.split('\n').map((l) => l.trim()).filter(Boolean);
  return lines.at(-1) ?? `exit status ${r.code}`;
}

/** Config-only verdict: y/m enabled, n or absent missing, no config unknown. */
function fromConfig(f: Feature, config: KernelConfig | undefined): { status: CheckStatus; detail: string } {
  if (f.options.length === 0) return { status: 'ok', detail: 'enabled (always built in)' };
  if (!config) return { status: 'unknown', detail: 'unknown (no kernel config)' };
  const off = f.options.find((o) => !['y', 'm'].includes(config.state(o)));
  if (off) return { status: 'missing', detail: `missing (${config.describe(off)})` };
  const modules = f.options.filter((o) => config.state(o) === 'm');
  return { status: 'ok', detail: modules.length > 0 ? `enabled (module: ${modules.join(', ')})` : 'enabled' };
}

/**
 * The probe tells the truth about the running kernel; the config only about how it was
 * built (or about another kernel, with $CONFIG). So a conclusive probe wins, and the
 * config's opinion is kept in the detail when the two disagree.
 */
export function judge(f: Feature, config: KernelConfig | undefined, probe?: ProbeOutcome): CheckResult {
  const cfg = fromConfig(f, config);
  const base = { id: f.id, section: f.section, name: f.name, required: f.required };
  if (probe?.kind === 'ok') {
    const note = probe.note ? ` (${probe.note})` : cfg.status === 'missing' ? ` (live probe works, although the config says ${cfg.detail.replace(/^missing \(|\)$/g, '')})` : '';
    return { ...base, status: 'ok', detail: `enabled${note}` };
  }
  if (probe?.kind === 'fail') {
    const cfgSays = cfg.status === 'ok' ? ' although the kernel config enables it' : '';
    const hint = cfg.status === 'ok' ? `the kernel is built with it but it is refused here (inside a container, a seccomp sandbox or a hardened sysctl?): ${f.hint}` : f.hint;
    return { ...base, status: 'missing', detail: `missing: ${probe.why}${cfgSays}`, hint };
  }
  const detail = probe ? `${cfg.detail}; probe inconclusive: ${probe.why}` : cfg.detail;
  if (cfg.status === 'ok') return { ...base, status: 'ok', detail };
  return { ...base, status: cfg.status, detail, hint: cfg.status === 'unknown' ? UNKNOWN_HINT : f.hint };
}

export function result(base: Omit<CheckResult, 'hint'>, hint?: string): CheckResult {
  return base.status === 'ok' || hint === undefined ? base : { ...base, hint };
}
