// The cgroup v2 device allow-list: a BPF_PROG_TYPE_CGROUP_DEVICE program. The kernel runs it
// on every open/mknod of a device node with struct bpf_cgroup_dev_ctx
//   { u32 access_type /* type in bits 0-15, access in bits 16-31 */; u32 major; u32 minor; }
// and allows the access when it returns 1.
//
// The rules first go through the v1 emulator, like runc does, so one rule list means the
// same on v1 and v2: an 'a' rule resets everything, later rules override earlier ones
// for the same device (last match wins), and a hole punched into a wider rule is refused
// instead of being silently ignored. What is left is a default action plus exceptions that
// all have the opposite action, so their order in the program does not matter.
import { R0, R1, R2, R3, R4, R5, and32Imm, encode, exit, jeqImm, jneImm, jneReg, ldxW, mov32Imm, mov32Reg, rsh32Imm, type Insn } from './bpf-asm.js';
import { ACC_ALL, DeviceEmulator, WILDCARD, type Exception } from './devices-emulator.js';
import type { DeviceRule } from './types.js';

/** The license the helper passes to BPF_PROG_LOAD (docs/plan-format.md, BPF_DEVICES). */
export const DEVICE_PROGRAM_LICENSE = 'GPL';

export const BPF_DEVCG_DEV_BLOCK = 1;
export const BPF_DEVCG_DEV_CHAR = 2;

/** Placeholder jump offset: "to the first instruction after this block". */
const NEXT = 0x7fff;

function prologue(): Insn[] {
  return [
    ldxW(R2, R1, 0), // r2 = access_type
    and32Imm(R2, 0xffff), // r2 = device type
    ldxW(R3, R1, 0),
    rsh32Imm(R3, 16), // r3 = requested access bits
    ldxW(R4, R1, 4), // r4 = major
    ldxW(R5, R1, 8), // r5 = minor
  ];
}

/** One exception: fall through to "return action" only when the access matches it. */
function block(ex: Exception, action: boolean): Insn[] {
  const out: Insn[] = [jneImm(R2, ex.type === 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR, NEXT)];
  if (ex.access !== ACC_ALL) {
    out.push(mov32Reg(R1, R3), and32Imm(R1, ex.access));
    // An allow exception must cover every requested bit (an O_RDWR open asks for r and w
    // at once). A deny exception matches when any requested bit is denied, as the v1
    // kernel's match_exception_partial() does; a subset test would let O_RDWR through
    // a "deny w" rule.
    out.push(action ? jneReg(R1, R3, NEXT) : jeqImm(R1, 0, NEXT));
  }
  if (ex.major !== WILDCARD) out.push(jneImm(R4, ex.major, NEXT));
  if (ex.minor !== WILDCARD) out.push(jneImm(R5, ex.minor, NEXT));
  out.push(mov32Imm(R0, action ? 1 : 0), exit());
  return out.map((insn, i) => (insn.off === NEXT ? { ...insn, off: out.length - i - 1 } : insn));
}

export function deviceProgramInsns(rules: readonly DeviceRule[]): Insn[] {
  const emu = DeviceEmulator.fromRules(rules);
  const insns = prologue();
  for (const ex of emu.ordered()) insns.push(...block(ex, !emu.defaultAllow));
  insns.push(mov32Imm(R0, emu.defaultAllow ? 1 : 0), exit());
  return insns;
}

/** The program as the bytes BPF_PROG_LOAD takes (8-byte little-endian bpf_insn structs). */
export function buildDeviceProgram(rules: readonly DeviceRule[]): Uint8Array {
  return encode(deviceProgramInsns(rules));
}
