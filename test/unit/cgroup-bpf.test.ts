// The cgroup v2 device filter: the assembler's exact encodings, the emitted programs, and
// their meaning, checked by running them in a small interpreter of the same instructions.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  and32Imm, decode, disassemble, encode, exit, jeqImm, jneImm, jneReg, ldxW, mov32Imm, mov32Reg, R0, R1, R2, R3, R4, rsh32Imm, type Insn,
} from '../../src/runtime/cgroup/bpf-asm.js';
import { buildDeviceProgram, CgroupError, DeviceEmulator, deviceProgramInsns, type DeviceRule } from '../../src/runtime/cgroup/index.js';

const hex = (insns: Insn[]): string => Buffer.from(encode(insns)).toString('hex');

test('assembler: exact bpf_insn bytes (code, dst|src<<4, off LE16, imm LE32)', () => {
  assert.equal(hex([ldxW(R2, R1, 0)]), '6112000000000000');
  assert.equal(hex([ldxW(R4, R1, 4)]), '6114040000000000');
  assert.equal(hex([and32Imm(R2, 0xffff)]), '54020000ffff0000');
  assert.equal(hex([rsh32Imm(R3, 16)]), '7403000010000000');
  assert.equal(hex([mov32Reg(R1, R3)]), 'bc31000000000000');
  assert.equal(hex([mov32Imm(R0, 1)]), 'b400000001000000');
  assert.equal(hex([mov32Imm(R0, -1)]), 'b4000000ffffffff');
  assert.equal(hex([jneImm(R2, 2, 4)]), '5502040002000000');
  assert.equal(hex([jneReg(R1, R3, 4)]), '5d31040000000000');
  assert.equal(hex([jeqImm(R1, 0, 3)]), '1501030000000000');
  assert.equal(hex([jneImm(R4, 136, -2)]), '5504feff88000000');
  assert.equal(hex([exit()]), '9500000000000000');
});

test('assembler: decode inverts encode; bad input is refused', () => {
  const prog = [ldxW(R2, R1, 0), jneImm(R2, 2, 1), mov32Imm(R0, 1), exit()];
  assert.deepEqual(decode(encode(prog)), prog);
  assert.throws(() => encode([jneImm(R2, 1, 0x8000)]), RangeError);
  assert.throws(() => decode(new Uint8Array(7)), RangeError);
});

/** Runs the subset of eBPF we emit against struct bpf_cgroup_dev_ctx. */
function run(insns: Insn[], ctx: { type: 'b' | 'c'; major: number; minor: number; access: string }): number {
  const acc = [...ctx.access].reduce((a, ch) => a | ({ m: 1, r: 2, w: 4 } as Record<string, number>)[ch]!, 0);
  const mem = [(acc << 16) | (ctx.type === 'b' ? 1 : 2), ctx.major, ctx.minor];
  const r = new Array<number>(11).fill(0);
  for (let pc = 0, steps = 0; steps < 4096; steps++) {
    const i = insns[pc]!;
    pc++;
    switch (i.code) {
      case 0x61: r[i.dst] = mem[i.off / 4]! >>> 0; break;
      case 0x54: r[i.dst] = (r[i.dst]! & i.imm) >>> 0; break;
      case 0x74: r[i.dst] = r[i.dst]! >>> i.imm; break;
      case 0xb4: r[i.dst] = i.imm >>> 0; break;
      case 0xbc: r[i.dst] = r[i.src]! >>> 0; break;
      case 0x15: if (r[i.dst] === i.imm) pc += i.off; break;
      case 0x55: if (r[i.dst] !== i.imm) pc += i.off; break;
      case 0x5d: if (r[i.dst] !== r[i.src]) pc += i.off; break;
      case 0x95: return r[0]!;
      default: throw new Error(`unexpected opcode ${i.code}`);
    }
  }
  throw new Error('no exit');
}

// runc's default device rules (specconv.AllowedDevices) after a deny-all
const RUNC_DEFAULT: DeviceRule[] = [
  { allow: false, access: 'rwm' },
  { allow: true, type: 'c', major: -1, minor: -1, access: 'm' },
  { allow: true, type: 'b', major: -1, minor: -1, access: 'm' },
  { allow: true, type: 'c', major: 1, minor: 3, access: 'rwm' },
  { allow: true, type: 'c', major: 1, minor: 8, access: 'rwm' },
  { allow: true, type: 'c', major: 1, minor: 7, access: 'rwm' },
  { allow: true, type: 'c', major: 5, minor: 0, access: 'rwm' },
  { allow: true, type: 'c', major: 1, minor: 5, access: 'rwm' },
  { allow: true, type: 'c', major: 1, minor: 9, access: 'rwm' },
  { allow: true, type: 'c', major: 136, minor: -1, access: 'rwm' },
  { allow: true, type: 'c', major: 5, minor: 2, access: 'rwm' },
  { allow: true, type: 'c', major: 10, minor: 200, access: 'rwm' },
];

