/* MONITOR: stage 0 stays as the parent of a system container's init, outside
 * its namespaces and cgroup (as LXC's monitor). Before CLONE it opens the
 * console log and its unix socket; after the release it frees the plan, serves
 * the socket (monloop.c) until init exits, writes the exit file atomically,
 * runs the post-exit command and exits with init's status. */
#define _GNU_SOURCE
#include "helper.h"
#include "monitor.h"
#include "status.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <malloc.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const struct {
	const char *saved, *now;
	int type;
} nstab[MON_NS] = {
	{"user", "user", CLONE_NEWUSER}, /* first: the others cannot be left from a joined one */
	{"mnt", "mnt", CLONE_NEWNS},
	{"net", "net", CLONE_NEWNET},
	{"uts", "uts", CLONE_NEWUTS},
	{"ipc", "ipc", CLONE_NEWIPC},
	{"cgroup", "cgroup", CLONE_NEWCGROUP},
	{"pid", "pid_for_children", CLONE_NEWPID},
	{"time", "time_for_children", CLONE_NEWTIME},
};

/* Dispositions of the monitor itself: the runtime signals init by pid. */
static const int ignored[] = {SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2, SIGPIPE, SIGALRM, SIGTSTP, SIGTTIN, SIGTTOU};

static const char *rel(const char *path)
{
	while (*path == '/')
		path++;
	return *path ? path : ".";
}

/* Before any op, so an NS_JOIN or UNSHARE_PARENT can be undone after CLONE. */
struct monitor *monitor_new(struct ctx *c)
{
	struct monitor *m = calloc(1, sizeof *m);
	if (!m)
		return fail(ENOMEM, "allocate the monitor"), NULL;
	m->listen = m->log = m->proxy = m->sfd = -1;
	for (int i = 0; i < MON_NS; i++) {
		char path[64];
		snprintf(path, sizeof path, "/proc/self/ns/%s", nstab[i].saved);
		m->ns[i] = open(path, O_RDONLY | O_CLOEXEC); /* -1 (not tracked) if the kernel lacks it */
	}
	sigemptyset(&c->fwd);
	sigaddset(&c->fwd, SIGCHLD);
	sigaddset(&c->fwd, SIGWINCH);
	return m;
}

