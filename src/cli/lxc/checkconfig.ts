import type { CommandSpec } from '../args.js';

export const command: CommandSpec = {
  name: 'checkconfig',
  summary: 'what this host supports for containers, and how to fix what is missing',
  description:
    'Reads the kernel configuration and runs live probes. Exit status 0 when everything a privileged system container needs is present, 1 when any of it is missing or ' +
    'cannot be confirmed (warnings, e.g. unprivileged prerequisites, never fail). CONFIG=<file> checks another kernel config.',
  options: [
    { flags: '--json', description: 'print one JSON object (ok, exitCode, blockers, checks[{id, section, name, status, detail, hint, required}])' },
    { flags: '--no-probes', description: 'judge the kernel configuration alone: run and read nothing from the live system' },
  ],
  async run(_args, o) {
    const { runChecks, exitCodeFor } = await import('../../core/checkconfig/index.js');
    const { renderText, toJson } = await import('../../core/checkconfig/report.js');
    const results = await runChecks({ probes: o.noProbes !== true });
    if (o.json === true) {
      const { printJson } = await import('../output.js');
      printJson(toJson(results));
    } else {
      // plain ANSI, only for a terminal, and never when the user asked for no colour
      const color = process.stdout.isTTY === true && process.env.NO_COLOR === undefined;
      process.stdout.write(renderText(results, { color }));
    }
    return exitCodeFor(results);
  },
};
