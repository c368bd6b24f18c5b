// The v1 devices controller: devices.allow / devices.deny. We write the transition from the
// cgroup's current devices.list to the emulated target, so an update does not briefly deny
// every device to a running container (a full "deny a" happens only when the default
// action changes or the current state is allow-all, whose exceptions the kernel hides).
import { DeviceEmulator, ruleLine } from './devices-emulator.js';
import { readOptional, writeCg } from './fsio.js';
import type { CgroupHost, DeviceRule } from './types.js';

export async function applyDevicesV1(host: CgroupHost, dir: string, rules: readonly DeviceRule[]): Promise<void> {
  const target = DeviceEmulator.fromRules(rules);
  // a missing list is treated as allow-all, which forces a full reset: always safe
  const current = DeviceEmulator.fromList((await readOptional(host, dir, 'devices.list')) ?? 'a *:* rwm');
  for (const rule of current.transition(target)) {
    await writeCg(host, dir, rule.allow ? 'devices.allow' : 'devices.deny', ruleLine(rule),
      'the parent cgroup must allow a device before a child can (v1 devices is hierarchical)');
  }
}
