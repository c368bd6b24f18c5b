// A small seeded PRNG (mulberry32) for fuzz and race tests: a failure names its seed, and
// the same seed replays the same cases. CORRAL_SEED=<n> overrides a test's seed.

export type Rand = () => number;

export function mulberry32(seed: number): Rand {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The seed to use: $CORRAL_SEED when set (to replay a failure), else the test's own. */
export function seedFor(fallback: number): number {
  const env = process.env.CORRAL_SEED;
  return env && /^\d+$/.test(env) ? Number(env) : fallback;
}

export function pick<T>(rand: Rand, list: readonly T[]): T {
  return list[Math.floor(rand() * list.length)]!;
}

export function intBelow(rand: Rand, n: number): number {
  return Math.floor(rand() * n);
}
