// `start`: release the init blocked in WAIT_START by reading exec.fifo, then poststart hooks.
import { closeSync, constants, existsSync, openSync, readSync, readFileSync, unlinkSync } from 'node:fs';
import { CorralError, errnoCode } from '../util/errors.js';
import { isSameProcessAlive } from '../util/proc.js';
import type { RuntimeContext } from './context.js';
import { runHooksWarn } from './hooks.js';
import { containerStatus, hookState } from './oci-state.js';
import type { Spec } from './spec/types.js';
import type { ContainerRecord } from './state-store.js';

const START_TIMEOUT_MS = 10_000;

export async function start(ctx: RuntimeContext, id: string): Promise<ContainerRecord> {
  const record = ctx.store.load(id);
  const status = await containerStatus(ctx, record);
  if (status === 'running' && !record.started && existsSync(ctx.store.fifoPath(id))) {
    // an earlier start released init and was killed before recording it: record it now
    unlinkFifo(ctx.store.fifoPath(id));
    record.started = true;
    ctx.store.save(record);
    return record;
  }
  if (status !== 'created') {
    throw new CorralError('BAD_STATE', `cannot start container "${id}": it is ${status}, not created`, {
      hint: status === 'stopped' ? `remove it with: corral oci delete ${id}` : undefined,
    });
  }
  await releaseInit(ctx, record);
  record.started = true;
  ctx.store.save(record);
  const spec = JSON.parse(readFileSync(record.configPath, 'utf8')) as Spec;
  await runHooksWarn('poststart', spec.hooks?.poststart, hookState(record, 'running', record.pid), (m) => ctx.log('warning', m));
  return record;
}

async function releaseInit(ctx: RuntimeContext, record: ContainerRecord): Promise<void> {
  const fifo = ctx.store.fifoPath(record.id);
  // Non-blocking open: a dead init must not hang us; the init's blocked open(O_WRONLY)
  // returns as soon as we have the fifo open, then it writes one byte.
  const fd = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const buf = Buffer.alloc(1);
    const deadline = Date.now() + START_TIMEOUT_MS;
    const readByte = (): boolean => {
      try {
        return readSync(fd, buf, 0, 1, null) === 1;
      } catch (err) {
        if (errnoCode(err) !== 'EAGAIN') throw err;
        return false;
      }
    };
    for (;;) {
      if (readByte()) break;
      if (!isSameProcessAlive(record.pid, record.pidStartTime)) {
        // it may have written its byte, exec'd and exited since our read: look once more
        if (readByte()) break;
        throw new CorralError('BAD_STATE', `container "${record.id}" died before it could be started`);
      }
      if (Date.now() > deadline) throw new CorralError('INTERNAL', `container "${record.id}" did not answer the start signal within ${START_TIMEOUT_MS / 1000}s`);
      await new Promise((r) => setTimeout(r, 1));
    }
  } finally {
    closeSync(fd);
  }
  unlinkFifo(fifo);
}

function unlinkFifo(fifo: string): void {
  try {
    unlinkSync(fifo);
  } catch {
    // already removed by a concurrent start: harmless
  }
}
