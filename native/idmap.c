/* IDMAP_MOUNT (stage 0) and MOUNT_DETACHED (child): an idmapped copy of a host
 * tree for a container with a user namespace. Stage 0 holds CAP_SYS_ADMIN in
 * the initial user namespace, which mount_setattr(MOUNT_ATTR_IDMAP) needs for
 * a host filesystem; the child, root only in its own user namespace, attaches
 * the detached tree in its mount namespace. The fds cross at the release, on
 * the sync socket (SCM_RIGHTS). */
#define _GNU_SOURCE
#include "helper.h"
#include "status.h"

#include <errno.h>
#include <signal.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/mount.h>

static const char *rel(const char *path)
{
	while (*path == '/')
		path++;
	return *path ? path : ".";
}

int op_idmap_mount(struct ctx *c, const struct op *op)
{
	const char *src = op->a[0].s, *userns = op->a[1].s;
	int rec = (op->a[2].i & IDMAP_RECURSIVE) ? AT_RECURSIVE : 0;
	char path[64];
	if (!*userns) {
		snprintf(path, sizeof path, "/proc/%d/ns/user", (int)c->child);
		userns = path;
	}
	int ns = host_open(c, userns, O_RDONLY);
	if (ns < 0)
		return fail(errno, "open user namespace %s", userns);
	int tree = syscall(SYS_open_tree, c->hostroot, rel(src), OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | rec);
	if (tree < 0) {
		int e = errno;
		close(ns);
		return fail(e, "open_tree (clone) of %s", src);
	}
	struct mount_attr attr = {.attr_set = MOUNT_ATTR_IDMAP, .userns_fd = (uint64_t)ns};
	int rc = syscall(SYS_mount_setattr, tree, "", AT_EMPTY_PATH | rec, &attr, sizeof attr);
	int e = errno;
	close(ns);
	if (rc < 0) {
		close(tree);
		return fail(e, "idmap the mount of %s with %s (mount_setattr MOUNT_ATTR_IDMAP)", src, userns);
	}
	c->detached[c->ndetached++] = tree;
	return 0;
}

int op_mount_detached(struct ctx *c, const struct op *op)
{
	const char *target = op->a[0].s;
	int64_t i = op->a[1].i;
	if (i < 0 || i >= c->ndetached || c->detached[i] < 0)
		return fail_plain(EBADF, "mount detached tree %lld on %s: no such tree", (long long)i, target);
	if (syscall(SYS_move_mount, c->detached[i], "", AT_FDCWD, target, MOVE_MOUNT_F_EMPTY_PATH) < 0)
		return fail(errno, "attach detached tree %lld on %s (move_mount)", (long long)i, target);
	close(c->detached[i]);
	c->detached[i] = -1;
	return 0;
}

/* The release byte, with the detached trees as SCM_RIGHTS; ours are closed. */
int send_release(struct ctx *c)
{
	char byte = 'r', cbuf[CMSG_SPACE(sizeof(int) * DETACHED_MAX)];
	struct iovec iov = {.iov_base = &byte, .iov_len = 1};
	struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};
	if (c->ndetached > 0) {
		memset(cbuf, 0, sizeof cbuf);
		msg.msg_control = cbuf;
		msg.msg_controllen = CMSG_SPACE(sizeof(int) * c->ndetached);
		struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int) * c->ndetached);
		memcpy(CMSG_DATA(cm), c->detached, sizeof(int) * c->ndetached);
	}
	ssize_t n;
	while ((n = sendmsg(c->sync[0], &msg, MSG_NOSIGNAL)) < 0 && errno == EINTR)
		;
	int e = errno;
	for (int i = 0; i < c->ndetached; i++)
		close(c->detached[i]);
	return n == 1 ? 0 : (errno = n < 0 ? e : EIO, -1);
}

/* The child's side: one byte, and the trees if any. */
int recv_release(struct ctx *c)
{
	char byte, cbuf[CMSG_SPACE(sizeof(int) * DETACHED_MAX)];
	struct iovec iov = {.iov_base = &byte, .iov_len = 1};
	struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof cbuf};
	ssize_t n;
	while ((n = recvmsg(c->sync[1], &msg, MSG_CMSG_CLOEXEC)) < 0 && errno == EINTR)
		;
	if (n != 1)
		return n < 0 ? -1 : (errno = 0, -1);
	struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
	int got = 0;
	if (cm && cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS) {
		got = (int)((cm->cmsg_len - CMSG_LEN(0)) / sizeof(int));
		memcpy(c->detached, CMSG_DATA(cm), sizeof(int) * got);
	}
	c->ndetached = got;
	return 0;
}

/* IDMAP_TOOL: `path <child pid> args...` (newuidmap/newgidmap), waited for. An
 * unprivileged caller may not write another process's maps beyond its own id;
 * these setuid tools write them within its /etc/subuid and /etc/subgid ranges. */
int op_idmap_tool(struct ctx *c, const struct op *op)
{
	const char *path = op->a[0].s;
	int64_t n = op->a[1].i;
	char pid[24], *argv[IDMAP_TOOL_MAX_ARGS + 3];
	char *envp[] = {"PATH=/usr/sbin:/usr/bin:/sbin:/bin", NULL};
	snprintf(pid, sizeof pid, "%d", (int)c->child);
	argv[0] = (char *)path;
	argv[1] = pid;
	for (int64_t i = 0; i < n; i++)
		argv[2 + i] = (char *)op->a[2 + i].s;
	argv[2 + n] = NULL;
	int ep[2];
	if (pipe2(ep, O_CLOEXEC) < 0)
		return fail(errno, "pipe for %s", path);
	pid_t t = fork();
	if (t < 0) {
		int e = errno;
		close(ep[0]), close(ep[1]);
		return fail(e, "fork for %s", path);
	}
	if (t == 0) {
		sigset_t none;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		/* a host path, also after an NS_JOIN of a mount namespace; the root fd
		 * stays open across the exec so a script's interpreter can open
		 * /dev/fd/N/path (else ENOENT) */
		fcntl(c->hostroot, F_SETFD, 0);
		execveat(c->hostroot, rel(path), argv, envp, 0);
		int e = errno;
		write_all(ep[1], &e, sizeof e);
		_exit(127);
	}
	close(ep[1]);
	int e = 0;
	ssize_t r = read(ep[0], &e, sizeof e);
	close(ep[0]);
	int st = 0;
	while (waitpid(t, &st, 0) < 0 && errno == EINTR)
		;
	if (r == (ssize_t)sizeof e)
		return fail(e, "exec %s", path);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		return fail_plain(0, "%s %s ... failed (%s %d)", path, pid, WIFEXITED(st) ? "exit status" : "signal",
				  WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
	return 0;
}
