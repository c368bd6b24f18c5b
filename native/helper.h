/* Shared state of one spawn and the op entry points, one file per area. */
#ifndef CORRAL_HELPER_H
#define CORRAL_HELPER_H

#include "plan.h"

#include <signal.h>
#include <sys/socket.h>
#include <sys/types.h>

struct ctx {
	struct plan *plan;
	int hostroot;        /* stage 0: "/" of the caller, kept across NS_JOIN */
	int rootfd;          /* child: ROOTFS */
	const char *rootpath;
	int console_sock;    /* CONSOLE_SOCKET, inherited by the child */
	int proxy_sock;      /* TTY_PROXY: stage 0's end, receives the pty master */
	int clone_cgroup;    /* CLONE_INTO_CGROUP: cgroup2 dir the child is born in */
	int statedir;        /* STATE_DIR, inherited by the child */
	int sync[2];         /* [0] stage 0, [1] child */
	pid_t child;
	int foreground;
	struct monitor *mon; /* MONITOR: stage 0 stays as the init's parent */
	sigset_t fwd, oldmask;
	char *payload;       /* last "go <payload>" for HOOK stdin */
	void *seccomp;       /* scmp_filter_ctx */
	uint32_t seccomp_default;
	int keep_fds;         /* PRESERVE_FDS: fds 3..3+keep_fds-1 survive EXEC */
	int devnull;         /* TTY_PROXY: the host's /dev/null for the child's stdio */
	int cgprocs[32];     /* CGROUP_JOIN after CLONE: cgroup.procs opened before it */
	int ncgprocs, nextcgprocs;
	int prefds[40];      /* CGROUP_ENTER and NS_ENTER of the child: their host paths, opened before CLONE */
	int nprefds, nextprefd;
	int detached[DETACHED_MAX]; /* IDMAP_MOUNT trees, stage 0's then the child's */
	int ndetached;
};

/* main.c */
char **arg_strings(const struct arg *a, int64_t n);

/* stage0.c / child.c */
int spawn_main(struct plan *plan);
void child_main(struct ctx *c, uint32_t first) __attribute__((noreturn));
int host_open(struct ctx *c, const char *path, int flags);
int op_preserve_fds(struct ctx *c, const struct op *op);

/* mounts.c */
int root_resolve(int rootfd, const char *path, int create);
int root_mkdir_p(int rootfd, const char *path, mode_t mode);
int root_parent(int rootfd, const char *path, const char **base);
int op_mount(struct ctx *c, const struct op *op);
int op_mount_in_root(struct ctx *c, const struct op *op);
int op_pivot_root(struct ctx *c, const struct op *op);
int op_move_root(struct ctx *c, const struct op *op);
int op_mask_path(struct ctx *c, const struct op *op);
int op_readonly_path(struct ctx *c, const struct op *op);

/* nodes.c */
int op_mknod(struct ctx *c, const struct op *op);
int op_symlink(struct ctx *c, const struct op *op);
int op_mkdir(struct ctx *c, const struct op *op);

/* identity.c */
int op_identity(struct ctx *c, const struct op *op);

/* seccomp.c */
int op_seccomp(struct ctx *c, const struct op *op);

/* ttyproxy.c */
int op_tty_proxy(struct ctx *c, const struct op *op);
int tty_proxy_wait(struct ctx *c);
int foreground_wait(struct ctx *c);

/* console.c */
int op_console_socket(struct ctx *c, const struct op *op);
int op_console(struct ctx *c, const struct op *op);
int op_tty(struct ctx *c, const struct op *op);
/* bind or connect sock to a unix socket path of any length (relative to its
 * directory, opened from the host root) */
int unix_at(struct ctx *c, int sock, const char *path,
	    int (*fn)(int, const struct sockaddr *, socklen_t));

/* monitor.c: MONITOR (stage 0 before CLONE, after it, and for the rest of
 * the container's life); monitor_close closes its fds (in the child, or
 * when the spawn fails) */
struct monitor *monitor_new(struct ctx *c);
int op_monitor(struct ctx *c, const struct op *op);
int monitor_ns_restore(struct ctx *c);
void monitor_close(struct ctx *c, int unlink_socket);
int monitor_run(struct ctx *c);

/* client.c: `corral-helper console`, the client of a monitor's socket */
int role_console(int argc, char **argv);

/* hooks.c */
int op_hook(struct ctx *c, const struct op *op);

/* idmap.c: IDMAP_MOUNT, MOUNT_DETACHED, and the release that hands the trees over */
int op_idmap_mount(struct ctx *c, const struct op *op);
int op_mount_detached(struct ctx *c, const struct op *op);
int op_idmap_tool(struct ctx *c, const struct op *op);
int send_release(struct ctx *c);
int recv_release(struct ctx *c);

/* bpf.c */
int op_bpf_devices(struct ctx *c, const struct op *op);

/* exec.c */
int op_exec(struct ctx *c, const struct op *op);
int op_check_exec(struct ctx *c, const struct op *op);

#endif
