/* The monitor's event loop: one poll over the signalfd, the listening socket,
 * the socketpair that brings pty masters, the masters and the clients. Every
 * fd but the console log is non-blocking: the console is always drained, and
 * output a client (or our stdout) cannot take at once is dropped for it. Input
 * waits in the client's buffer until the master takes it (the client is not
 * read meanwhile). A tty other than the console is read only while a client
 * is attached, so a new client still finds what was written before. */
#define _GNU_SOURCE
#include "monitor.h"
#include "status.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_CLIENTS 64
#define MAX_TTY 1024
#define REQ_MAX 256

enum { K_SIG, K_LISTEN, K_PROXY, K_TTY, K_CLIENT, K_FG };

struct pset {
	struct pollfd *p;
	struct { int kind, idx; } *w;
	size_t n, cap;
};

static void ps_add(struct pset *s, int fd, short events, int kind, int idx)
{
	if (fd < 0 || !events)
		return;
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 16;
		void *p = realloc(s->p, cap * sizeof *s->p), *w = p ? realloc(s->w, cap * sizeof *s->w) : NULL;
		if (p)
			s->p = p;
		if (!w)
			return; /* out of memory: that fd waits for the next round */
		s->w = w;
		s->cap = cap;
	}
	s->p[s->n] = (struct pollfd){.fd = fd, .events = events};
	s->w[s->n].kind = kind;
	s->w[s->n].idx = idx;
	s->n++;
}

static struct mtty *tty_get(struct monitor *m, long n)
{
	return n >= 0 && n < m->ntty && m->tty[n].master >= 0 ? &m->tty[n] : NULL;
}

/* "/dev/console" is 0; a last component "tty<N>" is N (lxc.tty.dir works). */
static int tty_number(const char *name)
{
	if (!strcmp(name, "/dev/console"))
		return 0;
	const char *base = strrchr(name, '/');
	base = base ? base + 1 : name;
	if (strncmp(base, "tty", 3) || !isdigit((unsigned char)base[3]))
		return -1;
	char *end;
	long n = strtol(base + 3, &end, 10);
	return *end || n < 1 || n > MAX_TTY ? -1 : (int)n;
}

static void copy_winsize(int from, int to)
{
	struct winsize ws;
	if (ioctl(from, TIOCGWINSZ, &ws) == 0)
		ioctl(to, TIOCSWINSZ, &ws);
}

