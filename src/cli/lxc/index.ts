// The LXC-style commands: `corral <command> -n NAME ...` and, through the same entry,
// `lxc-<command> -n NAME ...` with LXC's flags.
import type { CommandSpec } from '../args.js';
import { command as attach } from './attach.js';
import { command as autostart } from './autostart.js';
import { command as cgroup } from './cgroup.js';
import { command as checkconfig } from './checkconfig.js';
import { command as consoleCommand } from './console.js';
import { command as create } from './create.js';
import { command as destroy } from './destroy.js';
import { command as execute } from './execute.js';
import { command as ls } from './ls.js';
import { freezeCommand, unfreezeCommand } from './freeze.js';
import { command as info } from './info.js';
import { command as internal } from './internal.js';
import { command as start } from './start.js';
import { command as stop } from './stop.js';
import { command as unshare } from './unshare.js';
import { command as links } from './links.js';
import { command as net } from './net.js';
import { command as wait } from './wait.js';

export const LXC_COMMANDS: CommandSpec[] = [create, start, stop, destroy, ls, info, attach, consoleCommand, execute, freezeCommand, unfreezeCommand, wait, cgroup, checkconfig, unshare, autostart, links, net, internal];
