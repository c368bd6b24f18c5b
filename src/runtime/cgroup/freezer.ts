// Freezing: v1 freezer.state (FREEZING -> FROZEN) or the v2 core cgroup.freeze, whose
// completion shows in cgroup.events as "frozen 1".
import { readCg, readOptional, sleep, writeCg } from './fsio.js';
import { parseFlatKeyed } from './stats.js';
import { CgroupError, type CgroupHost } from './types.js';

const V1_ATTEMPTS = 1000;

/**
 * A v1 freeze can stay in FREEZING while processes keep forking; like runc we keep
 * re-requesting FROZEN, thaw briefly now and then so stragglers settle, and give up
 * (thawed again, never half-frozen) after about two seconds.
 */
export async function freezeV1(host: CgroupHost, dir: string): Promise<void> {
  for (let i = 0; i < V1_ATTEMPTS; i++) {
    if (i % 50 === 49) {
      await writeCg(host, dir, 'freezer.state', 'THAWED');
      await sleep(host, 10);
    }
    await writeCg(host, dir, 'freezer.state', 'FROZEN');
    const state = await readCg(host, dir, 'freezer.state');
    if (state === 'FROZEN') return;
    if (state !== 'FREEZING') throw new CgroupError(`${dir}/freezer.state is "${state}" after writing FROZEN`, { file: `${dir}/freezer.state` });
    if (i % 25 === 24) await sleep(host, 1);
  }
  await writeCg(host, dir, 'freezer.state', 'THAWED');
  throw new CgroupError(`cannot freeze ${dir}: it stayed FREEZING (processes kept appearing)`, {
    file: `${dir}/freezer.state`, hint: 'retry; if it persists, look for a process that forks in a loop',
  });
}

export async function thawV1(host: CgroupHost, dir: string): Promise<void> {
  await writeCg(host, dir, 'freezer.state', 'THAWED');
}

export async function isFrozenV1(host: CgroupHost, dir: string): Promise<boolean> {
  return (await readCg(host, dir, 'freezer.state')) === 'FROZEN';
}

async function frozenEvent(host: CgroupHost, dir: string): Promise<number | undefined> {
  return parseFlatKeyed((await readOptional(host, dir, 'cgroup.events')) ?? '').get('frozen');
}

/** Poll cgroup.events (a fake host cannot deliver inotify) for up to ~5s. */
async function waitFrozen(host: CgroupHost, dir: string, want: 0 | 1): Promise<boolean> {
  let delay = 1;
  for (let waited = 0; waited < 5000; waited += delay, delay = Math.min(delay * 2, 100)) {
    const frozen = await frozenEvent(host, dir);
    if (frozen === undefined || frozen === want) return true; // no events file: nothing to wait for
    await sleep(host, delay);
  }
  return false;
}

export async function freezeV2(host: CgroupHost, dir: string): Promise<void> {
  await writeCg(host, dir, 'cgroup.freeze', '1', 'the v2 freezer needs Linux 5.2 or later');
  if (await waitFrozen(host, dir, 1)) return;
  await writeCg(host, dir, 'cgroup.freeze', '0');
  throw new CgroupError(`cannot freeze ${dir}: cgroup.events never reported "frozen 1"`, { file: `${dir}/cgroup.events` });
}

export async function thawV2(host: CgroupHost, dir: string): Promise<void> {
  await writeCg(host, dir, 'cgroup.freeze', '0');
  if (!(await waitFrozen(host, dir, 0))) {
    throw new CgroupError(`cannot thaw ${dir}: cgroup.events still reports "frozen 1"`, { file: `${dir}/cgroup.events` });
  }
}

export async function isFrozenV2(host: CgroupHost, dir: string): Promise<boolean> {
  // "frozen 1" only once every task has stopped; cgroup.freeze alone is just the request
  const frozen = await frozenEvent(host, dir);
  if (frozen !== undefined) return frozen === 1;
  return (await readOptional(host, dir, 'cgroup.freeze')) === '1';
}
