// The differential suite: every bundle of differential-cases.ts runs under runc and under
// `corral oci run` (fresh copies, unique ids), its init a busybox probe script that prints
// what the container sees. After normalisation the two outputs must be equal; each known
// difference is normalised away where it is defined, with the reason.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync, rmdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { makeBundle } from '../support/bundle.js';
import { hasBusybox, tempDir } from '../support/busybox.js';
import { isRoot } from '../support/cli.js';
import { DifferentialRunner, hasRunc, leftoverCgroups, removeCgroupParent, type RunResult } from '../support/differential.js';
import { hostMountsUnder } from '../support/leftovers.js';
import { installProbe, lineDiff, normaliseProbe } from '../support/probe.js';
import { CASES, type CaseEnv, type DiffCase, type KnownDifference } from './differential-cases.js';

const CGROUP_PARENT = `corral-difftest-${process.pid}`;

function skipReason(): string | false {
  if (!isRoot()) return 'needs root (real namespaces, cgroups and mounts)';
  if (!hasRunc()) return 'runc is not installed';
  if (!hasBusybox()) return 'busybox-static is not installed';
  return false;
}

/** Differences between runc 1.1.5 and corral that hold for every bundle. */
const GLOBAL_KNOWN: KnownDifference[] = [
  {
    // On a hybrid host runc 1.1.5 mounts only the v1 hierarchies under /sys/fs/cgroup; corral
    // also mounts the cgroup2 hierarchy at /sys/fs/cgroup/unified, as systemd lays it out on
    // the host (and as LXC does), so that the container sees the host's layout.
    why: 'corral mounts the unified hierarchy of a hybrid host, runc 1.1.5 does not',
    apply: (text, runtime) => (runtime === 'corral' ? text.replace(/^\/sys\/fs\/cgroup\/unified .*\n/gm, '') : text),
  },
  {
    // The spec's cgroup mount is "ro". runc 1.1.5 (cgroup v1, with a cgroup namespace) mounts
    // each hierarchy ro but leaves the tmpfs that holds them rw (its mode 0755 still keeps a
    // root without CAP_DAC_OVERRIDE out: EACCES); corral remounts that tmpfs ro as well, as
    // runc did before 1.1 with cgroupns, so a privileged container cannot add entries to it.
    // Both refuse writes; the refusal's errno and the tmpfs's ro flag differ.
    why: 'the tmpfs under /sys/fs/cgroup: ro under corral, rw under runc 1.1.5',
    apply: (text) =>
      text
        .replace(/^(\/sys\/fs\/cgroup root=\/ tmpfs src=tmpfs) r[ow],(\S+) r[ow],/gm, '$1 <ro|rw>,$2 <ro|rw>,')
        .replace(/^(write \/sys\/fs\/cgroup: rc=1) .*(Read-only file system|Permission denied)$/gm, '$1 <refused>'),
  },
  {
    // The source string of a fresh cgroupfs mount carries no meaning (runc 1.1.5 uses the
    // hierarchy's name for named hierarchies: "systemd"; corral always "cgroup").
    why: 'cgroupfs mount sources are arbitrary labels',
    apply: (text) => text.replace(/^(\S+ root=\S+ cgroup2?) src=\S+/gm, '$1 src=<cgroup>'),
  },
  {
    // The hierarchies under /sys/fs/cgroup come in the host's mountinfo order under runc and
    // sorted by controller under corral; in a user namespace the device nodes bound into
    // /dev come in runc's list order and in corral's. The order of sibling mounts that do
    // not overlap does not change what the container sees.
    why: 'order of sibling mounts: /sys/fs/cgroup/<hierarchy>, /dev/<node> binds',
    apply: (text) => sortLines(sortLines(text, /^\/sys\/fs\/cgroup\/[^ /]+ /), /^\/dev\/[^ /]+ root=\/[^ /]+ devtmpfs /),
  },
];

/** Sort the lines matching `re` among the places they occupy. */
function sortLines(text: string, re: RegExp): string {
  const lines = text.split('\n');
  const idx = lines.flatMap((l, i) => (re.test(l) ? [i] : []));
  const sorted = idx.map((i) => lines[i]!).sort();
  idx.forEach((i, k) => (lines[i] = sorted[k]!));
  return lines.join('\n');
}

