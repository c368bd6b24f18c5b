/* Stage 0: parent ops, the clone, the release of the child and, with
 * FOREGROUND, waiting for it while forwarding signals (with MONITOR it stays
 * as the container's monitor instead: monitor.c). */
#define _GNU_SOURCE
#include "helper.h"
#include "monitor.h"
#include "status.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/mount.h>
#include <linux/sched.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/* Host paths are resolved from the caller's root captured at start: after an
 * NS_JOIN of a mount namespace, "/" is the container's, not the host's. */
int host_open(struct ctx *c, const char *path, int flags)
{
	while (*path == '/')
		path++;
	return openat(c->hostroot, *path ? path : ".", flags | O_CLOEXEC);
}

static int write_file(struct ctx *c, const char *path, const char *text, const char *what)
{
	int fd = host_open(c, path, O_WRONLY);
	if (fd < 0)
		return fail(errno, "open %s for %s", path, what);
	size_t n = strlen(text);
	ssize_t w = write(fd, text, n);
	int err = w < 0 ? errno : (size_t)w != n ? EIO : 0;
	close(fd);
	return err ? fail(err, "write %s to %s", what, path) : 0;
}

static int child_file(struct ctx *c, const char *name, const char *text)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/%s", (int)c->child, name);
	return write_file(c, path, text, name);
}

static int ns_join(struct ctx *c, const struct op *op)
{
	const char *path = op->a[1].s;
	int fd = host_open(c, path, O_RDONLY);
	if (fd < 0)
		return fail(errno, "open namespace %s", path);
	int rc = setns(fd, (int)op->a[0].i);
	int err = errno;
	close(fd);
	return rc < 0 ? fail(err, "setns %s (type 0x%llx)", path, (unsigned long long)op->a[0].i) : 0;
}

/* The fifo is made here rather than by the runtime: one syscall instead of a
 * mkfifo(1) process. Mode 0622 so a container user other than root can
 * still open it for writing in WAIT_START. */
static int state_dir(struct ctx *c, const struct op *op)
{
	c->statedir = host_open(c, op->a[0].s, O_PATH | O_DIRECTORY);
	if (c->statedir < 0)
		return fail(errno, "open state dir %s", op->a[0].s);
	if (mkfifoat(c->statedir, "exec.fifo", 0622) < 0)
		return fail(errno, "create %s/exec.fifo", op->a[0].s);
	if (fchmodat(c->statedir, "exec.fifo", 0622, 0) < 0)
		return fail(errno, "chmod %s/exec.fifo", op->a[0].s);
	return 0;
}

static int open_cgroup_procs(struct ctx *c, const char *dir)
{
	char path[PATH_MAX];
	if (snprintf(path, sizeof path, "%s/cgroup.procs", dir) >= (int)sizeof path)
		return errno = ENAMETOOLONG, -1;
	return host_open(c, path, O_WRONLY);
}

/* Written through the fd opened before CLONE (prepare_clone). */
static int cgroup_join(struct ctx *c, const struct op *op)
{
	char pid[24];
	if (c->nextcgprocs >= c->ncgprocs)
		return fail(EBADF, "join cgroup %s: not opened before CLONE", op->a[0].s);
	int fd = c->cgprocs[c->nextcgprocs++];
	int n = snprintf(pid, sizeof pid, "%d", (int)c->child);
	ssize_t w = write(fd, pid, (size_t)n);
	int err = w < 0 ? errno : w != n ? EIO : 0;
	close(fd);
	return err ? fail(err, "write the child's pid to %s/cgroup.procs", op->a[0].s) : 0;
}

/* The child is visible from its birth to a pid namespace it is cloned into,
 * and a ptracer there (a privileged container's root holds CAP_SYS_PTRACE)
 * could use whatever it inherits before it closes it. So the host paths of
 * the parent ops after CLONE are opened now, and the host root is closed
 * before the clone unless a later op still needs it (id maps and eBPF of a
 * new container, the monitor: their child has a new pid namespace). */
