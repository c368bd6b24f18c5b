// The differential probe: a busybox `sh` script placed in a test rootfs (as /probe.sh) that
// prints what the container sees, section by section, in a form that is stable from one run
// to the next (no mount ids, no device numbers of anonymous filesystems, no timestamps), so
// that the output of the same bundle under runc and under corral can be compared line by line.
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export type ProbeSection =
  | 'id' // uid/gid/groups from /proc/self/status
  | 'umask'
  | 'cwd' // working directory, its mode and owner
  | 'uts' // hostname and domainname
  | 'status' // Cap*, NoNewPrivs, Seccomp lines of /proc/self/status
  | 'idmap' // uid_map, gid_map, setgroups
  | 'limits' // /proc/self/limits
  | 'oom' // oom_score_adj
  | 'mounts' // /proc/self/mountinfo, normalised
  | 'dev' // the entries of /dev: type, mode, owner, device numbers, link targets
  | 'env'
  | 'pid1' // whether we are pid 1 and what our parent is
  | 'ns' // for each namespace: host, new, or the label of a joined one
  | 'timens'; // /proc/self/timens_offsets

export interface ProbeOptions {
  sections: ProbeSection[];
  /** paths whose readability is reported (`cat` / `ls` and its error message) */
  read?: string[];
  /** paths whose writability is reported (`echo x >` / `touch` and its error message) */
  write?: string[];
  /** files under /sys/fs/cgroup read from inside, e.g. memory/memory.limit_in_bytes */
  cgroupFiles?: string[];
  /** sysctl keys (dotted) read from /proc/sys */
  sysctls?: string[];
  /** shell commands run in order: their output and exit status are reported */
  commands?: string[];
  /** namespace inode -> label ('host' for the caller's own namespaces, a name for joined ones) */
  knownNamespaces?: Record<string, string>;
}

const NS_TYPES = ['cgroup', 'ipc', 'mnt', 'net', 'pid', 'time', 'user', 'uts'];

/** Single-quote for sh. */
export function shQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

// mountinfo: "id parent maj:min root mountpoint opts [optional...] - fstype source superopts".
// Kept: mount point, root inside the fs, fs type, source, per-mount options, super options and
// the propagation tags without their peer group numbers (shared:12 -> shared).
const MOUNTS_AWK = `{
  sep = 0; tags = "";
  for (i = 7; i <= NF; i++) { if ($i == "-") { sep = i; break } sub(/:[0-9]+$/, "", $i); tags = tags (tags == "" ? "" : ",") $i }
  if (tags == "") tags = "private";
  print $5, "root=" $4, $(sep + 1), "src=" $(sep + 2), $6, $(sep + 3), tags
}`;

function section(name: string, body: string): string {
  return `echo "[${name}]"\n${body}\n`;
}

const BODIES: Record<ProbeSection, (o: ProbeOptions) => string> = {
  id: () => `grep -E '^(Uid|Gid|Groups):' /proc/self/status | tr -s '\\t ' ' '`,
  umask: () => 'umask',
  cwd: () => `pwd\nstat -c 'mode=%a uid=%u gid=%g' .`,
  uts: () => `echo "hostname=$(uname -n)"\necho "domainname=$(cat /proc/sys/kernel/domainname)"`,
  status: () => `grep -E '^(Cap|NoNewPrivs|Seccomp)' /proc/self/status | tr -s '\\t ' ' '`,
  idmap: () =>
    `for f in uid_map gid_map setgroups; do echo "$f: $(tr -s ' \\n' ' ' < /proc/self/$f | sed 's/^ //; s/ $//')"; done`,
  limits: () => `tail -n +2 /proc/self/limits | sed 's/  \\+/|/g; s/|$//'`,
  oom: () => `echo "oom_score_adj=$(cat /proc/self/oom_score_adj)"`,
  mounts: () => `awk '${MOUNTS_AWK}' /proc/self/mountinfo`,
  dev: () =>
    [
      'for f in /dev/* /dev/.[!.]*; do',
      '  [ -e "$f" ] || [ -L "$f" ] || continue',
      '  if [ -L "$f" ]; then echo "$f -> $(readlink "$f")"',
      "  elif [ -c \"$f\" ] || [ -b \"$f\" ]; then stat -c '%n %A %u:%g %t:%T' \"$f\"",
      "  else stat -c '%n %A %u:%g' \"$f\"; fi",
      'done',
    ].join('\n'),
  env: () => `env | grep -v -E '^(PWD|SHLVL|_)=' | sort`,
  pid1: () =>
    [
      'if [ $$ = 1 ]; then echo "pid=1"; else echo "pid=not-1"; fi',
      'ppid=$(grep PPid /proc/self/status | tr -d "PPid:\\t ")',
      'if [ "$ppid" = 0 ]; then echo "ppid=0"; else echo "ppid=host"; fi',
      'echo "pid1 comm=$(cat /proc/1/comm)"',
    ].join('\n'),
  ns: (o) => {
    const cases = Object.entries(o.knownNamespaces ?? {})
      .map(([inode, label]) => `    ${shQuote(inode)}) echo "$t=${label}" ;;`)
      .join('\n');
    return [
      `for t in ${NS_TYPES.join(' ')}; do`,
      '  n=$(readlink /proc/self/ns/$t 2>/dev/null | sed "s/.*\\[\\(.*\\)\\]/\\1/")',
      '  case "$n" in',
      '    "") echo "$t=unsupported" ;;',
      cases,
      '    *) echo "$t=new" ;;',
      '  esac',
      'done',
    ].join('\n');
  },
  timens: () => `cat /proc/self/timens_offsets 2>&1 | tr -s ' ' ' '`,
};

