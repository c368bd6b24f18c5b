// lxc-autostart's selection and order, as pure functions: which containers an autostart
// run touches (lxc.start.auto, lxc.group, -a, -A, -g) and in which waves. LXC starts one
// container after another; Corral starts the containers of one lxc.start.order together
// (a wave) and honours lxc.start.delay by waiting after the wave that holds the container.

export interface AutostartCandidate {
  name: string;
  auto: boolean;
  order: number;
  /** seconds to wait after starting this container before the next one */
  delay: number;
  groups: string[];
}

export interface AutostartSelection {
  /** -a: every group, the ungrouped included */
  all: boolean;
  /** -A: lxc.start.auto does not matter */
  ignoreAuto: boolean;
  /** -g: these groups, in this order; '' is the ungrouped ("NULL") group. Default: [''] */
  groups?: string[];
}

/** The containers to act on, in start order: by group as given, then lxc.start.order, then name. */
export function selectAutostart(candidates: AutostartCandidate[], sel: AutostartSelection): AutostartCandidate[] {
  const eligible = candidates.filter((c) => sel.ignoreAuto || c.auto);
  const byOrder = (a: AutostartCandidate, b: AutostartCandidate) => a.order - b.order || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
  if (sel.all) return [...eligible].sort(byOrder);
  const picked: AutostartCandidate[] = [];
  const seen = new Set<string>();
  for (const group of sel.groups ?? ['']) {
    const members = eligible.filter((c) => !seen.has(c.name) && (group === '' ? c.groups.length === 0 : c.groups.includes(group)));
    for (const c of members.sort(byOrder)) {
      seen.add(c.name);
      picked.push(c);
    }
  }
  return picked;
}

export interface Wave {
  names: string[];
  /** seconds to wait once the wave has started */
  delay: number;
}

/**
 * Consecutive containers of the same group pass and lxc.start.order start together; a
 * container with a delay closes its wave, which then waits that long.
 */
export function startWaves(selected: AutostartCandidate[]): Wave[] {
  const waves: Wave[] = [];
  let current: Wave | undefined;
  let currentOrder: number | undefined;
  for (const c of selected) {
    if (!current || currentOrder !== c.order || current.delay > 0) {
      current = { names: [], delay: 0 };
      currentOrder = c.order;
      waves.push(current);
    }
    current.names.push(c.name);
    current.delay = Math.max(current.delay, c.delay);
  }
  return waves;
}

/** Shutdown, kill and reboot go the other way round, a wave per lxc.start.order, no delays. */
export function stopWaves(selected: AutostartCandidate[]): Wave[] {
  return startWaves([...selected].reverse().map((c) => ({ ...c, delay: 0 })));
}
