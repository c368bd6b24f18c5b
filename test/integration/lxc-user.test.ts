// An ordinary user's containers, end to end: a throwaway user with its own /etc/subuid and
// /etc/subgid range runs the CLI (runuser) with the default store (~/.local/share/corral)
// and runtime dir ($XDG_RUNTIME_DIR/corral): create, start, attach, info, ls, stop, destroy;
// and the refusals (cgroup limits without a delegated cgroup, a veth, a map of ids that are
// not the user's). The user, its home, its ranges and everything it ran go at the end.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { accessSync, chmodSync, chownSync, constants, copyFileSync, cpSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CORRAL, isRoot, REPO } from '../support/cli.js';

const RANGE = 65536;
const have = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
const skip = !isRoot() ? 'needs root (to make a throwaway user)' : !['useradd', 'userdel', 'runuser', 'newuidmap', 'newgidmap'].every(have) ? 'needs useradd, runuser and newuidmap/newgidmap (apt-get install uidmap)' : false;

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

/** A start past every range already handed out in either file, on a 65536 boundary. */
function freeStart(): number {
  let end = 1_000_000;
  for (const file of ['/etc/subuid', '/etc/subgid']) {
    const text = existsSync(file) ? readFileSync(file, 'utf8') : '';
    for (const line of text.split('\n')) {
      const [, s, c] = line.split(':');
      if (/^\d+$/.test(s ?? '') && /^\d+$/.test(c ?? '')) end = Math.max(end, Number(s) + Number(c));
    }
  }
  return Math.ceil(end / RANGE) * RANGE;
}

function dropLines(file: string, name: string): void {
  if (!existsSync(file)) return;
  const kept = readFileSync(file, 'utf8').split('\n').filter((l) => !l.startsWith(`${name}:`));
  writeFileSync(file, kept.join('\n'));
}

