/* The container's console: a pty made inside the container (after the root
 * switch, so it belongs to the container's devpts), its master handed to the
 * caller over the console socket, its slave made the controlling terminal. */
#define _GNU_SOURCE
#include "helper.h"
#include "status.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

/* Binds or connects relative to the socket's directory (opened from the host
 * root), which also lifts the 108-byte sun_path limit off the full path. */
int unix_at(struct ctx *c, int sock, const char *path, int (*fn)(int, const struct sockaddr *, socklen_t))
{
	char d[PATH_MAX], b[PATH_MAX];
	snprintf(d, sizeof d, "%s", path);
	snprintf(b, sizeof b, "%s", path);
	const char *base = basename(b);
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	if (strlen(base) >= sizeof sa.sun_path)
		return errno = ENAMETOOLONG, -1;
	strcpy(sa.sun_path, base);
	int dir = host_open(c, dirname(d), O_PATH | O_DIRECTORY);
	if (dir < 0)
		return -1;
	int cwd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	int rc = cwd < 0 || fchdir(dir) < 0 ? -1 : fn(sock, (struct sockaddr *)&sa, sizeof sa);
	int err = errno;
	if (cwd < 0) {
		close(dir);
		return errno = err, -1;
	}
	/* Never leave a host cwd behind for the child to inherit. */
	if (fchdir(cwd) < 0)
		err = errno, rc = -1;
	close(dir);
	close(cwd);
	errno = err;
	return rc;
}

int op_console_socket(struct ctx *c, const struct op *op)
{
	const char *path = op->a[0].s;
	c->console_sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c->console_sock < 0)
		return fail(errno, "create a socket for console socket %s", path);
	return unix_at(c, c->console_sock, path, connect) < 0 ? fail(errno, "connect to console socket %s", path) : 0;
}

/* One message: the pts path as data, the master fd as SCM_RIGHTS (runc's
 * convention, so its recvtty tooling works too). */
static int send_fd(int sock, int fd, const char *name)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = {0};
	struct iovec iov = {.iov_base = (void *)name, .iov_len = strlen(name)};
	struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof cbuf};
	struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof fd);
	ssize_t r;
	while ((r = sendmsg(sock, &msg, MSG_NOSIGNAL)) < 0 && errno == EINTR)
		;
	return r < 0 ? -1 : 0;
}

static int bind_slave(const char *pts, const char *target)
{
	/* The target needs to exist as a file to bind onto. */
	if (mknod(target, S_IFREG | 0600, 0) < 0 && errno != EEXIST)
		return fail(errno, "create console target %s", target);
	if (mount(pts, target, NULL, MS_BIND, NULL) < 0)
		return fail(errno, "bind %s onto %s", pts, target);
	return 0;
}

static int make_ctty(int slave, const char *pts)
{
	if (getsid(0) != getpid() && setsid() < 0)
		return fail(errno, "setsid for the console");
	if (ioctl(slave, TIOCSCTTY, 0) < 0)
		return fail(errno, "make %s the controlling terminal", pts);
	for (int fd = 0; fd < 3; fd++)
		if (dup2(slave, fd) < 0)
			return fail(errno, "dup %s onto fd %d", pts, fd);
	if (slave > 2)
		close(slave);
	return 0;
}

/* Opens a new pty in the container's devpts: master and slave, unlocked. */
static int open_pty(char *pts, size_t len, int *slave)
{
	int master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (master < 0)
		return fail(errno, "open /dev/ptmx");
	if (unlockpt(master) < 0 || ptsname_r(master, pts, len) != 0) {
		fail(errno, "unlock the pty from /dev/ptmx");
		return close(master), -1;
	}
	*slave = open(pts, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (*slave < 0) {
		fail(errno, "open pty slave %s", pts);
		return close(master), -1;
	}
	return master;
}

/* With MONITOR the master goes to stage 0 named "/dev/console" and the
 * socket stays open for the TTY ops (it closes at EXEC: close-on-exec). */
int op_console(struct ctx *c, const struct op *op)
{
	char pts[64];
	int slave, master = open_pty(pts, sizeof pts, &slave);
	if (master < 0)
		return -1;
	if (send_fd(c->console_sock, master, c->mon ? "/dev/console" : pts) < 0)
		return fail(errno, "send the pty master over the console socket");
	close(master);
	if (!c->mon) {
		close(c->console_sock);
		c->console_sock = -1;
	}
	if (*op->a[0].s && bind_slave(pts, op->a[0].s) < 0)
		return -1;
	return make_ctty(slave, pts);
}

/* TTY: one of the container's ttys (lxc.tty.max): a new pty whose slave is
 * bound over the target and whose master goes to the monitor, named by the
 * target. Nothing in the container holds it until a getty opens the target. */
int op_tty(struct ctx *c, const struct op *op)
{
	char pts[64];
	const char *target = op->a[0].s;
	int slave, master = open_pty(pts, sizeof pts, &slave);
	if (master < 0)
		return -1;
	int rc = bind_slave(pts, target);
	if (rc == 0 && send_fd(c->console_sock, master, target) < 0)
		rc = fail(errno, "send the pty master of %s to the monitor", target);
	close(master);
	close(slave);
	return rc;
}
