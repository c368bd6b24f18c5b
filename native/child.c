/* The cloned child: waits for stage 0's release, then runs the child ops in
 * plan order. Any failure is reported and ends the child with status 1. */
#define _GNU_SOURCE
#include "helper.h"
#include "status.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CONTROL_FD 5
#define CONTROL_MAX (1u << 20)

static int control_fd = CONTROL_FD; /* moved by PRESERVE_FDS */

/* Reads one control line byte by byte so the next SYNC's line stays unread.
 * Returns the line (without '\n') or NULL on EOF. */
static char *read_control_line(void)
{
	struct sb b = {0};
	char ch;
	for (;;) {
		ssize_t r = read(control_fd, &ch, 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0 || b.len >= CONTROL_MAX) {
			sb_free(&b);
			return NULL;
		}
		if (ch == '\n')
			break;
		sb_add(&b, &ch, 1);
	}
	sb_add(&b, "", 0);
	return b.p;
}

static int op_sync(struct ctx *c, const struct op *op)
{
	const char *name = op->a[0].s;
	status_sync(name);
	char *line = read_control_line();
	if (!line)
		return fail_plain(ECANCELED, "sync %s: control channel closed", name);
	if (!strcmp(line, "go"))
		return free(line), 0;
	if (!strncmp(line, "go ", 3)) {
		free(c->payload);
		c->payload = strdup(line + 3);
		return free(line), 0;
	}
	if (!strcmp(line, "abort") || !strncmp(line, "abort ", 6))
		return fail_plain(ECANCELED, "sync %s aborted: %s", name, line[5] ? line + 6 : "no reason given");
	return fail_plain(EPROTO, "sync %s: unexpected control line \"%.64s\"", name, line);
}

/* Blocks in open(2) until `start` opens the fifo for reading. */
static int op_wait_start(struct ctx *c)
{
	status_ready();
	int fd;
	while ((fd = openat(c->statedir, "exec.fifo", O_WRONLY | O_CLOEXEC)) < 0 && errno == EINTR)
		;
	if (fd < 0)
		return fail(errno, "open exec.fifo in the state dir");
	int rc = write_all(fd, "0", 1);
	int err = errno;
	close(fd);
	return rc < 0 ? fail(err, "write exec.fifo") : 0;
}

/* The fd stage 0 opened before CLONE for this CGROUP_ENTER or NS_ENTER (the
 * child may be in the container's mount namespace already). */
static int prefd(struct ctx *c, const struct op *op)
{
	if (c->nextprefd >= c->nprefds)
		return fail(EBADF, "%s: not opened before CLONE", op_name(op->code));
	return c->prefds[c->nextprefd++];
}

/* Moving oneself through a v1 `tasks` file with pid 0 skips the global
 * threadgroup lock that a write to cgroup.procs takes (and its RCU wait). */
static int op_cgroup_enter(struct ctx *c, const struct op *op)
{
	int fd = prefd(c, op);
	if (fd < 0)
		return -1;
	int rc = write_all(fd, "0", 1);
	int err = errno;
	close(fd);
	return rc < 0 ? fail(err, "enter cgroup through %s", op->a[0].s) : 0;
}

static int op_ns_enter(struct ctx *c, const struct op *op)
{
	int fd = prefd(c, op);
	if (fd < 0)
		return -1;
	int rc = setns(fd, (int)op->a[0].i);
	int err = errno;
	close(fd);
	return rc < 0 ? fail(err, "setns %s (type 0x%llx)", op->a[1].s, (unsigned long long)op->a[0].i) : 0;
}

static int op_rootfs(struct ctx *c, const struct op *op)
{
	c->rootpath = op->a[0].s;
	if (c->rootfd >= 0)
		close(c->rootfd);
	c->rootfd = open(c->rootpath, O_PATH | O_DIRECTORY | O_CLOEXEC);
	return c->rootfd < 0 ? fail(errno, "open rootfs %s", c->rootpath) : 0;
}

/* Moves *fd to the lowest free number >= floor if it lies in [3, floor). */
static int move_above(int *fd, int floor)
{
	if (*fd < 3 || *fd >= floor)
		return 0;
	int n = fcntl(*fd, F_DUPFD_CLOEXEC, floor);
	if (n < 0)
		return -1;
	close(*fd);
	*fd = n;
	return 0;
}

/* PRESERVE_FDS: the caller's fds from..from+count-1 (inherited by the helper
 * at those numbers) become 3..3+count-1, inheritable; EXEC keeps them. The
 * helper's own fds in the way (status, control, root, state dir, console
 * socket) move above first, and so do the sources, so an overlap of the two
 * ranges cannot clobber one. */
