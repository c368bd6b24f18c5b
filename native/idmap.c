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
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/syscall.h>
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
