// A tiny eBPF assembler: only the instructions the device filter needs. Each instruction is
// the kernel's struct bpf_insn { u8 code; u8 dst:4, src:4; s16 off; s32 imm; }, little-endian.

export const R0 = 0;
export const R1 = 1;
export const R2 = 2;
export const R3 = 3;
export const R4 = 4;
export const R5 = 5;

export interface Insn {
  code: number;
  dst: number;
  src: number;
  off: number;
  imm: number;
}

// opcode = class | op | source (linux/bpf_common.h, linux/bpf.h)
const BPF_LDX = 0x01;
const BPF_ALU = 0x04; // 32-bit ALU: upper half of the destination is zeroed
const BPF_JMP = 0x05; // 64-bit compare
const BPF_W = 0x00;
const BPF_MEM = 0x60;
const BPF_K = 0x00;
const BPF_X = 0x08;
const BPF_AND = 0x50;
const BPF_RSH = 0x70;
const BPF_MOV = 0xb0;
const BPF_JEQ = 0x10;
const BPF_JNE = 0x50;
const BPF_EXIT = 0x90;

export const OP = {
  LDX_W: BPF_LDX | BPF_MEM | BPF_W, // 0x61
  AND32_K: BPF_ALU | BPF_AND | BPF_K, // 0x54
  RSH32_K: BPF_ALU | BPF_RSH | BPF_K, // 0x74
  MOV32_K: BPF_ALU | BPF_MOV | BPF_K, // 0xb4
  MOV32_X: BPF_ALU | BPF_MOV | BPF_X, // 0xbc
  JEQ_K: BPF_JMP | BPF_JEQ | BPF_K, // 0x15
  JNE_K: BPF_JMP | BPF_JNE | BPF_K, // 0x55
  JNE_X: BPF_JMP | BPF_JNE | BPF_X, // 0x5d
  EXIT: BPF_JMP | BPF_EXIT, // 0x95
} as const;

const insn = (code: number, dst: number, src: number, off: number, imm: number): Insn => ({ code, dst, src, off, imm });

/** dst = *(u32 *)(src + off) */
export const ldxW = (dst: number, src: number, off: number): Insn => insn(OP.LDX_W, dst, src, off, 0);
/** w_dst &= imm */
export const and32Imm = (dst: number, imm: number): Insn => insn(OP.AND32_K, dst, 0, 0, imm);
/** w_dst >>= imm */
export const rsh32Imm = (dst: number, imm: number): Insn => insn(OP.RSH32_K, dst, 0, 0, imm);
/** w_dst = imm */
export const mov32Imm = (dst: number, imm: number): Insn => insn(OP.MOV32_K, dst, 0, 0, imm);
/** w_dst = w_src */
export const mov32Reg = (dst: number, src: number): Insn => insn(OP.MOV32_X, dst, src, 0, 0);
/** if dst == imm goto pc + 1 + off */
export const jeqImm = (dst: number, imm: number, off: number): Insn => insn(OP.JEQ_K, dst, 0, off, imm);
/** if dst != imm goto pc + 1 + off */
export const jneImm = (dst: number, imm: number, off: number): Insn => insn(OP.JNE_K, dst, 0, off, imm);
/** if dst != src goto pc + 1 + off */
export const jneReg = (dst: number, src: number, off: number): Insn => insn(OP.JNE_X, dst, src, off, 0);
export const exit = (): Insn => insn(OP.EXIT, 0, 0, 0, 0);

export function encode(insns: readonly Insn[]): Uint8Array {
  const out = new Uint8Array(insns.length * 8);
  const view = new DataView(out.buffer);
  insns.forEach((i, n) => {
    if (i.off < -0x8000 || i.off > 0x7fff) throw new RangeError(`instruction ${n}: jump offset ${i.off} out of range`);
    view.setUint8(n * 8, i.code);
    view.setUint8(n * 8 + 1, (i.dst & 0xf) | ((i.src & 0xf) << 4));
    view.setInt16(n * 8 + 2, i.off, true);
    view.setInt32(n * 8 + 4, i.imm | 0, true);
  });
  return out;
}

export function decode(bytes: Uint8Array): Insn[] {
  if (bytes.length % 8 !== 0) throw new RangeError(`eBPF program length ${bytes.length} is not a multiple of 8`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: Insn[] = [];
  for (let p = 0; p < bytes.length; p += 8) {
    const regs = view.getUint8(p + 1);
    out.push(insn(view.getUint8(p), regs & 0xf, regs >> 4, view.getInt16(p + 2, true), view.getInt32(p + 4, true)));
  }
  return out;
}

/** Human-readable form (the kernel verifier's syntax) for tests and debug output. */
export function disassemble(insns: readonly Insn[]): string[] {
  return insns.map((i) => {
    switch (i.code) {
      case OP.LDX_W: return `r${i.dst} = *(u32 *)(r${i.src} + ${i.off})`;
      case OP.AND32_K: return `w${i.dst} &= 0x${(i.imm >>> 0).toString(16)}`;
      case OP.RSH32_K: return `w${i.dst} >>= ${i.imm}`;
      case OP.MOV32_K: return `w${i.dst} = ${i.imm}`;
      case OP.MOV32_X: return `w${i.dst} = w${i.src}`;
      case OP.JEQ_K: return `if r${i.dst} == ${i.imm} goto +${i.off}`;
      case OP.JNE_K: return `if r${i.dst} != ${i.imm} goto +${i.off}`;
      case OP.JNE_X: return `if r${i.dst} != r${i.src} goto +${i.off}`;
      case OP.EXIT: return 'exit';
      default: return `.insn 0x${i.code.toString(16)}`;
    }
  });
}