const PROLOGUE = [
  'r2 = *(u32 *)(r1 + 0)', 'w2 &= 0xffff', 'r3 = *(u32 *)(r1 + 0)', 'w3 >>= 16', 'r4 = *(u32 *)(r1 + 4)', 'r5 = *(u32 *)(r1 + 8)',
];
const exact = (major: number, minor: number): string[] =>
  ['if r2 != 2 goto +4', `if r4 != ${major} goto +3`, `if r5 != ${minor} goto +2`, 'w0 = 1', 'exit'];

test('runc\'s default device list: the exact program', () => {
  assert.deepEqual(disassemble(deviceProgramInsns(RUNC_DEFAULT)), [
    ...PROLOGUE,
    // wildcards sort first: mknod of any block, then any char device
    'if r2 != 1 goto +5', 'w1 = w3', 'w1 &= 0x1', 'if r1 != r3 goto +2', 'w0 = 1', 'exit',
    'if r2 != 2 goto +5', 'w1 = w3', 'w1 &= 0x1', 'if r1 != r3 goto +2', 'w0 = 1', 'exit',
    ...exact(1, 3), ...exact(1, 5), ...exact(1, 7), ...exact(1, 8), ...exact(1, 9), ...exact(5, 0), ...exact(5, 2), ...exact(10, 200),
    'if r2 != 2 goto +3', 'if r4 != 136 goto +2', 'w0 = 1', 'exit',
    'w0 = 0', 'exit',
  ]);
  assert.equal(buildDeviceProgram(RUNC_DEFAULT).length, 64 * 8);
});

test('runc\'s default device list: what it allows', () => {
  const p = deviceProgramInsns(RUNC_DEFAULT);
  const cases: [Parameters<typeof run>[1], number][] = [
    [{ type: 'c', major: 1, minor: 3, access: 'rw' }, 1], // /dev/null O_RDWR
    [{ type: 'c', major: 136, minor: 7, access: 'rw' }, 1], // a pty
    [{ type: 'c', major: 10, minor: 200, access: 'r' }, 1], // /dev/net/tun
    [{ type: 'b', major: 8, minor: 0, access: 'm' }, 1], // mknod anything
    [{ type: 'b', major: 8, minor: 0, access: 'r' }, 0], // but not read /dev/sda
    [{ type: 'c', major: 4, minor: 0, access: 'w' }, 0], // /dev/tty0
    [{ type: 'c', major: 1, minor: 1, access: 'r' }, 0], // /dev/mem
    [{ type: 'c', major: 5, minor: 1, access: 'rw' }, 0], // /dev/console is not in the list
  ];
  for (const [ctx, want] of cases) assert.equal(run(p, ctx), want, JSON.stringify(ctx));
});

test('deny-all, allow-all and the empty list', () => {
  assert.deepEqual(disassemble(deviceProgramInsns([{ allow: false }])), [...PROLOGUE, 'w0 = 0', 'exit']);
  assert.deepEqual(disassemble(deviceProgramInsns([{ allow: true, type: 'a', access: 'rwm' }])), [...PROLOGUE, 'w0 = 1', 'exit']);
  assert.deepEqual(disassemble(deviceProgramInsns([])), [...PROLOGUE, 'w0 = 0', 'exit']); // no rules: nothing allowed, as runc
});

test('allow-list mode: an allow rule must cover every requested access bit', () => {
  const p = deviceProgramInsns([{ allow: false }, { allow: true, type: 'c', major: 1, minor: 5, access: 'r' }]);
  assert.equal(run(p, { type: 'c', major: 1, minor: 5, access: 'r' }), 1);
  assert.equal(run(p, { type: 'c', major: 1, minor: 5, access: 'rw' }), 0);
  assert.equal(run(p, { type: 'b', major: 1, minor: 5, access: 'r' }), 0);
});

