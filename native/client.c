/* `corral-helper console [-e X] <socket> <n>`: attaches this terminal to tty n
 * (0 = the console) of a container through its monitor's socket, like
 * lxc-console: raw mode when stdin is a terminal, window size sent at attach
 * and on SIGWINCH, <Ctrl+X q> detaches (X = a by default), <Ctrl+X Ctrl+X>
 * sends Ctrl+X itself. Exits when the monitor closes the connection. */
#define _GNU_SOURCE
#include "helper.h"
#include "status.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <termios.h>
#include <unistd.h>

struct conn {
	struct ctx c;   /* only hostroot, for unix_at */
	const char *path, *tty;
	int esc, seen;
};

/* One request, one reply line; returns the connected socket after "ok". */
static int ask(struct conn *k, const char *req)
{
	char line[256];
	size_t n = 0;
	int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0 || unix_at(&k->c, s, k->path, connect) < 0 || write_all(s, req, strlen(req)) < 0) {
		fprintf(stderr, "corral-helper console: connect to %s: %s\n", k->path, strerror(errno));
		goto fail;
	}
	while (n < sizeof line - 1 && read(s, line + n, 1) == 1 && line[n] != '\n')
		n++;
	line[n] = 0;
	if (!strcmp(line, "ok"))
		return s;
	fprintf(stderr, "corral-helper console: tty %s: %s\n", k->tty, n ? line : "no reply from the monitor");
fail:
	if (s >= 0)
		close(s);
	return -1;
}

static void send_winsize(struct conn *k)
{
	struct winsize ws;
	char req[96];
	if (ioctl(0, TIOCGWINSZ, &ws) < 0 || !ws.ws_row)
		return;
	snprintf(req, sizeof req, "winsize %s %u %u\n", k->tty, ws.ws_row, ws.ws_col);
	int s = ask(k, req);
	if (s >= 0)
		close(s);
}

/* Removes the escape sequences from b; -1 when <esc> q was typed. */
static ssize_t unescape(struct conn *k, char *b, ssize_t n)
{
	ssize_t out = 0;
	for (ssize_t i = 0; i < n; i++) {
		if (k->seen) {
			k->seen = 0;
			if (b[i] == 'q')
				return -1;
			b[out++] = b[i];
		} else if (b[i] == k->esc) {
			k->seen = 1;
		} else {
			b[out++] = b[i];
		}
	}
	return out;
}

static void proxy(struct conn *k, int s, int sfd)
{
	char buf[4096];
	struct pollfd p[3] = {{0, POLLIN, 0}, {s, POLLIN, 0}, {sfd, POLLIN, 0}};
	for (;;) {
		if (poll(p, 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			return;
		}
		if (p[1].revents) {
			ssize_t n = read(s, buf, sizeof buf);
			if (n <= 0 || write_all(1, buf, (size_t)n) < 0)
				return;
		}
		if (p[0].revents) {
			ssize_t n = read(0, buf, sizeof buf);
			if (n <= 0 || (n = unescape(k, buf, n)) < 0 || write_all(s, buf, (size_t)n) < 0)
				return;
		}
		if (p[2].revents) {
			struct signalfd_siginfo si;
			if (read(sfd, &si, sizeof si) == (ssize_t)sizeof si)
				send_winsize(k);
		}
	}
}

int role_console(int argc, char **argv)
{
	struct conn k = {.esc = 'a' & 0x1f};
	int i = 2;
	if (argc > 3 && !strcmp(argv[i], "-e")) {
		const char *e = argv[i + 1];
		k.esc = e[0] == '^' && e[1] ? e[1] & 0x1f : e[0] & 0x1f;
		i += 2;
	}
	if (argc - i != 2 || strspn(argv[i + 1], "0123456789") != strlen(argv[i + 1]) || !*argv[i + 1]) {
		fprintf(stderr, "usage: corral-helper console [-e X] <socket> <n>  (n: 0 = console, N = ttyN)\n");
		return 2;
	}
	k.path = argv[i];
	k.tty = argv[i + 1];
	k.c.hostroot = k.path[0] == '/' ? open("/", O_PATH | O_DIRECTORY | O_CLOEXEC) : AT_FDCWD;
	signal(SIGPIPE, SIG_IGN);
	struct winsize ws;
	char req[96];
	int term = isatty(0);
	if (term && ioctl(0, TIOCGWINSZ, &ws) == 0 && ws.ws_row)
		snprintf(req, sizeof req, "console %s %u %u\n", k.tty, ws.ws_row, ws.ws_col);
	else
		snprintf(req, sizeof req, "console %s\n", k.tty);
	int s = ask(&k, req);
	if (s < 0)
		return 1;
	struct termios saved;
	int raw = term && tcgetattr(0, &saved) == 0;
	if (raw) {
		char e = (char)(k.esc + 'a' - 1);
		fprintf(stderr, "\nConnected to tty %s\nType <Ctrl+%c q> to exit the console, <Ctrl+%c Ctrl+%c> to enter Ctrl+%c itself\n\n",
			k.tty, e, e, e, e);
		struct termios t = saved;
		cfmakeraw(&t);
		tcsetattr(0, TCSANOW, &t);
	}
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGWINCH);
	sigprocmask(SIG_BLOCK, &set, NULL);
	int sfd = signalfd(-1, &set, SFD_CLOEXEC);
	proxy(&k, s, sfd);
	if (raw)
		tcsetattr(0, TCSAFLUSH, &saved);
	close(s);
	return 0;
}
