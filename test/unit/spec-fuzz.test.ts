// Thousands of randomly broken config.json specs (seeded: the seed and the mutations are in
// every failure; CORRAL_SEED=<n> replays one run). Each must be refused with a SpecError or
// a CorralError naming a field, or accepted, and an accepted one must go through what
// `create` does without a host: cgroup resource validation, the device program, the plan
// and its binary encoding. Never a TypeError, RangeError or a plain Error.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { buildDeviceProgram } from '../../src/runtime/cgroup/devices-bpf.js';
import { deviceRules } from '../../src/runtime/plan/devices.js';
import { resolveCgroupPath } from '../../src/runtime/cgroup/paths.js';
import { CgroupError, type CgroupSystem } from '../../src/runtime/cgroup/types.js';
import { validateResources } from '../../src/runtime/cgroup/validate.js';
import { buildCreatePlan } from '../../src/runtime/plan/create-plan.js';
import { encodePlan } from '../../src/runtime/plan/encode.js';
import { SpecError } from '../../src/runtime/spec/errors.js';
import { validateSpec } from '../../src/runtime/spec/validate.js';
import type { Spec } from '../../src/runtime/spec/types.js';
import { CorralError } from '../../src/util/errors.js';
import { mulberry32, seedFor } from '../support/prng.js';
import { mutate } from '../support/json-mutate.js';
import { richSpec } from '../support/spec-mutate.js';

const bundle = mkdtempSync(join(tmpdir(), 'corral-spec-fuzz-'));
mkdirSync(join(bundle, 'rootfs'));
after(() => rmSync(bundle, { recursive: true, force: true }));

const SYSTEMS: CgroupSystem[] = [
  { layout: 'v1', v1: { memory: '/cg/memory', 'cpu,cpuacct': '/cg/cpu,cpuacct', cpuset: '/cg/cpuset', pids: '/cg/pids', blkio: '/cg/blkio', devices: '/cg/devices', freezer: '/cg/freezer', hugetlb: '/cg/hugetlb' } },
  { layout: 'v2', v1: {}, unified: '/cg2' },
];

/** What `create` does with a valid spec before it needs the host. */
function plan(spec: Spec, system: CgroupSystem): number {
  const rules = deviceRules(spec.linux?.resources?.devices);
  validateResources(system, { ...(spec.linux?.resources ?? {}), devices: rules });
  const path = resolveCgroupPath(system, spec.linux?.cgroupsPath, 'fuzz', '0::/\n');
  const devicesProgram = system.layout === 'v2' ? buildDeviceProgram(rules) : undefined;
  const joinDirs = system.layout === 'v2' ? [join('/cg2', path)] : Object.values(system.v1).map((m) => join(m, path));
  const p = buildCreatePlan({ spec, bundle, stateDir: '/run/x/fuzz', cgroup: { joinDirs, devicesProgram }, syncForHooks: true, home: '/root' });
  return encodePlan(p).length;
}

const expected = (err: unknown) => err instanceof SpecError || err instanceof CorralError || err instanceof CgroupError;

test('fuzz: mutated specs are refused with a named field, or planned and encoded', () => {
  const seed = seedFor(0x0c1f);
  const rand = mulberry32(seed);
  let accepted = 0;
  let refused = 0;
  for (let i = 0; i < 3000; i++) {
    const spec = richSpec();
    const done = mutate(rand, spec);
    const where = `seed ${seed}, case ${i}: ${done.join('; ')}`;
    let valid: Spec | undefined;
    try {
      valid = validateSpec(spec, { bundle }).spec;
    } catch (err) {
      if (!(err instanceof SpecError)) assert.fail(`${where}: validateSpec threw ${err instanceof Error ? err.stack : String(err)}`);
      // every issue names where it is
      for (const issue of err.issues) assert.match(issue.path, /^\$/, `${where}: issue without a path: ${issue.message}`);
      refused++;
      continue;
    }
    for (const system of SYSTEMS) {
      try {
        plan(valid, system);
        accepted++;
      } catch (err) {
        if (!expected(err)) assert.fail(`${where} (${system.layout}): planning a valid spec threw ${err instanceof Error ? err.stack : String(err)}`);
        refused++;
      }
    }
  }
  // both sides must be reached often enough to mean something
  assert.ok(accepted > 500 && refused > 500, `accepted ${accepted}, refused ${refused}`);
});

test('fuzz: the unmutated rich spec is valid and plans on v1 and v2 (the fuzz starts from a real spec)', () => {
  const { spec } = validateSpec(richSpec(), { bundle });
  for (const system of SYSTEMS) assert.ok(plan(spec, system) > 0);
});