function accessChecks(o: ProbeOptions): string {
  const lines: string[] = [];
  for (const p of o.read ?? []) {
    const q = shQuote(p);
    lines.push(
      `if [ -d ${q} ]; then r=$(ls -A ${q} 2>&1); rc=$?; echo "read ${p}: dir [$(echo $r)] rc=$rc"; ` +
        `else r=$(cat ${q} 2>&1 >/dev/null); echo "read ${p}: rc=$? $r"; fi`,
    );
  }
  for (const p of o.write ?? []) {
    const q = shQuote(p);
    lines.push(
      `if [ -d ${q} ]; then r=$(touch ${q}/.probe 2>&1); rc=$?; rm -f ${q}/.probe 2>/dev/null; echo "write ${p}: rc=$rc $r"; ` +
        `else r=$( (echo x > ${q}) 2>&1); echo "write ${p}: rc=$? $r"; fi`,
    );
  }
  return lines.join('\n');
}

function cgroupChecks(o: ProbeOptions): string {
  const files = (o.cgroupFiles ?? []).map((f) => {
    const q = shQuote(`/sys/fs/cgroup/${f}`);
    return `echo "${f}=$(cat ${q} 2>&1 | tr '\\n' ' ' | sed 's/ $//')"`;
  });
  return ['echo "self: $(tr "\\n" " " < /proc/self/cgroup)"', ...files].join('\n');
}

function sysctlChecks(o: ProbeOptions): string {
  return (o.sysctls ?? [])
    .map((k) => `echo "${k}=$(cat /proc/sys/${k.replace(/\./g, '/')} 2>&1)"`)
    .join('\n');
}

function commandChecks(o: ProbeOptions): string {
  return (o.commands ?? [])
    .map((c) => `echo ${shQuote(`$ ${c}`)}\n( ${c} ) 2>&1\necho "rc=$?"`)
    .join('\n');
}

export function probeScript(o: ProbeOptions): string {
  let script = '#!/bin/sh\n# generated by test/support/probe.ts\nexec 2>&1\n';
  for (const s of o.sections) script += section(s, BODIES[s](o));
  if (o.read?.length || o.write?.length) script += section('access', accessChecks(o));
  if (o.cgroupFiles) script += section('cgroup', cgroupChecks(o));
  if (o.sysctls?.length) script += section('sysctl', sysctlChecks(o));
  if (o.commands?.length) script += section('commands', commandChecks(o));
  return script + 'echo "[end]"\n';
}

/** Write the probe as /probe.sh (mode 0755) into a rootfs; returns the process args to run it. */
export function installProbe(rootfs: string, o: ProbeOptions): string[] {
  const path = join(rootfs, 'probe.sh');
  writeFileSync(path, probeScript(o));
  chmodSync(path, 0o755);
  return ['/bin/sh', '/probe.sh'];
}

/** Replace run-specific strings (container id, bundle path) by placeholders. */
export function normaliseProbe(text: string, replace: Record<string, string>): string {
  let out = text;
  // longest first, so that a bundle path is replaced before a prefix of it
  for (const [from, to] of Object.entries(replace).sort((a, b) => b[0].length - a[0].length)) {
    if (from) out = out.split(from).join(to);
  }
  return out;
}

/** The probe's output as { section name: lines }. */
export function probeSections(text: string): Map<string, string[]> {
  const sections = new Map<string, string[]>();
  let current = '(preamble)';
  for (const line of text.split('\n')) {
    const m = /^\[(\w+)\]$/.exec(line);
    if (m) {
      current = m[1]!;
      sections.set(current, []);
    } else if (line !== '') {
      if (!sections.has(current)) sections.set(current, []);
      sections.get(current)!.push(line);
    }
  }
  return sections;
}

/** A line diff for failure messages: "- " only in expected, "+ " only in actual, "  " common. */
export function lineDiff(expected: string, actual: string, context = 2): string {
  const a = expected.split('\n');
  const b = actual.split('\n');
  const lcs: number[][] = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      lcs[i]![j] = a[i] === b[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
    }
  }
  const rows: string[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) {
      rows.push(`  ${a[i++]}`);
      j++;
    } else if (j < b.length && (i >= a.length || lcs[i]![j + 1]! >= lcs[i + 1]![j]!)) {
      rows.push(`+ ${b[j++]}`);
    } else {
      rows.push(`- ${a[i++]}`);
    }
  }
  // keep changed rows and their context
  const keep = rows.map((r) => !r.startsWith('  '));
  return rows
    .filter((_, k) => keep.slice(Math.max(0, k - context), k + context + 1).some(Boolean))
    .join('\n');
}
