/* The monitor (MONITOR op): stage 0 stays the parent of a system container's
 * init for its whole life. monitor.c sets it up and handles the exit;
 * monloop.c is its event loop (pty masters, socket clients, the terminal). */
#ifndef CORRAL_MONITOR_H
#define CORRAL_MONITOR_H

#include <stddef.h>
#include <sys/types.h>
#include <termios.h>

#define MON_NS 8       /* namespaces the monitor returns to after CLONE */
#define MON_BUF 4096   /* per client: request line, then input for the pty */

/* A socket client, or the foreground terminal (fd 0 in, fd 1 out). */
struct mclient {
	int fd, out;
	int tty;           /* the attached tty; -1 while the request line is read */
	int dead;
	size_t off, len;   /* bytes in buf[off..len) wait for the pty master */
	char buf[MON_BUF];
};

/* tty n: 0 is /dev/console, n >= 1 is /dev/ttyN. */
struct mtty {
	int master;
	int peer;          /* a slave fd of our own, so the master never sees EIO */
	struct mclient *client;
};

struct monitor {
	char *socket_path, *exit_file, **argv;
	int flags, bound;
	int no_post_exit; /* a stop that cleans up itself asked us not to run the post-exit command */
	int listen, log, proxy, sfd;
	int ns[MON_NS];
	pid_t init;
	int status, exited;
	struct mtty *tty;
	int ntty;
	struct mclient **cl;
	int ncl;
	struct mclient *fg;
	int raw, outflags;
	struct termios saved;
};

/* monloop.c */
void mon_loop(struct monitor *m);
void mon_drain_console(struct monitor *m);
void mon_close_all(struct monitor *m);

#endif
