// The cgroup v2 device program, loaded and attached for real. There is no helper binary yet,
// so bpftool does the loading: it takes ELF objects, so the raw instructions are wrapped
// in a minimal relocatable BPF ELF (section "cgroup/dev", a license, one global function
// symbol). bpftool pins into a bpffs mounted in a private mount namespace (unshare -m),
// so nothing outlives the test but the attachment, which goes with the cgroup's rmdir.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, rmdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import {
  buildDeviceProgram, detectCgroups, DEVICE_PROGRAM_LICENSE, openCgroupManager, type CgroupPaths, type CgroupSystem, type DeviceRule,
} from '../../src/runtime/cgroup/index.js';

const system = detectCgroups();
const has = (cmd: string, ...args: string[]): boolean => spawnSync(cmd, args, { stdio: 'ignore' }).status === 0;
const skip = process.getuid?.() !== 0 ? 'needs root'
  : !system.unified ? 'no cgroup2 mount to attach to'
  : !has('bpftool', 'version') ? 'bpftool is not installed (apt-get install bpftool)'
  : !has('unshare', '--version') ? 'unshare is not installed' : false;

const PARENT = `/corral-test-${randomBytes(4).toString('hex')}`;
const work = mkdtempSync(join(tmpdir(), 'corral-bpf-'));
let made: { mgr: ReturnType<typeof openCgroupManager>; paths: CgroupPaths } | undefined;

after(async () => {
  if (made) {
    await made.mgr.killAll(made.paths, 'SIGKILL').catch(() => {});
    await new Promise((r) => setTimeout(r, 100));
    await made.mgr.destroy(made.paths).catch((e) => console.error('cleanup:', e));
  }
  try {
    if (system.unified) rmdirSync(`${system.unified}${PARENT}`);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') console.error('cleanup:', e);
  }
  rmSync(work, { recursive: true, force: true });
});

/** A minimal ELF64 relocatable object for EM_BPF holding one program, as libbpf expects. */
function bpfElf(prog: Uint8Array, license: string): Buffer {
  const names = ['', 'cgroup/dev', 'license', '.strtab', '.symtab', 'corral_devices'];
  const off = new Map<string, number>();
  let strtab = '';
  for (const n of names) {
    off.set(n, strtab.length);
    strtab += n + '\0';
  }
  const str = Buffer.from(strtab, 'latin1');
  const lic = Buffer.from(license + '\0', 'latin1');
  const sym = Buffer.alloc(48); // null symbol + one STB_GLOBAL STT_FUNC in section 1
  sym.writeUInt32LE(off.get('corral_devices')!, 24);
  sym.writeUInt8(0x12, 28);
  sym.writeUInt16LE(1, 30);
  sym.writeBigUInt64LE(BigInt(prog.length), 40);
  const a8 = (n: number): number => (n + 7) & ~7;
  const progOff = 64;
  const licOff = progOff + prog.length;
  const strOff = licOff + lic.length;
  const symOff = a8(strOff + str.length);
  const shOff = a8(symOff + sym.length);
  const out = Buffer.alloc(shOff + 5 * 64);
  out.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1], 0); // ELFCLASS64, little-endian, version 1
  out.writeUInt16LE(1, 16); // ET_REL
  out.writeUInt16LE(247, 18); // EM_BPF
  out.writeUInt32LE(1, 20);
  out.writeBigUInt64LE(BigInt(shOff), 40);
  out.writeUInt16LE(64, 52); // e_ehsize
  out.writeUInt16LE(64, 58); // e_shentsize
  out.writeUInt16LE(5, 60); // e_shnum
  out.writeUInt16LE(3, 62); // e_shstrndx
  Buffer.from(prog).copy(out, progOff);
  lic.copy(out, licOff);
  str.copy(out, strOff);
  sym.copy(out, symOff);
  const section = (i: number, name: string, type: number, flags: number, o: number, size: number, link: number, info: number, align: number, entsize: number): void => {
    const b = shOff + i * 64;
    out.writeUInt32LE(off.get(name)!, b);
    out.writeUInt32LE(type, b + 4);
    out.writeBigUInt64LE(BigInt(flags), b + 8);
    out.writeBigUInt64LE(BigInt(o), b + 24);
    out.writeBigUInt64LE(BigInt(size), b + 32);
    out.writeUInt32LE(link, b + 40);
    out.writeUInt32LE(info, b + 44);
    out.writeBigUInt64LE(BigInt(align), b + 48);
    out.writeBigUInt64LE(BigInt(entsize), b + 56);
  };
  section(1, 'cgroup/dev', 1 /* PROGBITS */, 6 /* ALLOC|EXECINSTR */, progOff, prog.length, 0, 0, 8, 0);
  section(2, 'license', 1, 3 /* WRITE|ALLOC */, licOff, lic.length, 0, 0, 1, 0);
  section(3, '.strtab', 3 /* STRTAB */, 0, strOff, str.length, 0, 0, 1, 0);
  section(4, '.symtab', 2 /* SYMTAB */, 0, symOff, sym.length, 3, 1, 8, 24);
  return out;
}

