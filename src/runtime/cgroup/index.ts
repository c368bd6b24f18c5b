// The cgroup layer of the OCI runtime: linux.resources and linux.cgroupsPath on cgroup v1,
// v2 and hybrid hosts behind one CgroupManager. Pure planning where possible; every file
// system effect goes through a CgroupHost so unit tests need no root.
import { detectCgroups } from './detect.js';
import { realCgroupHost } from './host.js';
import { FsCgroupManager } from './manager.js';
import type { CgroupHost, CgroupManager, CgroupSystem } from './types.js';

export { detectCgroups, v1KeyFor } from './detect.js';
export { realCgroupHost, recordingCgroupHost, type RecordingHost, type RecordingOptions } from './host.js';
export { DEFAULT_PARENT, normalizeCgroupPath, ownCgroup } from './paths.js';
export { buildDeviceProgram, deviceProgramInsns, DEVICE_PROGRAM_LICENSE } from './devices-bpf.js';
export { DeviceEmulator, normalizeRule, ruleLine } from './devices-emulator.js';
export { decode as decodeBpf, disassemble as disassembleBpf } from './bpf-asm.js';
export { sharesToWeight, blkioWeightToIoWeight, swapToV2 } from './resources-v2.js';
export { validateResources } from './validate.js';
export { CgroupError } from './types.js';
export type {
  BlockIOResources, CgroupHost, CgroupLayout, CgroupManager, CgroupPaths, CgroupResources, CgroupStats, CgroupSystem,
  CpuResources, CreatedCgroup, DeviceRule, HugepageLimit, MemoryResources, ThrottleDevice, UpdateResult, WeightDevice,
} from './types.js';

export function openCgroupManager(opts: { system?: CgroupSystem; host?: CgroupHost } = {}): CgroupManager {
  return new FsCgroupManager(opts.system ?? detectCgroups(), opts.host ?? realCgroupHost);
}