test('deny-list mode: a deny rule matches when any requested bit is denied (O_RDWR vs "deny w")', () => {
  const insns = deviceProgramInsns([{ allow: true }, { allow: false, type: 'c', major: 1, minor: 3, access: 'w' }]);
  assert.deepEqual(disassemble(insns).slice(6), [
    'if r2 != 2 goto +7', 'w1 = w3', 'w1 &= 0x4', 'if r1 == 0 goto +4', 'if r4 != 1 goto +3', 'if r5 != 3 goto +2', 'w0 = 0', 'exit',
    'w0 = 1', 'exit',
  ]);
  assert.equal(run(insns, { type: 'c', major: 1, minor: 3, access: 'r' }), 1);
  assert.equal(run(insns, { type: 'c', major: 1, minor: 3, access: 'w' }), 0);
  assert.equal(run(insns, { type: 'c', major: 1, minor: 3, access: 'rw' }), 0);
  assert.equal(run(insns, { type: 'c', major: 1, minor: 4, access: 'rw' }), 1);
});

test('later rules win: narrowing, merging, and a late "a" resetting everything', () => {
  const narrowed = deviceProgramInsns([{ allow: false }, { allow: true, type: 'c', major: 1, minor: 3 }, { allow: false, type: 'c', major: 1, minor: 3, access: 'w' }]);
  assert.equal(run(narrowed, { type: 'c', major: 1, minor: 3, access: 'r' }), 1);
  assert.equal(run(narrowed, { type: 'c', major: 1, minor: 3, access: 'rw' }), 0);
  const merged = deviceProgramInsns([{ allow: false }, { allow: true, type: 'c', major: 1, minor: 3, access: 'r' }, { allow: true, type: 'c', major: 1, minor: 3, access: 'w' }]);
  assert.equal(run(merged, { type: 'c', major: 1, minor: 3, access: 'rw' }), 1);
  const reset = deviceProgramInsns([{ allow: true, type: 'c', major: 1, minor: 3 }, { allow: false }]);
  assert.equal(run(reset, { type: 'c', major: 1, minor: 3, access: 'r' }), 0);
  // like v1, an "a" rule is a reset whatever numbers it carries
  const typeA = deviceProgramInsns([{ allow: false }, { allow: true, type: 'a', major: 1, minor: 3, access: 'r' }]);
  assert.equal(run(typeA, { type: 'b', major: 8, minor: 0, access: 'rwm' }), 1);
});

test('punching a hole into a wider rule is refused (v1 would silently ignore it)', () => {
  assert.throws(() => buildDeviceProgram([{ allow: false }, { allow: true, type: 'c', major: 1, access: 'rwm' }, { allow: false, type: 'c', major: 1, minor: 3, access: 'r' }]),
    (e: unknown) => e instanceof CgroupError && /cannot punch a hole/.test(e.message) && /c 1:\* rwm/.test(e.message));
  // a disjoint access is no hole
  assert.doesNotThrow(() => buildDeviceProgram([{ allow: false }, { allow: true, type: 'c', major: 1, access: 'r' }, { allow: false, type: 'c', major: 1, minor: 3, access: 'w' }]));
});

test('bad rules name the rule', () => {
  const bad: [DeviceRule, RegExp][] = [
    [{ allow: true, type: 'x' as 'a' }, /devices\[0\]: type "x"/],
    [{ allow: true, type: 'c', access: 'rq' }, /access "rq"/],
    [{ allow: true, type: 'c', major: 4096 }, /major 4096/],
    [{ allow: true, type: 'c', minor: 1.5 }, /minor 1.5/],
  ];
  for (const [rule, re] of bad) assert.throws(() => buildDeviceProgram([rule]), (e: unknown) => e instanceof CgroupError && re.test(e.message));
});

test('emulator: devices.list round trip and transitions', () => {
  const allowAll = DeviceEmulator.fromList('a *:* rwm\n');
  assert.equal(allowAll.defaultAllow, true);
  const list = DeviceEmulator.fromList('c 1:3 rwm\nb *:* m\nc 136:* rw\n');
  assert.equal(list.defaultAllow, false);
  assert.deepEqual(list.ordered().map((e) => `${e.type} ${e.major}:${e.minor} ${e.access}`), ['b -1:-1 1', 'c 1:3 7', 'c 136:-1 6']);
  // an allow-all source hides its exceptions: always a full reset first
  assert.deepEqual(allowAll.transition(list).map((r) => `${r.allow ? 'allow' : 'deny'} ${r.type} ${r.major}:${r.minor} ${r.access}`),
    ['deny a -1:-1 7', 'allow b -1:-1 1', 'allow c 1:3 7', 'allow c 136:-1 6']);
  assert.deepEqual(list.transition(list), []);
  assert.throws(() => DeviceEmulator.fromList('x 1:3 rwm'), CgroupError);
});
