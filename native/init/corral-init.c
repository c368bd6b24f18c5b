/*
 * corral-init: PID 1 of an application container (lxc-execute). Runs the command as its
 * child, forwards every signal it gets to it, reaps every orphan that the kernel hands to
 * PID 1, and exits with the command's status once the command has exited (what is left is
 * killed: a container without its command has no reason to run). Static, so that it runs
 * in any rootfs, with or without a libc.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static int status_of(int st)
{
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* Reap everything that has exited; returns the command's status once it is among them. */
static int reap(pid_t child, int *done)
{
	int st, result = -1;
	pid_t pid;
	while ((pid = waitpid(-1, &st, WNOHANG)) > 0)
		if (pid == child) {
			*done = 1;
			result = status_of(st);
		}
	return result;
}

static void finish(void)
{
	/* the command is gone: the rest of the container goes too, politely first */
	kill(-1, SIGTERM);
	for (int i = 0; i < 20 && waitpid(-1, NULL, WNOHANG) >= 0; i++)
		usleep(50000);
	kill(-1, SIGKILL);
	while (waitpid(-1, NULL, 0) > 0 || errno == EINTR)
		;
}

int main(int argc, char **argv)
{
	int first = argc > 1 && strcmp(argv[1], "--") == 0 ? 2 : 1;
	if (first >= argc) {
		fprintf(stderr, "usage: corral-init [--] COMMAND [ARG...]\n");
		return 2;
	}
	sigset_t all, old;
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &old);
	pid_t child = fork();
	if (child < 0) {
		perror("corral-init: fork");
		return 1;
	}
	if (child == 0) {
		sigprocmask(SIG_SETMASK, &old, NULL);
		setsid();
		execvp(argv[first], &argv[first]);
		fprintf(stderr, "corral-init: exec %s: %s\n", argv[first], strerror(errno));
		_exit(errno == ENOENT ? 127 : 126);
	}
	int done = 0, code = 0;
	while (!done) {
		siginfo_t si;
		int sig = sigwaitinfo(&all, &si);
		if (sig < 0)
			continue;
		if (sig == SIGCHLD) {
			int r = reap(child, &done);
			if (done)
				code = r;
		} else {
			kill(child, sig);
		}
	}
	finish();
	return code;
}
