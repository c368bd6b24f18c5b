// Binary encoding of a plan (docs/plan-format.md). Pure: no I/O. One pass to size the
// plan, one to write it into a single buffer: a plan has hundreds of small arguments and
// concatenating a buffer per argument cost milliseconds on a cold start.
import { Op, PLAN_FLAG_DEBUG, PLAN_MAGIC, PLAN_VERSION, type Arg, type Plan } from './ops.js';

const MAX_STRING = 65536;
const MAX_BYTES = 1 << 20;
const MAX_PLAN = 16 << 20;
const MAX_OPS = 4096;
const HEADER = 16;
const OP_HEAD = 4;
const ARG_HEAD = 5;

function argSize(arg: Arg, where: string): number {
  if (typeof arg === 'string') {
    const n = Buffer.byteLength(arg, 'utf8');
    if (n > MAX_STRING) throw new Error(`${where}: string argument longer than ${MAX_STRING} bytes`);
    if (arg.includes('\0')) throw new Error(`${where}: string argument contains a NUL byte`);
    return ARG_HEAD + n;
  }
  if (typeof arg === 'number' || typeof arg === 'bigint') {
    if (typeof arg === 'number' && !Number.isInteger(arg)) throw new Error(`${where}: integer argument ${arg} is not an integer`);
    return ARG_HEAD + 8;
  }
  if (arg.length > MAX_BYTES) throw new Error(`${where}: byte argument longer than ${MAX_BYTES} bytes`);
  return ARG_HEAD + arg.length;
}

function writeArg(buf: Buffer, pos: number, arg: Arg): number {
  if (typeof arg === 'string') {
    buf.write('s', pos, 'latin1');
    const n = buf.write(arg, pos + ARG_HEAD, 'utf8');
    buf.writeUInt32LE(n, pos + 1);
    return pos + ARG_HEAD + n;
  }
  if (typeof arg === 'number' || typeof arg === 'bigint') {
    buf.write('i', pos, 'latin1');
    buf.writeUInt32LE(8, pos + 1);
    buf.writeBigInt64LE(BigInt.asIntN(64, BigInt(arg)), pos + ARG_HEAD);
    return pos + ARG_HEAD + 8;
  }
  buf.write('b', pos, 'latin1');
  buf.writeUInt32LE(arg.length, pos + 1);
  buf.set(arg, pos + ARG_HEAD);
  return pos + ARG_HEAD + arg.length;
}

export function encodePlan(plan: Plan): Buffer {
  if (plan.ops.length > MAX_OPS) throw new Error(`plan has ${plan.ops.length} ops; the limit is ${MAX_OPS}`);
  let size = HEADER;
  plan.ops.forEach((op, index) => {
    const where = `plan op ${index} (${op.op})`;
    size += OP_HEAD;
    for (const a of op.args) size += argSize(a, where);
  });
  if (size > MAX_PLAN) throw new Error(`plan is ${size} bytes; the limit is ${MAX_PLAN}`);
  const buf = Buffer.allocUnsafe(size);
  buf.write(PLAN_MAGIC, 0, 'latin1');
  buf.writeUInt32LE(PLAN_VERSION, 4);
  buf.writeUInt32LE(plan.debug ? PLAN_FLAG_DEBUG : 0, 8);
  buf.writeUInt32LE(plan.ops.length, 12);
  let pos = HEADER;
  for (const op of plan.ops) {
    buf.writeUInt16LE(Op[op.op], pos);
    buf.writeUInt16LE(op.args.length, pos + 2);
    pos += OP_HEAD;
    for (const a of op.args) pos = writeArg(buf, pos, a);
  }
  return buf;
}