int op_preserve_fds(struct ctx *c, const struct op *op)
{
	int from = (int)op->a[0].i, count = (int)op->a[1].i;
	int floor = from + count > 3 + count ? from + count : 3 + count;
	int status = status_fd_get();
	int *mine[] = {&status, &control_fd, &c->rootfd, &c->statedir, &c->console_sock};
	for (size_t i = 0; i < sizeof mine / sizeof mine[0]; i++)
		if (move_above(mine[i], floor) < 0)
			return fail(errno, "move helper fd %d above %d", *mine[i], floor);
	status_fd_set(status);
	int *tmp = calloc(count ? count : 1, sizeof *tmp);
	if (!tmp)
		return fail(ENOMEM, "preserve %d fds", count);
	int rc = 0;
	for (int k = 0; k < count && !rc; k++)
		if ((tmp[k] = fcntl(from + k, F_DUPFD_CLOEXEC, floor)) < 0)
			rc = fail(errno, "preserve fd %d (passed to the helper as fd %d)", 3 + k, from + k);
	for (int k = 0; k < count && !rc; k++)
		if (dup2(tmp[k], 3 + k) < 0)
			rc = fail(errno, "dup2 fd %d onto %d", from + k, 3 + k);
	for (int k = 0; k < count; k++) {
		if (tmp[k] > 0)
			close(tmp[k]);
		if (from + k >= 3 + count)
			close(from + k);
	}
	free(tmp);
	c->keep_fds = count;
	return rc;
}

static int child_op(struct ctx *c, const struct op *op)
{
	switch (op->code) {
	case OP_SYNC: return op_sync(c, op);
	case OP_WAIT_START: return op_wait_start(c);
	case OP_ROOTFS: return op_rootfs(c, op);
	case OP_MOUNT: return op_mount(c, op);
	case OP_MOUNT_IN_ROOT: return op_mount_in_root(c, op);
	case OP_PIVOT_ROOT: return op_pivot_root(c, op);
	case OP_MOVE_ROOT: return op_move_root(c, op);
	case OP_MASK_PATH: return op_mask_path(c, op);
	case OP_READONLY_PATH: return op_readonly_path(c, op);
	case OP_MKNOD_IN_ROOT: return op_mknod(c, op);
	case OP_SYMLINK_IN_ROOT: return op_symlink(c, op);
	case OP_MKDIR_IN_ROOT: return op_mkdir(c, op);
	case OP_HOOK: return op_hook(c, op);
	case OP_CONSOLE: return op_console(c, op);
	case OP_TTY: return op_tty(c, op);
	case OP_SECCOMP_INIT:
	case OP_SECCOMP_ARCH:
	case OP_SECCOMP_RULE:
	case OP_SECCOMP_LOAD: return op_seccomp(c, op);
	case OP_EXEC: return op_exec(c, op);
	case OP_CHECK_EXEC: return op_check_exec(c, op);
	case OP_CGROUP_ENTER: return op_cgroup_enter(c, op);
	case OP_NS_ENTER: return op_ns_enter(c, op);
	case OP_MOUNT_DETACHED: return op_mount_detached(c, op);
	case OP_PRESERVE_FDS: return op_preserve_fds(c, op);
	}
	return op_identity(c, op);
}

/* Waits for stage 0 to finish the parent ops (maps, cgroup) first: before
 * that the child has no usable identity and is not accounted anywhere. */
static int wait_release(struct ctx *c)
{
	if (recv_release(c) < 0)
		return fail(errno, "stage 0 exited before releasing the child");
	close(c->sync[1]);
	return 0;
}

static int stdio_to_null(struct ctx *c)
{
	for (int i = 0; i < 3; i++)
		if (dup2(c->devnull, i) < 0)
			return fail(errno, "dup2 /dev/null onto fd %d", i);
	close(c->devnull);
	return 0;
}

void child_main(struct ctx *c, uint32_t first)
{
	status_stage("child");
	status_step(-1, 0);
	if (c->foreground || c->mon)
		sigprocmask(SIG_SETMASK, &c->oldmask, NULL);
	/* With TTY_PROXY our stdio is the host's terminal, kept by stage 0 for the
	 * proxy: it must not stay open here while we are visible in a joined pid
	 * namespace (a ptracer there could TIOCSTI into it). CONSOLE gives us the
	 * container's pty instead. */
	if (c->proxy_sock >= 0 && stdio_to_null(c) < 0)
		_exit(1);
	/* The host root (if stage 0 still holds it) must not leak into the
	 * container, nor stage 0's ends, nor the cgroup files stage 0 writes,
	 * nor the host cgroup directory we were cloned into. */
	if (c->hostroot >= 0)
		close(c->hostroot);
	for (int i = 0; i < c->ncgprocs; i++)
		close(c->cgprocs[i]);
	close(c->sync[0]);
	if (c->clone_cgroup >= 0)
		close(c->clone_cgroup);
	if (c->proxy_sock >= 0)
		close(c->proxy_sock);
	if (c->mon)
		monitor_close(c, 0);
	if (wait_release(c) < 0)
		_exit(1);
	for (uint32_t i = first; i < c->plan->nops; i++) {
		const struct op *op = &c->plan->ops[i];
		if (!op_is_child(op->code))
			continue;
		status_step(i, op->code);
		if (child_op(c, op) < 0)
			_exit(1);
	}
	_exit(0);
}
