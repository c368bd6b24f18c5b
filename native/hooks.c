/* HOOK: run a program with the last SYNC payload on its stdin, bounded by a
 * timeout. Feeding stdin and waiting share one poll loop, so a hook that
 * never reads its stdin cannot hang us past the timeout. */
#define _GNU_SOURCE
#include "helper.h"
#include "status.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct hook {
	const char *path;
	char **argv, **envp;
	int64_t timeout_ms;
};

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* In the forked hook process: never returns. The exec errno goes back
 * through a close-on-exec pipe. */
static void hook_child(const struct hook *h, int in, int errfd)
{
	signal(SIGPIPE, SIG_DFL);
	if (dup2(in, 0) >= 0)
		execve(h->path, h->argv, h->envp);
	int err = errno;
	write_all(errfd, &err, sizeof err);
	_exit(127);
}

/* Returns 1 when the hook exited, 0 on timeout. */
static int feed_and_wait(const struct hook *h, int pidfd, int in, const char *data)
{
	size_t left = data ? strlen(data) : 0;
	int64_t deadline = h->timeout_ms > 0 ? now_ms() + h->timeout_ms : -1;
	fcntl(in, F_SETFL, O_NONBLOCK);
	for (;;) {
		if (!left && in >= 0)
			close(in), in = -1; /* EOF on the hook's stdin */
		struct pollfd p[2] = {{pidfd, POLLIN, 0}, {in, POLLOUT, 0}};
		int64_t wait = deadline < 0 ? -1 : deadline - now_ms();
		int r = poll(p, 2, wait < 0 && deadline >= 0 ? 0 : (int)wait);
		if (r < 0 && errno == EINTR)
			continue;
		if (p[0].revents & POLLIN)
			break;
		if (r <= 0) { /* timeout (or a poll failure: treated alike) */
			if (in >= 0)
				close(in);
			return 0;
		}
		ssize_t w = p[1].revents ? write(in, data, left) : 0;
		if (w > 0)
			data += w, left -= w;
		else if (w < 0 && errno != EAGAIN)
			left = 0; /* the hook closed its stdin: fine */
	}
	if (in >= 0)
		close(in);
	return 1;
}

static int run_hook(const struct hook *h, const char *payload)
{
	int in[2], ep[2];
	if (pipe2(in, O_CLOEXEC) < 0 || pipe2(ep, O_CLOEXEC) < 0)
		return fail(errno, "create pipes for hook %s", h->path);
	pid_t pid = fork();
	if (pid < 0)
		return fail(errno, "fork for hook %s", h->path);
	if (pid == 0)
		hook_child(h, in[0], ep[1]);
	close(in[0]);
	close(ep[1]);
	int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	int exited = pidfd < 0 ? -1 : feed_and_wait(h, pidfd, in[1], payload);
	int st = 0, err = 0;
	if (exited <= 0)
		kill(pid, SIGKILL);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (read(ep[0], &err, sizeof err) != sizeof err)
		err = 0;
	close(ep[0]);
	if (pidfd >= 0)
		close(pidfd);
	if (err)
		return fail(err, "exec hook %s", h->path);
	if (exited < 0)
		return fail(errno, "wait for hook %s", h->path);
	if (!exited)
		return fail_plain(ETIMEDOUT, "hook %s timed out after %lld ms", h->path, (long long)h->timeout_ms);
	if (WIFSIGNALED(st))
		return fail(0, "hook %s killed by signal %d", h->path, WTERMSIG(st));
	return WEXITSTATUS(st) ? fail(0, "hook %s exited with status %d", h->path, WEXITSTATUS(st)) : 0;
}

int op_hook(struct ctx *c, const struct op *op)
{
	const struct arg *a = op->a;
	int64_t argc = a[2].i, envc = a[3 + argc].i;
	struct hook h = {a[0].s, arg_strings(&a[3], argc), arg_strings(&a[4 + argc], envc), a[1].i};
	char *self[] = {(char *)h.path, NULL};
	if (!h.argv || !h.envp)
		return fail(ENOMEM, "hook %s", h.path);
	if (argc == 0)
		h.argv = self; /* no args given: argv[0] is the path */
	return run_hook(&h, c->payload);
}