/** Pids whose real uid is in [lo, hi). */
function pidsOf(lo: number, hi: number): number[] {
  const out: number[] = [];
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const uid = Number(/^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${e}/status`, 'utf8'))?.[1]);
      if (uid >= lo && uid < hi) out.push(Number(e));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/** Every parent of the built tree searchable and the files readable by others, or a copy in a temp dir that is. */
function cliForOthers(): { corral: string; copy?: string } {
  const needed = [CORRAL, join(REPO, 'dist', 'corral.cjs'), join(REPO, 'native', 'corral-helper')];
  try {
    for (const f of needed) {
      for (let d = join(f, '..'); d !== '/'; d = join(d, '..')) if ((statSync(d).mode & 0o001) === 0) throw new Error(d);
      if ((statSync(f).mode & 0o004) === 0) throw new Error(f);
    }
    return { corral: CORRAL };
  } catch {
    // a checkout in a private directory (root's home): the user gets a copy of the built CLI
    const copy = mkdtempSync(join(tmpdir(), 'corral-user-cli-'));
    chmodSync(copy, 0o755);
    cpSync(join(REPO, 'bin'), join(copy, 'bin'), { recursive: true });
    mkdirSync(join(copy, 'dist'));
    for (const f of ['corral.cjs', 'corral.cjs.cache']) if (existsSync(join(REPO, 'dist', f))) copyFileSync(join(REPO, 'dist', f), join(copy, 'dist', f));
    mkdirSync(join(copy, 'native', 'init'), { recursive: true });
    copyFileSync(join(REPO, 'native', 'corral-helper'), join(copy, 'native', 'corral-helper'));
    copyFileSync(join(REPO, 'native', 'init', 'corral-init'), join(copy, 'native', 'init', 'corral-init'));
    spawnSync('chmod', ['-R', 'a+rX', copy]);
    return { corral: join(copy, 'bin', 'corral'), copy };
  }
}

describe('an ordinary user\'s containers', { skip, concurrency: false }, () => {
  const name = `ctu${randomBytes(3).toString('hex')}`;
  let uid = 0;
  let home = '';
  let start = 0;
  let xdg = '';
  let cli: { corral: string; copy?: string } = { corral: CORRAL };
  const outDir = mkdtempSync(join(tmpdir(), 'corral-user-out-'));

  let delegated = '';
  /** in: a cgroup2 dir to move the command into first (as root, before runuser) */
  const run = (args: string[], timeoutMs = 60_000, inCgroup = ''): Ran => {
    const env = [`HOME=${home}`, `XDG_RUNTIME_DIR=${xdg}`, `USER=${name}`, `LOGNAME=${name}`, 'PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin'];
    const out = join(outDir, 'out');
    const err = join(outDir, 'err');
    const move = inCgroup ? `echo $$ > ${inCgroup}/cgroup.procs && ` : '';
    const r = spawnSync('sh', ['-c', `${move}exec "$@" >"$OUT" 2>"$ERR"`, 'sh', 'runuser', '-u', name, '--', 'env', '-i', ...env, process.execPath, cli.corral, ...args], {
      cwd: '/', stdio: 'ignore', timeout: timeoutMs, env: { ...process.env, OUT: out, ERR: err },
    });
    return { code: r.status ?? 128, stdout: existsSync(out) ? readFileSync(out, 'utf8') : '', stderr: existsSync(err) ? readFileSync(err, 'utf8') : '' };
  };
  const ok = (args: string[], inCgroup = ''): Ran => {
    const r = run(args, 60_000, inCgroup);
    assert.equal(r.code, 0, `corral ${args.join(' ')}: ${r.stderr}`);
    return r;
  };
  const lxcpath = () => join(home, '.local', 'share', 'corral');

  before(() => {
    start = freeStart();
    // no automatic ranges (useradd would hand out the next free ones): exactly ours
    const r = spawnSync('useradd', ['-m', '-s', '/bin/sh', '-K', 'SUB_UID_COUNT=0', '-K', 'SUB_GID_COUNT=0', name], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    for (const file of ['/etc/subuid', '/etc/subgid']) writeFileSync(file, `${name}:${start}:${RANGE}\n`, { flag: 'a' });
    uid = Number(spawnSync('id', ['-u', name], { encoding: 'utf8' }).stdout.trim());
    home = spawnSync('getent', ['passwd', name], { encoding: 'utf8' }).stdout.split(':')[5]!;
    // the container's root (a subordinate id) must search the user's home, as with LXC
    chmodSync(home, 0o711);
    xdg = mkdtempSync(join(tmpdir(), 'corral-user-run-'));
    chownSync(xdg, uid, Number(spawnSync('id', ['-g', name], { encoding: 'utf8' }).stdout.trim()));
    chmodSync(xdg, 0o700);
    cli = cliForOthers();
  });

  after(() => {
    // by pid, only processes of this user and of its subordinate ids
    for (const pid of [...pidsOf(uid, uid + 1), ...pidsOf(start, start + RANGE)]) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
    if (uid > 0) spawnSync('userdel', ['-r', '-f', name]);
    if (delegated) spawnSync('sh', ['-c', `find ${delegated} -depth -type d -exec rmdir {} +`]);
    for (const file of ['/etc/subuid', '/etc/subgid']) dropLines(file, name);
    if (home) rmSync(home, { recursive: true, force: true });
    for (const dir of [xdg, outDir, cli.copy]) if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('checkconfig as the user: ranges, setuid tools, delegation', () => {
    const r = ok(['checkconfig', '--json']);
    const results = (JSON.parse(r.stdout) as { checks: { id: string; status: string; detail: string }[] }).checks;
    const by = (id: string) => results.find((x) => x.id === id)!;
    assert.equal(by('userns.subuid').status, 'ok');
    assert.match(by('userns.subuid').detail, new RegExp(`^${name}: ${start}-${start + RANGE - 1}`));
    assert.equal(by('userns.newuidmap').status, 'ok');
    assert.ok(by('userns.delegation'), 'delegation is reported');
    assert.match(by('userns.idmapped').detail, /^not used by an ordinary user's containers/);
  });

  test('create: default store, map computed from /etc/subuid, rootfs owned by the container\'s root', () => {
    const r = ok(['create', '-n', 'c1', '-t', 'busybox']);
    assert.match(r.stdout, new RegExp(`Created container c1 in ${lxcpath()}`));
    assert.match(r.stderr, new RegExp(`note: no lxc.idmap given: container ids 0-65535 mapped to host uids ${start}-`));
    assert.match(r.stderr, /note: no network for an ordinary user's container/);
    const config = readFileSync(join(lxcpath(), 'c1', 'config'), 'utf8');
    assert.match(config, new RegExp(`^lxc\\.idmap = u 0 ${start} 65536$`, 'm'));
    assert.match(config, /^lxc\.net\.0\.type = empty$/m);
    const rootfs = join(lxcpath(), 'c1', 'rootfs');
    for (const p of [rootfs, join(rootfs, 'bin', 'busybox'), join(rootfs, 'etc', 'passwd')]) {
      assert.deepEqual([lstatSync(p).uid, lstatSync(p).gid], [start, start], p);
    }
    assert.equal(statSync(join(lxcpath(), 'c1', 'config')).uid, uid, 'the config stays the user\'s');
  });

  test('execute as the user: an application container in the same user namespace', () => {
    const r = ok(['execute', '-n', 'c1', '--', 'sh', '-c', 'id -u; cat /proc/self/uid_map']);
    const [id, map] = r.stdout.trim().split('\n');
    assert.equal(id, '0');
    assert.deepEqual(map!.trim().split(/\s+/), ['0', String(start), '65536']);
  });

  test('start, attach, info, ls as the user: root inside is the first subordinate id outside', () => {
    const s = ok(['start', '-n', 'c1']);
    const notes = s.stderr.match(/runs without cgroup limits/g) ?? [];
    assert.ok(notes.length <= 1, 'said once at most');
    assert.equal(notes.length, 1, `no cgroup is delegated to a fresh user: ${s.stderr}`);
    assert.match(s.stderr, /systemd-run --user --scope -p Delegate=yes/);
    const a = ok(['attach', '-n', 'c1', '--', 'sh', '-c', 'id -u; cat /proc/self/uid_map; ip -o link show lo']);
    const [id, map, lo] = a.stdout.trim().split('\n');
    assert.equal(id, '0');
    assert.deepEqual(map!.trim().split(/\s+/), ['0', String(start), '65536']);
    assert.match(lo ?? '', /<LOOPBACK,UP/, 'loopback up (LINK_UP)');
    const info = ok(['info', '-n', 'c1']);
    assert.match(info.stdout, /State:\s+RUNNING/);
    const pid = Number(/PID:\s+(\d+)/.exec(info.stdout)?.[1]);
    assert.ok(pid > 0);
    assert.equal(statSync(`/proc/${pid}`).uid, start, 'the init is host uid <subuid start>');
    const ls = ok(['ls', '--fancy']);
    assert.match(ls.stdout, /^c1\s+RUNNING\s.*\btrue\s*$/m);
    assert.ok(existsSync(join(xdg, 'corral', 'lxc')), 'runtime state under $XDG_RUNTIME_DIR/corral');
  });

  test('refused: cgroup limits without a cgroup, a veth, a map of ids not the user\'s', () => {
    const f = join(outDir, 'limits.conf');
    writeFileSync(f, 'lxc.cgroup2.pids.max = 10\n');
    chmodSync(outDir, 0o755);
    chmodSync(f, 0o644);
    ok(['create', '-n', 'c2', '-t', 'busybox', '-f', f]);
    const limits = run(['start', '-n', 'c2']);
    assert.equal(limits.code, 1);
    assert.match(limits.stderr, /lxc\.cgroup2\.pids\.max cannot be applied: the host does not delegate a cgroup to this user/);
    const cfg = join(lxcpath(), 'c2', 'config');
    writeFileSync(cfg, readFileSync(cfg, 'utf8').replace('lxc.cgroup2.pids.max = 10\n', '').replace('lxc.net.0.type = empty', 'lxc.net.0.type = veth\nlxc.net.0.link = corralbr0'));
    const veth = run(['start', '-n', 'c2']);
    assert.equal(veth.code, 1);
    assert.match(veth.stderr, /lxc\.net\.0\.type = veth needs CAP_NET_ADMIN on the host/);
    ok(['destroy', '-n', 'c2']);
    writeFileSync(f, `lxc.idmap = u 0 ${start + RANGE} 65536\nlxc.idmap = g 0 ${start} 65536\n`);
    const map = run(['create', '-n', 'c3', '-t', 'busybox', '-f', f]);
    assert.equal(map.code, 1);
    assert.match(map.stderr, new RegExp(`host uids ${start + RANGE}-${start + 2 * RANGE - 1} are not ${name}'s in /etc/subuid`));
    assert.ok(!existsSync(join(lxcpath(), 'c3')), 'nothing left of the refused create');
  });

  test('a cgroup2 directory delegated to the user holds the container (no warning, no limits refused)', (t) => {
    const unified = readFileSync('/proc/self/mountinfo', 'utf8').split('\n').map((l) => l.split(' ')).find((f) => f[f.indexOf('-') + 1] === 'cgroup2')?.[4];
    if (!unified) return t.skip('no cgroup2 mount');
    delegated = join(unified, `corral-${name}`);
    mkdirSync(delegated);
    for (const f of ['', 'cgroup.procs', 'cgroup.subtree_control', 'cgroup.threads']) chownSync(join(delegated, f), uid, 0);
    ok(['create', '-n', 'c4', '-t', 'busybox'], delegated);
    const s = ok(['start', '-n', 'c4'], delegated);
    assert.doesNotMatch(s.stderr, /without cgroup limits/);
    const pid = Number(/PID:\s+(\d+)/.exec(ok(['info', '-n', 'c4']).stdout)?.[1]);
    const own = /^0::(.*)$/m.exec(readFileSync(`/proc/${pid}/cgroup`, 'utf8'))?.[1] ?? '';
    assert.ok(own.endsWith(`/corral-${name}/corral/c4`), own);
    ok(['stop', '-n', 'c4']);
    assert.ok(!existsSync(join(delegated, 'corral', 'c4')), 'its cgroup is removed by a stop from outside it');
    ok(['destroy', '-n', 'c4']);
  });

  test('stop and destroy as the user leave nothing behind', () => {
    ok(['stop', '-n', 'c1']);
    const deadline = Date.now() + 5000;
    while (pidsOf(start, start + RANGE).length > 0 && Date.now() < deadline) spawnSync('sleep', ['0.05']);
    assert.deepEqual(pidsOf(start, start + RANGE), [], 'no process of the container');
    ok(['destroy', '-n', 'c1']);
    assert.deepEqual(readdirSync(lxcpath()), []);
    const files = spawnSync('find', [xdg, '-mindepth', '1', '-not', '-type', 'd'], { encoding: 'utf8' }).stdout.trim();
    assert.equal(files, '', 'no file left in the runtime dir');
    // the monitor's post-stop may still be finishing: give it a moment, then nothing of the user runs
    const end = Date.now() + 5000;
    while (pidsOf(uid, uid + 1).length > 0 && Date.now() < end) spawnSync('sleep', ['0.05']);
    assert.deepEqual(pidsOf(uid, uid + 1), [], 'no process of the user');
    accessSync(lxcpath(), constants.W_OK);
  });
});
