// Rules that involve more than one key, checked once the whole config is known: what LXC
// would refuse at start (caps drop+keep, incomplete networks) and what would be unsafe or
// fail later in the kernel (overlapping id maps, an unmapped init uid, host net sysctls).
import type { Problems } from './errors.js';
import { checkIdmaps } from './idmap.js';
import type { LxcConfig } from './model.js';
import { checkNetwork } from './net.js';

function checkCaps(cfg: LxcConfig, problems: Problems): void {
  if (cfg.capKeep !== undefined && cfg.capDrop.length > 0) {
    problems.add(cfg.capPos, 'lxc.cap.keep', 'lxc.cap.drop and lxc.cap.keep cannot both be used', 'keep one of them; clear the other with an empty value (e.g. "lxc.cap.drop =")');
  }
}

function checkSysctls(cfg: LxcConfig, problems: Problems): void {
  const hostNet = [...cfg.network.values()].some((d) => d.type === 'none');
  if (!hostNet) return;
  for (const [key, s] of cfg.sysctl) {
    if (key.startsWith('net.') || key.startsWith('net/')) {
      problems.add(s.pos, `lxc.sysctl.${key}`, 'the container shares the host network namespace (lxc.net.0.type = none): this would change the host');
    }
  }
}

function checkProc(cfg: LxcConfig, problems: Problems): void {
  for (const [file, p] of cfg.proc) {
    if (file !== 'oom_score_adj') problems.warn(p.pos, `lxc.proc.${file}`, 'only lxc.proc.oom_score_adj is applied by Corral; ignored');
  }
}

export function validateConfig(cfg: LxcConfig, problems: Problems): void {
  checkCaps(cfg, problems);
  checkIdmaps(
    cfg.idmaps,
    cfg.init,
    // an unmapped init id is reported at the lxc.init.* line when there is one
    (pos, message, key) => problems.add(key ? (cfg.entries.find((e) => e.key === key)?.pos ?? pos) : pos, key ?? 'lxc.idmap', message),
  );
  checkNetwork([...cfg.network.values()], (dev, message) => problems.add(dev.pos, `lxc.net.${dev.index}`, message));
  checkSysctls(cfg, problems);
  checkProc(cfg, problems);
}