function render(r: RunResult, c: DiffCase): string {
  const parts = [`exit=${r.code}`, r.stdout];
  // A runtime's own failure message is its own; whether it failed is compared, not the words.
  if (r.code === 0) parts.push(`stderr=${r.stderr}`);
  if (r.collected) parts.push('[collected]', r.collected);
  let out = normaliseProbe(parts.join('\n'), { [r.id]: '<id>', [r.bundle]: '<bundle>' });
  for (const k of [...GLOBAL_KNOWN, ...(c.known ?? [])]) out = k.apply(out, r.runtime);
  return out;
}

/** DIFFTEST_DUMP=<dir>: keep each case's rendered outputs there, to read what was compared. */
function dump(c: DiffCase, a: string, b: string): void {
  const dir = process.env.DIFFTEST_DUMP;
  if (!dir) return;
  mkdirSync(dir, { recursive: true });
  const base = join(dir, c.name.replace(/[^a-zA-Z0-9]+/g, '-').replace(/^-|-$/g, ''));
  writeFileSync(`${base}.runc.txt`, a);
  writeFileSync(`${base}.corral.txt`, b);
}

function hostNamespaces(): Record<string, string> {
  const known: Record<string, string> = {};
  for (const t of readdirSync('/proc/self/ns')) {
    if (t.endsWith('_for_children')) continue;
    const m = /\[(\d+)\]/.exec(readlinkSync(`/proc/self/ns/${t}`));
    if (m) known[m[1]!] = 'host';
  }
  return known;
}