static int prepare_clone(struct ctx *c, const struct op *clone_op)
{
	int need_root = c->mon != NULL;
	const struct op *end = c->plan->ops + c->plan->nops;
	for (const struct op *op = clone_op + 1; op < end; op++) {
		if (op->code == OP_SETGROUPS || op->code == OP_UID_MAP || op->code == OP_GID_MAP || op->code == OP_BPF_DEVICES ||
		    op->code == OP_IDMAP_MOUNT || op->code == OP_IDMAP_TOOL)
			need_root = 1;
		if (op->code == OP_CGROUP_ENTER || op->code == OP_NS_ENTER) {
			if (c->nprefds >= (int)(sizeof c->prefds / sizeof c->prefds[0]))
				return fail(E2BIG, "more than %zu CGROUP_ENTER and NS_ENTER ops", sizeof c->prefds / sizeof c->prefds[0]);
			const char *path = op->a[op->code == OP_NS_ENTER ? 1 : 0].s;
			int fd = host_open(c, path, op->code == OP_NS_ENTER ? O_RDONLY : O_WRONLY);
			if (fd < 0)
				return fail(errno, "open %s", path);
			c->prefds[c->nprefds++] = fd;
			continue;
		}
		if (op->code != OP_CGROUP_JOIN)
			continue;
		if (c->ncgprocs >= (int)(sizeof c->cgprocs / sizeof c->cgprocs[0]))
			return fail(E2BIG, "more than %zu CGROUP_JOIN ops", sizeof c->cgprocs / sizeof c->cgprocs[0]);
		int fd = open_cgroup_procs(c, op->a[0].s);
		if (fd < 0)
			return fail(errno, "open %s/cgroup.procs", op->a[0].s);
		c->cgprocs[c->ncgprocs++] = fd;
	}
	if (c->proxy_sock >= 0 && (c->devnull = host_open(c, "/dev/null", O_RDWR)) < 0)
		return fail(errno, "open the host's /dev/null");
	if (!need_root) {
		close(c->hostroot);
		c->hostroot = -1;
	}
	return 0;
}

/* clone3 with CLONE_INTO_CGROUP: the child is born in its cgroup2 cgroup, so
 * no migration is needed there, and a migration through cgroup.procs takes a
 * global lock whose write side waits for an RCU grace period (~10 ms). */
static pid_t clone_into_cgroup(unsigned long flags, int cgroup)
{
	struct clone_args args = {
		.flags = flags | CLONE_INTO_CGROUP,
		.exit_signal = SIGCHLD,
		.cgroup = (uint64_t)cgroup,
	};
	return syscall(SYS_clone3, &args, sizeof args);
}

/* The root cgroup of a cgroup namespace as a directory fd for CLONE_INTO_CGROUP,
 * from a cgroup2 mount made inside that namespace (its root is the namespace's
 * root cgroup). An exec child is visible in the container's pid namespace from
 * its birth with this fd: from a detached mount of the container's own subtree,
 * ".." leads nowhere above it, unlike a directory of the host's cgroupfs. */