/* A socket nobody accepts on (a crashed monitor's) is removed; a live one is not. */
static int remove_stale(struct ctx *c, const char *path)
{
	struct stat st;
	if (fstatat(c->hostroot, rel(path), &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISSOCK(st.st_mode))
		return -1;
	int probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	int rc = probe < 0 ? -1 : unix_at(c, probe, path, connect);
	int err = errno;
	if (probe >= 0)
		close(probe);
	if (rc == 0 || err == EAGAIN)
		return -1;
	return unlinkat(c->hostroot, rel(path), 0);
}

static int monitor_listen(struct ctx *c, struct monitor *m)
{
	const char *path = m->socket_path;
	m->listen = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (m->listen < 0)
		return fail(errno, "create the monitor socket");
	mode_t old = umask(0177);
	int rc = unix_at(c, m->listen, path, bind);
	if (rc < 0 && errno == EADDRINUSE && remove_stale(c, path) == 0)
		rc = unix_at(c, m->listen, path, bind);
	int err = errno;
	umask(old);
	if (rc < 0 && err == EADDRINUSE)
		return fail(err, "monitor socket %s is in use (a running monitor listens there, or it is not a socket)", path);
	if (rc < 0)
		return fail(err, "bind the monitor socket %s", path);
	m->bound = 1;
	if (fchmodat(c->hostroot, rel(path), 0600, 0) < 0)
		return fail(errno, "chmod 0600 the monitor socket %s", path);
	if (listen(m->listen, 16) < 0)
		return fail(errno, "listen on the monitor socket %s", path);
	return 0;
}

int op_monitor(struct ctx *c, const struct op *op)
{
	struct monitor *m = c->mon;
	int64_t argc = op->a[4].i;
	m->socket_path = strdup(op->a[0].s);
	m->exit_file = strdup(op->a[1].s);
	m->flags = (int)op->a[3].i;
	m->argv = calloc(argc + 1, sizeof *m->argv);
	for (int64_t i = 0; m->argv && i < argc; i++)
		if (!(m->argv[i] = strdup(op->a[5 + i].s)))
			return fail(ENOMEM, "copy the post-exit command");
	if (!m->socket_path || !m->exit_file || !m->argv)
		return fail(ENOMEM, "copy the monitor's arguments");
	/* TTY_PROXY's socketpair, with message boundaries: one named master each */
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return fail(errno, "create the monitor's pty socketpair");
	c->proxy_sock = sv[0];
	c->console_sock = sv[1];
	if (unlinkat(c->hostroot, rel(m->exit_file), 0) < 0 && errno != ENOENT)
		return fail(errno, "remove the old exit file %s", m->exit_file);
	const char *log = op->a[2].s;
	if (*log) {
		m->log = openat(c->hostroot, rel(log), O_WRONLY | O_APPEND | O_CREAT | O_NOCTTY | O_CLOEXEC, 0600);
		if (m->log < 0)
			return fail(errno, "open the console log %s", log);
	}
	return monitor_listen(c, m);
}

static int same_ns(struct ctx *c, int fd, const char *name)
{
	char path[64];
	struct stat a, b;
	snprintf(path, sizeof path, "proc/self/ns/%s", name);
	return fstat(fd, &a) == 0 && fstatat(c->hostroot, path, &b, 0) == 0 && a.st_ino == b.st_ino && a.st_dev == b.st_dev;
}

/* After CLONE: the init stays in the joined or new namespaces, the monitor
 * (and the post-exit command it forks) goes back to its own. */
int monitor_ns_restore(struct ctx *c)
{
	struct monitor *m = c->mon;
	for (int i = 0; i < MON_NS; i++) {
		if (m->ns[i] < 0 || same_ns(c, m->ns[i], nstab[i].now))
			continue;
		if (nstab[i].type == CLONE_NEWUSER)
			return fail_plain(EPERM, "the monitor cannot leave a joined user namespace (join it in the child)");
		if (setns(m->ns[i], nstab[i].type) < 0)
			return fail(errno, "return the monitor to its %s namespace", nstab[i].saved);
	}
	return 0;
}

void monitor_close(struct ctx *c, int unlink_socket)
{
	struct monitor *m = c->mon;
	if (m->listen >= 0)
		close(m->listen);
	if (unlink_socket && m->bound)
		unlinkat(c->hostroot, rel(m->socket_path), 0);
	if (m->log >= 0)
		close(m->log);
	m->listen = m->log = -1;
	m->bound = 0;
	for (int i = 0; i < MON_NS; i++) {
		if (m->ns[i] >= 0)
			close(m->ns[i]);
		m->ns[i] = -1;
	}
}

/* Background: nothing of the caller's (a pipe it waits on, its terminal)
 * stays open in a process that lives as long as the container. */
static void detach_stdio(void)
{
	int fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	for (int i = 0; fd >= 0 && i < 3; i++)
		dup2(fd, i);
	if (fd > 2)
		close(fd);
	setsid();
}

/* Foreground: the console on our own stdin/stdout, raw if a terminal. */
static void fg_start(struct monitor *m)
{
	m->fg = calloc(1, sizeof *m->fg);
	if (!m->fg)
		return;
	m->fg->out = 1;
	m->fg->tty = 0;
	if (isatty(0) && tcgetattr(0, &m->saved) == 0) {
		struct termios t = m->saved;
		cfmakeraw(&t);
		m->raw = tcsetattr(0, TCSANOW, &t) == 0;
	}
	/* a stopped terminal must not stop the console drain: output is dropped */
	m->outflags = fcntl(1, F_GETFL);
	if (m->outflags >= 0)
		fcntl(1, F_SETFL, m->outflags | O_NONBLOCK);
}

static void fg_stop(struct monitor *m)
{
	if (!m->fg)
		return;
	if (m->raw)
		tcsetattr(0, TCSANOW, &m->saved);
	if (m->outflags >= 0)
		fcntl(1, F_SETFL, m->outflags);
}

static int exit_code(int st)
{
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* {"pid","exitCode","signal","reboot","time"}: temp file + rename. reboot(2)
 * in a pid namespace kills its init with SIGHUP (restart) or SIGINT (halt,
 * power off). */
static void write_exit_file(struct ctx *c, struct monitor *m)
{
	int sig = WIFSIGNALED(m->status) ? WTERMSIG(m->status) : 0;
	char tmp[PATH_MAX], text[192];
	int n = snprintf(text, sizeof text, "{\"pid\":%d,\"exitCode\":%d,\"signal\":%d,\"reboot\":%s,\"time\":%lld}\n",
			 (int)m->init, exit_code(m->status), sig, sig == SIGHUP ? "true" : "false", (long long)time(NULL));
	if (snprintf(tmp, sizeof tmp, "%s.tmp", rel(m->exit_file)) >= (int)sizeof tmp) {
		fprintf(stderr, "corral-helper monitor: exit file path too long: %s\n", m->exit_file);
		return;
	}
	int fd = openat(c->hostroot, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
	int ok = fd >= 0 && write_all(fd, text, (size_t)n) == 0;
	if (fd >= 0)
		close(fd);
	if (!ok || renameat(c->hostroot, tmp, c->hostroot, rel(m->exit_file)) < 0)
		fprintf(stderr, "corral-helper monitor: write the exit file %s: %s\n", m->exit_file, strerror(errno));
}

/* The post-exit command: stdio /dev/null, our env plus CORRAL_EXIT_FILE. */
static void post_exit(struct monitor *m)
{
	if (!m->argv || !m->argv[0] || m->no_post_exit)
		return;
	if (setenv("CORRAL_EXIT_FILE", m->exit_file, 1) < 0)
		return;
	pid_t pid = fork();
	if (pid == 0) {
		sigset_t none;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		for (size_t i = 0; i < sizeof ignored / sizeof ignored[0]; i++)
			signal(ignored[i], SIG_DFL);
		int fd = open("/dev/null", O_RDWR);
		for (int i = 0; fd >= 0 && i < 3; i++)
			dup2(fd, i);
		closefrom(3);
		execvp(m->argv[0], m->argv);
		_exit(127);
	}
	if (pid < 0) {
		fprintf(stderr, "corral-helper monitor: fork the post-exit command: %s\n", strerror(errno));
		return;
	}
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
}

int monitor_run(struct ctx *c)
{
	struct monitor *m = c->mon;
	m->init = c->child;
	m->proxy = c->proxy_sock;
	c->proxy_sock = -1;
	for (int i = 0; i < MON_NS; i++) {
		close(m->ns[i]);
		m->ns[i] = -1;
	}
	/* The monitor lives as long as the container: give back the plan. */
	plan_free(c->plan);
	malloc_trim(0);
	if (fchdir(c->hostroot) < 0)
		fprintf(stderr, "corral-helper monitor: chdir /: %s\n", strerror(errno));
	for (size_t i = 0; i < sizeof ignored / sizeof ignored[0]; i++)
		signal(ignored[i], SIG_IGN);
	m->sfd = signalfd(-1, &c->fwd, SFD_CLOEXEC | SFD_NONBLOCK);
	if (m->flags & MONITOR_FOREGROUND)
		fg_start(m);
	else
		detach_stdio();
	if (m->sfd >= 0)
		mon_loop(m);
	while (!m->exited && waitpid(m->init, &m->status, 0) < 0 && errno == EINTR)
		;
	mon_drain_console(m);
	fg_stop(m);
	write_exit_file(c, m);
	mon_close_all(m);
	monitor_close(c, 1);
	post_exit(m);
	return exit_code(m->status);
}