const RUNC_DEFAULT: DeviceRule[] = [
  { allow: false }, { allow: true, type: 'c', access: 'm' }, { allow: true, type: 'b', access: 'm' },
  ...[[1, 3], [1, 8], [1, 7], [5, 0], [1, 5], [1, 9], [5, 2], [10, 200]].map(([major, minor]): DeviceRule => ({ allow: true, type: 'c', major, minor })),
  { allow: true, type: 'c', major: 136 },
];

// runs inside the cgroup once its pid has been written there (it waits for a line on stdin)
const PROBE = `read go
cat /dev/null && echo null:ok
head -c1 /dev/zero >/dev/null && echo zero-read:ok
(echo x >/dev/zero) 2>/dev/null || echo zero-write:denied
(: <>/dev/zero) 2>/dev/null || echo zero-rdwr:denied
head -c1 /dev/urandom >/dev/null 2>&1 || echo urandom:denied
`;

test('the device program passes the verifier, attaches, and is enforced', { skip }, async () => {
  // a hybrid host's cgroup2 mount is driven as a pure v2 host, so create() emits the program
  const v2: CgroupSystem = system.layout === 'v2' ? system : { layout: 'v2', v1: {}, unified: system.unified! };
  const mgr = openCgroupManager({ system: v2 });
  const rules: DeviceRule[] = [{ allow: false }, { allow: true, type: 'c', major: 1, minor: 3 }, { allow: true, type: 'c', major: 1, minor: 5, access: 'r' }];
  const cg = await mgr.create(`${PARENT}/dev`, { devices: rules });
  made = { mgr, paths: cg };
  assert.ok(cg.devicesProgram, 'create() returns the program on cgroup v2');

  writeFileSync(join(work, 'rules.o'), bpfElf(cg.devicesProgram, DEVICE_PROGRAM_LICENSE));
  writeFileSync(join(work, 'default.o'), bpfElf(buildDeviceProgram(RUNC_DEFAULT), DEVICE_PROGRAM_LICENSE));
  const script = `set -e
mount -t bpf bpf "$1/fs"
bpftool prog load "$1/default.o" "$1/fs/default"
bpftool prog load "$1/rules.o" "$1/fs/rules"
bpftool cgroup attach "$2" device pinned "$1/fs/rules" multi`;
  mkdirSync(join(work, 'fs'));
  const load = spawnSync('unshare', ['-m', 'sh', '-c', script, 'sh', work, cg.unifiedDir!], { encoding: 'utf8' });
  assert.equal(load.status, 0, `bpftool failed:\n${load.stderr}`);
  const shown = spawnSync('bpftool', ['cgroup', 'show', cg.unifiedDir!], { encoding: 'utf8' });
  assert.match(shown.stdout, /cgroup_device\s+multi\s+corral_devices/);

  const probe = spawn('sh', ['-c', PROBE], { stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  probe.stdout.on('data', (d: Buffer) => (out += d.toString()));
  writeFileSync(`${cg.unifiedDir}/cgroup.procs`, String(probe.pid));
  probe.stdin.end('go\n');
  await new Promise((resolve) => probe.once('exit', resolve));
  assert.deepEqual(out.trim().split('\n'), ['null:ok', 'zero-read:ok', 'zero-write:denied', 'zero-rdwr:denied', 'urandom:denied']);

  await mgr.destroy(cg);
  made = undefined;
});