static int clone_into_cgroupns(struct ctx *c, const struct op *op)
{
	int own = host_open(c, "/proc/self/ns/cgroup", O_RDONLY);
	if (own < 0)
		return fail(errno, "open our cgroup namespace");
	int target = host_open(c, op->a[0].s, O_RDONLY);
	if (target < 0)
		return close(own), fail(errno, "open cgroup namespace %s", op->a[0].s);
	int rc = setns(target, CLONE_NEWCGROUP) < 0 ? fail(errno, "setns %s", op->a[0].s) : 0;
	close(target);
	int fs = -1, mnt = -1;
	if (rc == 0 && (fs = (int)syscall(SYS_fsopen, "cgroup2", FSOPEN_CLOEXEC)) < 0)
		rc = fail(errno, "fsopen cgroup2");
	if (rc == 0 && syscall(SYS_fsconfig, fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
		rc = fail(errno, "create a cgroup2 superblock in %s", op->a[0].s);
	if (rc == 0 && (mnt = (int)syscall(SYS_fsmount, fs, FSMOUNT_CLOEXEC, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC)) < 0)
		rc = fail(errno, "mount cgroup2 of %s", op->a[0].s);
	if (fs >= 0)
		close(fs);
	if (setns(own, CLONE_NEWCGROUP) < 0 && rc == 0)
		rc = fail(errno, "return to our cgroup namespace");
	close(own);
	if (rc < 0) {
		if (mnt >= 0)
			close(mnt);
		return -1;
	}
	c->clone_cgroup = mnt;
	return 0;
}

static int do_clone(struct ctx *c, const struct op *op)
{
	unsigned long flags = (unsigned long)op->a[0].i;
	if (prepare_clone(c, op) < 0)
		return -1;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, c->sync) < 0)
		return fail(errno, "create the sync socketpair");
	/* Signals to forward (or, for the monitor, SIGCHLD and SIGWINCH) are
	 * held from here on so none is lost before the wait loop; the child
	 * restores the mask. */
	if (c->foreground || c->mon)
		sigprocmask(SIG_BLOCK, &c->fwd, &c->oldmask);
	/* Raw clone, fork-like: namespaces and stack copy in one step, no
	 * thread machinery (we are single threaded by construction). */
	pid_t pid = c->clone_cgroup >= 0 ? clone_into_cgroup(flags, c->clone_cgroup)
					 : syscall(SYS_clone, flags | SIGCHLD, 0, 0, 0, 0);
	if (pid < 0)
		return fail(errno, "clone with flags 0x%lx", flags);
	if (pid == 0) {
		uint32_t next = (uint32_t)(op - c->plan->ops) + 1;
		child_main(c, next);
	}
	c->child = pid;
	for (int i = 0; i < c->nprefds; i++)
		close(c->prefds[i]);
	if (c->clone_cgroup >= 0) {
		close(c->clone_cgroup);
		c->clone_cgroup = -1;
	}
	close(c->sync[1]);
	if (c->devnull >= 0)
		close(c->devnull);
	if (c->proxy_sock >= 0) {
		/* only the child may hold its end: EOF then means it died before CONSOLE */
		close(c->console_sock);
		c->console_sock = -1;
	}
	return c->mon ? monitor_ns_restore(c) : 0;
}

static int parent_op(struct ctx *c, const struct op *op)
{
	switch (op->code) {
	case OP_NS_JOIN: return ns_join(c, op);
	case OP_UNSHARE_PARENT:
		if (unshare((int)op->a[0].i) < 0)
			return fail(errno, "unshare flags 0x%llx", (unsigned long long)op->a[0].i);
		return 0;
	case OP_TIMENS_OFFSETS: return write_file(c, "/proc/self/timens_offsets", op->a[0].s, "time offsets");
	case OP_CONSOLE_SOCKET: return op_console_socket(c, op);
	case OP_STATE_DIR: return state_dir(c, op);
	case OP_FOREGROUND: return 0; /* read before the walk, see spawn_main */
	case OP_TTY_PROXY: return op_tty_proxy(c, op);
	case OP_MONITOR: return op_monitor(c, op);
	case OP_CLONE_INTO_CGROUP:
		c->clone_cgroup = host_open(c, op->a[0].s, O_RDONLY | O_DIRECTORY);
		return c->clone_cgroup < 0 ? fail(errno, "open cgroup %s", op->a[0].s) : 0;
	case OP_CLONE_INTO_CGROUPNS: return clone_into_cgroupns(c, op);
	case OP_CLONE: return do_clone(c, op);
	case OP_SETGROUPS: return child_file(c, "setgroups", op->a[0].s);
	case OP_UID_MAP: return child_file(c, "uid_map", op->a[0].s);
	case OP_GID_MAP: return child_file(c, "gid_map", op->a[0].s);
	case OP_CGROUP_JOIN: return cgroup_join(c, op);
	case OP_BPF_DEVICES: return op_bpf_devices(c, op);
	case OP_IDMAP_MOUNT: return op_idmap_mount(c, op);
	case OP_IDMAP_TOOL: return op_idmap_tool(c, op);
	}
	return fail(ENOSYS, "op %u is not a parent op", op->code);
}

