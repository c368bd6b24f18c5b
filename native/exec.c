/* EXEC: the last op. Nothing of the helper may survive into the container
 * process: fds, signal mask, handlers. */
#define _GNU_SOURCE
#include "helper.h"
#include "status.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

static void reset_signals(void)
{
	sigset_t none;
	for (int s = 1; s < NSIG; s++)
		signal(s, SIG_DFL); /* fails harmlessly for SIGKILL, SIGSTOP, glibc's own */
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

static const char *env_path(char **envp)
{
	for (; *envp; envp++)
		if (!strncmp(*envp, "PATH=", 5))
			return *envp + 5;
	return DEFAULT_PATH;
}

/* execvpe semantics, but with the PATH of the container's env, not ours.
 * Returns only on failure, with errno: EACCES if some candidate was not
 * executable, else the last "not there" error. */
static void exec_search(char **argv, char **envp)
{
	const char *file = argv[0], *p = env_path(envp);
	int eacces = 0;
	if (strchr(file, '/')) {
		execve(file, argv, envp);
		return;
	}
	for (;;) {
		size_t n = strcspn(p, ":");
		char full[PATH_MAX];
		int len = snprintf(full, sizeof full, "%.*s%s%s", (int)n, p, n ? "/" : "", file);
		if (len > 0 && len < (int)sizeof full)
			execve(full, argv, envp);
		if (errno == EACCES)
			eacces = 1;
		else if (errno != ENOENT && errno != ENOTDIR && errno != ENAMETOOLONG)
			return;
		if (!p[n])
			break;
		p += n + 1;
	}
	errno = eacces ? EACCES : ENOENT;
}

/* The same search as exec_search, without executing: lets `create` report a
 * missing executable, as runc does, instead of a container that dies at start. */
static int find_executable(const char *file, char **envp)
{
	const char *p = env_path(envp);
	struct stat st;
	int eacces = 0;
	if (strchr(file, '/')) {
		if (stat(file, &st) < 0)
			return -1;
		return S_ISREG(st.st_mode) && access(file, X_OK) == 0 ? 0 : (errno = EACCES, -1);
	}
	for (;;) {
		size_t n = strcspn(p, ":");
		char full[PATH_MAX];
		int len = snprintf(full, sizeof full, "%.*s%s%s", (int)n, p, n ? "/" : "", file);
		if (len > 0 && len < (int)sizeof full && stat(full, &st) == 0 && S_ISREG(st.st_mode)) {
			if (access(full, X_OK) == 0)
				return 0;
			eacces = 1;
		}
		if (!p[n])
			break;
		p += n + 1;
	}
	errno = eacces ? EACCES : ENOENT;
	return -1;
}

int op_check_exec(struct ctx *c, const struct op *op)
{
	(void)c;
	int64_t argc = op->a[0].i;
	char **envp = arg_strings(&op->a[2 + argc], op->a[1 + argc].i);
	if (!envp)
		return fail(ENOMEM, "look up %s", op->a[1].s);
	/* Clients read these the way they read runc's: podman's exit code is 127
	 * when the message says "not found" or "no such file", else 126. */
	if (find_executable(op->a[1].s, envp) < 0)
		return fail(errno, errno == EACCES ? "executable %s is not an executable file (PATH=%s)"
						    : "executable %s not found (PATH=%s)",
			    op->a[1].s, env_path(envp));
	return 0;
}

int op_exec(struct ctx *c, const struct op *op)
{
	int64_t argc = op->a[0].i;
	char **argv = arg_strings(&op->a[1], argc);
	char **envp = arg_strings(&op->a[2 + argc], op->a[1 + argc].i);
	if (!argv || !envp)
		return fail(ENOMEM, "exec %s", op->a[1].s);
	reset_signals();
	/* Marked, not closed: the status fd must stay usable to report a failed
	 * execve, and goes away by itself when execve succeeds. PRESERVE_FDS's
	 * fds stay open. */
	if (close_range(3 + c->keep_fds, ~0U, CLOSE_RANGE_CLOEXEC) < 0)
		return fail(errno, "mark fds close-on-exec");
	exec_search(argv, envp);
	return fail(errno, "exec %s", argv[0]);
}
