// Binary encoding of a plan (docs/plan-format.md). Pure: no I/O.
import { Op, PLAN_FLAG_DEBUG, PLAN_MAGIC, PLAN_VERSION, type Arg, type Plan } from './ops.js';

const MAX_STRING = 65536;
const MAX_BYTES = 1 << 20;
const MAX_PLAN = 16 << 20;
const MAX_OPS = 4096;

function encodeArg(arg: Arg, where: string): Buffer {
  if (typeof arg === 'string') {
    const data = Buffer.from(arg, 'utf8');
    if (data.includes(0)) throw new Error(`${where}: string argument contains a NUL byte`);
    if (data.length > MAX_STRING) throw new Error(`${where}: string argument longer than ${MAX_STRING} bytes`);
    return withHeader('s', data);
  }
  if (typeof arg === 'number' || typeof arg === 'bigint') {
    if (typeof arg === 'number' && !Number.isInteger(arg)) throw new Error(`${where}: integer argument ${arg} is not an integer`);
    const data = Buffer.alloc(8);
    data.writeBigInt64LE(BigInt.asIntN(64, BigInt(arg)));
    return withHeader('i', data);
  }
  if (arg.length > MAX_BYTES) throw new Error(`${where}: byte argument longer than ${MAX_BYTES} bytes`);
  return withHeader('b', Buffer.from(arg.buffer, arg.byteOffset, arg.byteLength));
}

function withHeader(type: 's' | 'i' | 'b', data: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head.write(type, 0, 'latin1');
  head.writeUInt32LE(data.length, 1);
  return Buffer.concat([head, data]);
}

export function encodePlan(plan: Plan): Buffer {
  if (plan.ops.length > MAX_OPS) throw new Error(`plan has ${plan.ops.length} ops; the limit is ${MAX_OPS}`);
  const header = Buffer.alloc(16);
  header.write(PLAN_MAGIC, 0, 'latin1');
  header.writeUInt32LE(PLAN_VERSION, 4);
  header.writeUInt32LE(plan.debug ? PLAN_FLAG_DEBUG : 0, 8);
  header.writeUInt32LE(plan.ops.length, 12);
  const parts: Buffer[] = [header];
  plan.ops.forEach((op, index) => {
    const where = `plan op ${index} (${op.op})`;
    const head = Buffer.alloc(4);
    head.writeUInt16LE(Op[op.op], 0);
    head.writeUInt16LE(op.args.length, 2);
    parts.push(head, ...op.args.map((a) => encodeArg(a, where)));
  });
  const out = Buffer.concat(parts);
  if (out.length > MAX_PLAN) throw new Error(`plan is ${out.length} bytes; the limit is ${MAX_PLAN}`);
  return out;
}