/* Every catchable signal except the ones that concern stage 0 itself. */
static void forward_set(sigset_t *set)
{
	sigemptyset(set);
	for (int s = 1; s < NSIG; s++)
		if (s != SIGKILL && s != SIGSTOP && s != SIGPIPE && (s < 32 || s >= SIGRTMIN))
			sigaddset(set, s);
}

/* SIGCHLD is in the held set: it ends the loop once our child is gone. */
int foreground_wait(struct ctx *c)
{
	for (;;) {
		siginfo_t si;
		int sig = sigwaitinfo(&c->fwd, &si);
		if (sig < 0)
			continue; /* EINTR (e.g. SIGCONT after a stop) */
		if (sig != SIGCHLD) {
			kill(c->child, sig);
			continue;
		}
		int st;
		pid_t r;
		while ((r = waitpid(c->child, &st, WNOHANG)) < 0 && errno == EINTR)
			;
		if (r == c->child)
			return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
		if (r < 0)
			return 1;
	}
}

static int release(struct ctx *c)
{
	if (c->mon)
		status_monitor(getpid(), c->mon->socket_path);
	status_pid(c->child);
	if (send_release(c) < 0)
		return fail(errno, "release the child %d", (int)c->child);
	close(c->sync[0]);
	return 0;
}

static int abort_spawn(struct ctx *c)
{
	if (c->mon)
		monitor_close(c, 1);
	if (c->child > 0) {
		kill(c->child, SIGKILL);
		while (waitpid(c->child, NULL, 0) < 0 && errno == EINTR)
			;
	}
	return 1;
}

int spawn_main(struct plan *plan)
{
	static struct ctx c;
	c = (struct ctx){.plan = plan, .rootfd = -1, .console_sock = -1, .proxy_sock = -1, .clone_cgroup = -1, .statedir = -1, .sync = {-1, -1}, .devnull = -1};
	/* Before anything else: nobody in a joined namespace may ptrace us or
	 * reach this binary through /proc/<pid>/exe. */
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	signal(SIGPIPE, SIG_IGN);
	fcntl(4, F_SETFD, FD_CLOEXEC);
	fcntl(5, F_SETFD, FD_CLOEXEC);
	forward_set(&c.fwd);
	sigaddset(&c.fwd, SIGCHLD);
	c.hostroot = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (c.hostroot < 0)
		return fail(errno, "open /"), 1;
	for (uint32_t i = 0; i < plan->nops; i++) {
		c.foreground |= plan->ops[i].code == OP_FOREGROUND;
		if (plan->ops[i].code == OP_MONITOR && !(c.mon = monitor_new(&c)))
			return 1;
	}
	for (uint32_t i = 0; i < plan->nops; i++) {
		const struct op *op = &plan->ops[i];
		if (op_is_child(op->code))
			continue;
		status_step(i, op->code);
		if (parent_op(&c, op) < 0)
			return abort_spawn(&c);
	}
	status_step(-1, 0);
	if (c.child > 0 && release(&c) < 0)
		return abort_spawn(&c);
	/* Our copies must go so the reader sees EOF once the child has exec'd. */
	status_close();
	close(5);
	if (c.mon)
		return monitor_run(&c);
	if (!c.foreground || c.child <= 0)
		return 0;
	return c.proxy_sock >= 0 ? tty_proxy_wait(&c) : foreground_wait(&c);
}
