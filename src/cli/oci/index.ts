// `corral oci`: the runc-compatible command family. Each command's module is small and
// loads the runtime code it needs lazily, so `state` never pays for `create`.
import type { Command } from 'commander';
import { register as create } from './create.js';
import { register as del } from './delete.js';
import { register as exec } from './exec.js';
import { register as features } from './features.js';
import { register as kill } from './kill.js';
import { register as list } from './list.js';
import { register as pause } from './pause.js';
import { register as ps } from './ps.js';
import { register as run } from './run.js';
import { register as spec } from './spec.js';
import { register as start } from './start.js';
import { register as state } from './state.js';

export function registerOci(oci: Command): void {
  oci
    .option('--root <dir>', 'state directory', '/run/corral/oci')
    .option('--log <file>', 'append log lines (and errors) to this file')
    .option('--log-format <format>', 'text or json', 'text')
    .option('--debug', 'log every step of the native helper')
    .option('--systemd-cgroup', 'not supported: Corral drives cgroupfs directly')
    .option('--rootless <value>', 'accepted for runc compatibility (auto|true|false)')
    .option('--criu <path>', 'accepted for runc compatibility (checkpointing is not supported)')
    .enablePositionalOptions();
  for (const register of [spec, create, start, run, state, kill, del, exec, ps, list, pause, features]) register(oci);
}