static void add_master(struct monitor *m, const char *name, int fd)
{
	int n = tty_number(name);
	if (n >= m->ntty) {
		struct mtty *t = realloc(m->tty, (size_t)(n + 1) * sizeof *t);
		if (!t)
			n = -1;
		else
			for (m->tty = t; m->ntty <= n; m->ntty++)
				t[m->ntty] = (struct mtty){.master = -1, .peer = -1};
	}
	if (n < 0) {
		close(fd);
		return;
	}
	struct mtty *t = &m->tty[n];
	if (t->master >= 0) {
		close(t->master);
		close(t->peer);
	}
	t->master = fd;
	fcntl(fd, F_SETFL, O_NONBLOCK);
	t->peer = ioctl(fd, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (n == 0 && m->raw)
		copy_winsize(0, fd);
}

/* One message per master, its name as data; EOF once the child exec'd. */
static void recv_master(struct monitor *m)
{
	char name[PATH_MAX], cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = {.iov_base = name, .iov_len = sizeof name - 1};
	struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof cbuf};
	ssize_t n = recvmsg(m->proxy, &msg, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		close(m->proxy);
		m->proxy = -1;
		return;
	}
	struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
	if (!cm || cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
		return;
	int fd;
	memcpy(&fd, CMSG_DATA(cm), sizeof fd);
	name[n] = 0;
	if (msg.msg_flags & MSG_TRUNC)
		close(fd);
	else
		add_master(m, name, fd);
}

static void drop(struct monitor *m, struct mclient *cl)
{
	if (cl == m->fg) {
		cl->fd = -1; /* stdin ended: output still goes to stdout */
		return;
	}
	struct mtty *t = tty_get(m, cl->tty);
	if (t && t->client == cl)
		t->client = NULL;
	cl->dead = 1;
}

static void send_out(struct monitor *m, struct mclient *cl, const char *b, size_t n)
{
	if (!cl || cl->out < 0 || cl->dead)
		return;
	ssize_t w = write(cl->out, b, n); /* partial or EAGAIN: the rest is dropped */
	if (w < 0 && errno != EAGAIN && errno != EINTR) {
		if (cl == m->fg)
			cl->out = -1;
		else
			drop(m, cl);
	}
}

/* One read from a master; returns the bytes read (0: nothing for now). */
static ssize_t tty_output(struct monitor *m, int n)
{
	char buf[MON_BUF];
	struct mtty *t = &m->tty[n];
	ssize_t r = read(t->master, buf, sizeof buf);
	if (r < 0 && errno == EIO) {
		/* our slave fd was hung up (vhangup): open a new one */
		close(t->peer);
		t->peer = ioctl(t->master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
	}
	if (r <= 0)
		return 0;
	if (n == 0 && m->log >= 0)
		write_all(m->log, buf, (size_t)r);
	send_out(m, t->client, buf, (size_t)r);
	if (n == 0)
		send_out(m, m->fg, buf, (size_t)r);
	return r;
}

static int pending(const struct mclient *cl)
{
	return cl && cl->len > cl->off;
}

static void flush_input(struct monitor *m, struct mclient *cl)
{
	if (!pending(cl) || cl->tty < 0)
		return;
	struct mtty *t = tty_get(m, cl->tty);
	ssize_t w = t ? write(t->master, cl->buf + cl->off, cl->len - cl->off) : -1;
	if (w > 0)
		cl->off += (size_t)w;
	else if (!t || (errno != EAGAIN && errno != EINTR))
		cl->off = cl->len; /* nowhere to go: dropped */
	if (cl->off >= cl->len)
		cl->off = cl->len = 0;
}

static void reply(struct mclient *cl, const char *text)
{
	ssize_t w = write(cl->out, text, strlen(text)); /* a fresh socket: room enough */
	(void)w;
}

static void reply_close(struct monitor *m, struct mclient *cl, const char *text)
{
	reply(cl, text);
	drop(m, cl);
}

static long number(const char *s, long max)
{
	char *end;
	if (!s || !isdigit((unsigned char)*s))
		return -1;
	long v = strtol(s, &end, 10);
	return *end || v > max ? -1 : v;
}

static int parse_winsize(struct winsize *ws, const char *rows, const char *cols)
{
	long r = number(rows, 65535), c = number(cols, 65535);
	*ws = (struct winsize){.ws_row = (unsigned short)r, .ws_col = (unsigned short)c};
	return r < 0 || c < 0 ? -1 : 0;
}

static void req_status(struct monitor *m, struct mclient *cl)
{
	char b[128];
	int ttys = 0;
	for (int i = 1; i < m->ntty; i++)
		ttys += m->tty[i].master >= 0;
	snprintf(b, sizeof b, "{\"pid\":%d,\"ttys\":%d,\"console\":%s}\n", (int)m->init, ttys, tty_get(m, 0) ? "true" : "false");
	reply_close(m, cl, b);
}

/* console <n> [<rows> <cols>]: the connection becomes the tty's byte stream. */
static void req_console(struct monitor *m, struct mclient *cl, char **w, int nw)
{
	struct winsize ws;
	long n = nw == 2 || nw == 4 ? number(w[1], MAX_TTY) : -1;
	if (n < 0 || (nw == 4 && parse_winsize(&ws, w[2], w[3]) < 0))
		return reply_close(m, cl, "err 22 usage: console <n> [<rows> <cols>]\n");
	struct mtty *t = tty_get(m, n);
	if (!t)
		return reply_close(m, cl, "err 2 no such tty\n");
	if (t->client)
		return reply_close(m, cl, "err 16 busy\n");
	if (nw == 4)
		ioctl(t->master, TIOCSWINSZ, &ws);
	reply(cl, "ok\n");
	cl->tty = (int)n;
	t->client = cl;
	flush_input(m, cl); /* bytes sent right after the request line */
}

static void req_winsize(struct monitor *m, struct mclient *cl, char **w, int nw)
{
	struct winsize ws;
	struct mtty *t = nw == 4 ? tty_get(m, number(w[1], MAX_TTY)) : NULL;
	if (nw != 4 || parse_winsize(&ws, w[2], w[3]) < 0)
		return reply_close(m, cl, "err 22 usage: winsize <n> <rows> <cols>\n");
	if (!t)
		return reply_close(m, cl, "err 2 no such tty\n");
	reply_close(m, cl, ioctl(t->master, TIOCSWINSZ, &ws) == 0 ? "ok\n" : "err 5 cannot set the window size\n");
}

static void request(struct monitor *m, struct mclient *cl)
{
	char *nl = memchr(cl->buf, '\n', cl->len), line[REQ_MAX + 1], *w[5];
	if (!nl) {
		if (cl->len >= REQ_MAX)
			reply_close(m, cl, "err 22 request line too long\n");
		return;
	}
	size_t len = (size_t)(nl - cl->buf), rest = cl->len - len - 1;
	memcpy(line, cl->buf, len);
	line[len] = 0;
	memmove(cl->buf, nl + 1, rest);
	cl->off = 0;
	cl->len = rest;
	int nw = 0;
	for (char *save, *tok = strtok_r(line, " \t\r", &save); tok; tok = strtok_r(NULL, " \t\r", &save))
		if (nw < 5)
			w[nw++] = tok;
	if (nw == 1 && !strcmp(w[0], "status"))
		return req_status(m, cl);
	if (nw && !strcmp(w[0], "console"))
		return req_console(m, cl, w, nw);
	if (nw && !strcmp(w[0], "winsize"))
		return req_winsize(m, cl, w, nw);
	/* the connection stays open until we exit: its end tells the stopper that
	 * init is gone and the exit file written, without polling */
	if (nw == 1 && !strcmp(w[0], "stopping")) {
		m->no_post_exit = 1;
		return reply(cl, "ok\n");
	}
	reply_close(m, cl, "err 22 unknown request (console, winsize, status, stopping)\n");
}

static void client_read(struct monitor *m, struct mclient *cl)
{
	size_t room = (cl->tty < 0 ? REQ_MAX : sizeof cl->buf) - cl->len;
	ssize_t r = read(cl->fd, cl->buf + cl->len, room);
	if (r < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (r <= 0)
		return drop(m, cl);
	cl->len += (size_t)r;
	if (cl->tty < 0)
		request(m, cl);
	else
		flush_input(m, cl);
}

static void accept_clients(struct monitor *m)
{
	for (;;) {
		int fd = accept4(m->listen, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			return;
		struct mclient *cl = m->ncl < MAX_CLIENTS ? calloc(1, sizeof *cl) : NULL;
		struct mclient **v = cl ? realloc(m->cl, (size_t)(m->ncl + 1) * sizeof *v) : NULL;
		if (!v) {
			free(cl);
			ssize_t w = write(fd, "err 24 too many clients\n", 24);
			(void)w;
			close(fd);
			continue;
		}
		*cl = (struct mclient){.fd = fd, .out = fd, .tty = -1};
		m->cl = v;
		m->cl[m->ncl++] = cl;
	}
}

static void reap(struct monitor *m)
{
	int st;
	pid_t r;
	while ((r = waitpid(-1, &st, WNOHANG)) > 0)
		if (r == m->init)
			m->status = st, m->exited = 1;
}

static void on_signals(struct monitor *m)
{
	struct signalfd_siginfo si;
	while (read(m->sfd, &si, sizeof si) == (ssize_t)sizeof si)
		if (si.ssi_signo == SIGWINCH && m->raw && tty_get(m, 0))
			copy_winsize(0, m->tty[0].master);
	reap(m);
}

static short tty_events(struct monitor *m, int n)
{
	const struct mtty *t = &m->tty[n];
	short ev = n == 0 || t->client ? POLLIN : 0;
	if (pending(t->client) || (n == 0 && pending(m->fg)))
		ev |= POLLOUT;
	return ev;
}

/* A client with input the master has not taken yet is not read. */
static short client_events(const struct mclient *cl)
{
	return cl->dead || (cl->tty >= 0 && pending(cl)) ? 0 : POLLIN;
}

static void dispatch(struct monitor *m, int kind, int idx, short rev)
{
	switch (kind) {
	case K_SIG: on_signals(m); break;
	case K_LISTEN: accept_clients(m); break;
	case K_PROXY: recv_master(m); break;
	case K_TTY:
		if (rev & POLLOUT) {
			flush_input(m, m->tty[idx].client);
			if (idx == 0)
				flush_input(m, m->fg);
		}
		if (rev & (POLLIN | POLLHUP | POLLERR))
			tty_output(m, idx);
		break;
	case K_CLIENT:
		if (!m->cl[idx]->dead)
			client_read(m, m->cl[idx]);
		break;
	case K_FG: client_read(m, m->fg); break;
	}
}

static void collect(struct monitor *m)
{
	int k = 0;
	for (int i = 0; i < m->ncl; i++) {
		if (m->cl[i]->dead) {
			close(m->cl[i]->fd);
			free(m->cl[i]);
		} else {
			m->cl[k++] = m->cl[i];
		}
	}
	m->ncl = k;
}

void mon_loop(struct monitor *m)
{
	struct pset s = {0};
	reap(m); /* init may be gone already */
	while (!m->exited) {
		s.n = 0;
		ps_add(&s, m->sfd, POLLIN, K_SIG, 0);
		ps_add(&s, m->listen, POLLIN, K_LISTEN, 0);
		ps_add(&s, m->proxy, POLLIN, K_PROXY, 0);
		for (int i = 0; i < m->ntty; i++)
			ps_add(&s, m->tty[i].master, tty_events(m, i), K_TTY, i);
		for (int i = 0; i < m->ncl; i++)
			ps_add(&s, m->cl[i]->fd, client_events(m->cl[i]), K_CLIENT, i);
		if (m->fg && tty_get(m, 0))
			ps_add(&s, m->fg->fd, client_events(m->fg), K_FG, 0);
		if (poll(s.p, s.n, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		for (size_t i = 0; i < s.n; i++)
			if (s.p[i].revents)
				dispatch(m, s.w[i].kind, s.w[i].idx, s.p[i].revents);
		collect(m);
	}
	free(s.p);
	free(s.w);
}

/* After init's exit: what it wrote last still reaches the log and clients. */
void mon_drain_console(struct monitor *m)
{
	for (int i = 0; i < 256 && tty_get(m, 0) && tty_output(m, 0) > 0; i++)
		;
}

void mon_close_all(struct monitor *m)
{
	for (int i = 0; i < m->ncl; i++)
		m->cl[i]->dead = 1;
	collect(m);
	free(m->cl);
	for (int i = 0; i < m->ntty; i++) {
		if (m->tty[i].master >= 0)
			close(m->tty[i].master);
		if (m->tty[i].peer >= 0)
			close(m->tty[i].peer);
	}
	free(m->tty);
	free(m->fg);
	if (m->proxy >= 0)
		close(m->proxy);
	if (m->sfd >= 0)
		close(m->sfd);
	m->cl = NULL, m->tty = NULL, m->fg = NULL;
	m->ncl = m->ntty = 0;
	m->proxy = m->sfd = -1;
}