function syscallNames(): string[] {
  const header = '/usr/include/x86_64-linux-gnu/asm/unistd_64.h';
  if (!existsSync(header)) return [];
  return [...readFileSync(header, 'utf8').matchAll(/^#define __NR_(\w+) \d+/gm)].map((m) => m[1]!);
}

describe('differential: runc vs corral oci', { skip: skipReason(), concurrency: 1 }, () => {
  const runner = new DifferentialRunner();
  const work = tempDir('diff-env');
  const netnsName = `corral-difftest-${process.pid}`;
  const env: CaseEnv = {
    rbindSource: join(work, 'rbind-src'),
    hostTarget: join(work, 'host-target'),
    netnsPath: `/run/netns/${netnsName}`,
    holderPid: 0,
    syscalls: syscallNames(),
    cgroupParent: `/${CGROUP_PARENT}`,
  };
  let tmpfsMounted = false;
  let netnsAdded = false;
  // `ip netns add` makes /run/netns a shared bind mount of itself (and the dir) if it is not one
  let netnsDirBefore = { existed: true, mounted: true };
  let knownNs: Record<string, string> = {};
  let holderBundle = '';

  before(() => {
    mkdirSync(join(env.rbindSource, 'sub'), { recursive: true });
    writeFileSync(join(env.rbindSource, 'top'), 'top\n');
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'difftest', join(env.rbindSource, 'sub')]);
    tmpfsMounted = true;
    writeFileSync(join(env.rbindSource, 'sub/in-submount'), 'sub\n');
    mkdirSync(env.hostTarget);
    writeFileSync(join(env.hostTarget, 'marker'), 'host\n');
    netnsDirBefore = { existed: existsSync('/run/netns'), mounted: hostMountsUnder('/run/netns').includes('/run/netns') };
    execFileSync('ip', ['netns', 'add', netnsName]);
    netnsAdded = true;
    knownNs = hostNamespaces();
    knownNs[String(statSync(env.netnsPath).ino)] = 'joined';
    const holderId = runner.newId('runc');
    holderBundle = makeBundle(['sleep', '1000'], (spec) => {
      spec.hostname = 'holder';
      spec.linux!.cgroupsPath = `${env.cgroupParent}/${holderId}`;
    }).dir;
    const started = runner.runDetached('runc', holderBundle, holderId);
    assert.equal(started.code, 0, `the namespace holder container did not start: ${started.stderr}`);
    env.holderPid = runner.state('runc', holderId)?.pid ?? 0;
    assert.ok(env.holderPid > 0, 'no pid for the namespace holder container');
    for (const t of ['uts', 'ipc', 'pid']) knownNs[String(statSync(`/proc/${env.holderPid}/ns/${t}`).ino)] = 'holder';
  });

  after(() => {
    const problems: string[] = [];
    try {
      runner.cleanup();
    } catch (err) {
      problems.push(`container cleanup: ${(err as Error).message}`);
    }
    if (tmpfsMounted) spawnSync('umount', [join(env.rbindSource, 'sub')], { stdio: 'ignore' });
    if (netnsAdded) {
      const r = spawnSync('ip', ['netns', 'delete', netnsName], { encoding: 'utf8' });
      if (r.status !== 0) problems.push(`ip netns delete ${netnsName}: ${r.stderr}`);
      const empty = existsSync('/run/netns') && readdirSync('/run/netns').length === 0;
      if (empty && !netnsDirBefore.mounted) spawnSync('umount', ['/run/netns'], { stdio: 'ignore' });
      if (empty && !netnsDirBefore.existed) {
        try {
          rmdirSync('/run/netns');
        } catch {
          // still mounted or used meanwhile: leave it
        }
      }
    }
    rmSync(work, { recursive: true, force: true });
    if (holderBundle) rmSync(holderBundle, { recursive: true, force: true });
    removeCgroupParent(CGROUP_PARENT);
    const left = leftoverCgroups([...runner.ids, CGROUP_PARENT]);
    if (left.length) problems.push(`cgroup directories left behind: ${left.join(', ')}`);
    assert.deepEqual(problems, []);
  });

  for (const c of CASES) {
    test(c.name, { skip: c.skip?.(env) ?? false }, () => {
      const template = makeBundle(['/bin/sh', '/probe.sh']).dir;
      try {
        c.prepare?.(template, env);
        installProbe(join(template, 'rootfs'), { ...c.probe, knownNamespaces: knownNs });
        const opts = {
          chownRootfs: c.chownRootfs,
          collect: c.collect,
          adjust: (spec: Parameters<NonNullable<DiffCase['adjust']>>[0], ctx: Parameters<NonNullable<DiffCase['adjust']>>[1]) => {
            // A cgroup per run under one parent, so that leftovers are easy to find. The
            // default-spec case keeps each runtime's own default placement.
            if (c.name !== 'default spec') spec.linux!.cgroupsPath = `${env.cgroupParent}/${ctx.id}`;
            c.adjust?.(spec, ctx, env);
          },
        };
        const runc = runner.run('runc', template, opts);
        const corral = runner.run('corral', template, opts);
        const left = leftoverCgroups([runc.id, corral.id]);
        assert.deepEqual(left, [], 'cgroup directories left behind');
        if (c.corralOnly) {
          assert.notEqual(runc.code, 0, `runc was expected to refuse (${c.corralOnly.why})`);
          assert.match(runc.stderr, c.corralOnly.runcFails);
          c.corralOnly.expect(corral, normaliseProbe(corral.stdout, { [corral.id]: '<id>' }));
          return;
        }
        if (c.bothFail) {
          assert.notEqual(runc.code, 0, `runc ran a bundle expected to fail (${c.bothFail})`);
          assert.notEqual(corral.code, 0, `corral ran a bundle expected to fail (${c.bothFail}); runc said: ${runc.stderr.trim()}`);
        } else {
          assert.equal(runc.code, 0, `runc could not run the case's bundle: ${runc.stderr.trim()}`);
        }
        const a = render(runc, c);
        const b = render(corral, c);
        dump(c, a, b);
        assert.ok(
          a === b,
          `corral's view differs from runc's ("-" runc only, "+" corral only):\n${lineDiff(a, b)}\n` +
            `runc exit ${runc.code}, stderr: ${runc.stderr.trim()}\ncorral exit ${corral.code}, stderr: ${corral.stderr.trim()}`,
        );
        c.check?.(runc, corral, env);
      } finally {
        rmSync(template, { recursive: true, force: true });
        assert.deepEqual(readdirSync(env.hostTarget), ['marker'], 'the host directory behind the image symlink was touched');
      }
    });
  }
});
