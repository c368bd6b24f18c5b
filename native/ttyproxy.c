/* TTY_PROXY: a foreground run with a terminal and no console socket. The child
 * sends its pty master to stage 0 over a socketpair (the same CONSOLE op as for
 * a console socket); stage 0 puts its own terminal in raw mode and copies bytes
 * both ways, window size included, until the child exits. The host terminal is
 * never handed to the container (no TIOCSTI injection into the host). */
#define _GNU_SOURCE
#include "helper.h"
#include "status.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

int op_tty_proxy(struct ctx *c, const struct op *op)
{
	(void)op;
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return fail(errno, "create the terminal proxy socketpair");
	c->proxy_sock = sv[0];
	c->console_sock = sv[1];
	return 0;
}

static int recv_master(int sock)
{
	char name[128], cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = {.iov_base = name, .iov_len = sizeof name};
	struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof cbuf};
	ssize_t n;
	while ((n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC)) < 0 && errno == EINTR)
		;
	struct cmsghdr *cm = n > 0 ? CMSG_FIRSTHDR(&msg) : NULL;
	if (!cm || cm->cmsg_type != SCM_RIGHTS)
		return -1; /* the child failed before its CONSOLE op */
	int fd;
	memcpy(&fd, CMSG_DATA(cm), sizeof fd);
	return fd;
}

static void copy_winsize(int from, int to)
{
	struct winsize ws;
	if (ioctl(from, TIOCGWINSZ, &ws) == 0)
		ioctl(to, TIOCSWINSZ, &ws);
}

/* One readable fd copied to another; returns 0 once the source is finished. */
static int pump(int from, int to)
{
	char buf[8192];
	ssize_t n;
	while ((n = read(from, buf, sizeof buf)) < 0 && errno == EINTR)
		;
	if (n <= 0)
		return 0;
	return write_all(to, buf, (size_t)n) < 0 ? 0 : 1;
}

static int child_status(struct ctx *c)
{
	int st;
	pid_t r;
	while ((r = waitpid(c->child, &st, WNOHANG)) < 0 && errno == EINTR)
		;
	if (r == c->child)
		return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	return r < 0 ? 1 : -1;
}

static int on_signal(struct ctx *c, int sfd, int master)
{
	struct signalfd_siginfo si;
	if (read(sfd, &si, sizeof si) != (ssize_t)sizeof si)
		return -1;
	if (si.ssi_signo == SIGCHLD)
		return child_status(c);
	if (si.ssi_signo == SIGWINCH)
		copy_winsize(0, master);
	else
		kill(c->child, (int)si.ssi_signo);
	return -1;
}

static int proxy_loop(struct ctx *c, int master, int raw)
{
	int sfd = signalfd(-1, &c->fwd, SFD_CLOEXEC);
	if (sfd < 0)
		return foreground_wait(c);
	struct pollfd p[3] = {{sfd, POLLIN, 0}, {master, POLLIN, 0}, {0, POLLIN, 0}};
	int status = -1;
	while (status < 0) {
		if (poll(p, 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (p[1].revents && !pump(master, 1))
			p[1].fd = -1; /* EIO: every slave fd is closed */
		if (p[2].revents && !pump(0, master)) {
			p[2].fd = -1;
			if (!raw)
				write_all(master, "\x04", 1); /* stdin ended: EOF for the reader */
		}
		if (p[0].revents)
			status = on_signal(c, sfd, master);
	}
	close(sfd);
	if (status < 0)
		status = foreground_wait(c);
	fcntl(master, F_SETFL, O_NONBLOCK);
	while (pump(master, 1))
		;
	return status;
}

int tty_proxy_wait(struct ctx *c)
{
	int master = recv_master(c->proxy_sock);
	close(c->proxy_sock);
	if (master < 0)
		return foreground_wait(c);
	struct termios saved;
	int raw = isatty(0) && tcgetattr(0, &saved) == 0;
	if (raw) {
		struct termios t = saved;
		cfmakeraw(&t);
		tcsetattr(0, TCSANOW, &t);
	}
	copy_winsize(0, master);
	int status = proxy_loop(c, master, raw);
	if (raw)
		tcsetattr(0, TCSANOW, &saved);
	close(master);
	return status;
}
