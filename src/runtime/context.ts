// What every runtime command needs: the state store, the cgroup manager and a way to report
// warnings and debug lines without printing (the CLI decides how to render them).
import { performance } from 'node:perf_hooks';
import { openCgroupManager, type CgroupManager } from './cgroup/index.js';
import { DEFAULT_ROOT, StateStore } from './state-store.js';

export type LogLevel = 'debug' | 'info' | 'warning' | 'error';

export interface RuntimeOptions {
  root?: string;
  debug?: boolean;
  log?: (level: LogLevel, message: string) => void;
  /** a cgroup manager of the caller's choosing (tests drive a cgroup2 mount as pure v2) */
  cgroups?: CgroupManager;
}

export class RuntimeContext {
  readonly store: StateStore;
  readonly debug: boolean;
  private cgroupManager: CgroupManager | undefined;
  private readonly logger: (level: LogLevel, message: string) => void;

  constructor(opts: RuntimeOptions = {}) {
    this.store = new StateStore(opts.root ?? DEFAULT_ROOT);
    this.debug = opts.debug ?? false;
    this.logger = opts.log ?? (() => {});
    this.cgroupManager = opts.cgroups;
  }

  /** Detected on first use: commands such as `state` or `list` never pay for it. */
  get cgroups(): CgroupManager {
    this.cgroupManager ??= openCgroupManager();
    return this.cgroupManager;
  }

  /** Debug-level timing of a phase, for --debug and the benchmarks' profiles. */
  phase(name: string, since: number): number {
    const now = performance.now();
    if (this.debug) this.logger('debug', `phase ${name} ${(now - since).toFixed(2)} ms`);
    return now;
  }

  log(level: LogLevel, message: string): void {
    if (level === 'debug' && !this.debug) return;
    this.logger(level, message);
  }
}
