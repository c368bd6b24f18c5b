// The runtime context of an ordinary user's commands: the same as root's but for the cgroup
// manager, which works below the user's delegated cgroup or, without one, makes none.
import { detectCgroups, type CgroupManager, type CgroupSystem } from '../../runtime/cgroup/index.js';
import { RuntimeContext } from '../../runtime/context.js';
import { findUserCgroup, selfCgroupText, UserCgroupManager, type UserCgroup } from './cgroups.js';

export class UserRuntimeContext extends RuntimeContext {
  private userCgroups: CgroupManager | undefined;
  private choice: UserCgroup | undefined;
  private detected: CgroupSystem | undefined;

  private get system(): CgroupSystem {
    this.detected ??= detectCgroups();
    return this.detected;
  }

  /** Which cgroup this user's containers get (decided on first use, like the manager). */
  get cgroupChoice(): UserCgroup {
    this.choice ??= findUserCgroup(this.system, selfCgroupText(), process.getuid?.() ?? 0);
    return this.choice;
  }

  override get cgroups(): CgroupManager {
    this.userCgroups ??= new UserCgroupManager(this.system, this.cgroupChoice);
    return this.userCgroups;
  }
}
