/* corral-helper: executes plans made by Corral's TypeScript runtime.
 * Roles: spawn (run a plan; with MONITOR it stays as the container's monitor),
 * console (a client of a monitor's socket), decode (print a plan), version. */
#define _GNU_SOURCE
#include "helper.h"
#include "status.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <linux/mount.h>
#include <sys/sendfile.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U
#endif

/* Reads fd to EOF, refusing more than PLAN_MAX_BYTES + 1 (enough to report
 * "too large" with the parser's own message). */
static int read_all(int fd, uint8_t **out, size_t *len)
{
	size_t cap = 65536, n = 0;
	uint8_t *buf = malloc(cap);
	while (buf) {
		if (n == cap) {
			if (cap > PLAN_MAX_BYTES)
				break;
			uint8_t *nb = realloc(buf, cap * 2);
			if (!nb)
				break;
			buf = nb, cap *= 2;
		}
		ssize_t r = read(fd, buf + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			free(buf);
			return -1;
		}
		if (r == 0) {
			*out = buf, *len = n;
			return 0;
		}
		n += r;
	}
	*out = buf, *len = n;
	return buf ? 0 : -1;
}

/* NULL-terminated argv/envp view of n consecutive string args. */
char **arg_strings(const struct arg *a, int64_t n)
{
	char **v = calloc(n + 1, sizeof *v);
	for (int64_t i = 0; v && i < n; i++)
		v[i] = (char *)a[i].s;
	return v;
}

static void print_arg(struct sb *b, const struct arg *a)
{
	if (a->type == 's') {
		sb_json(b, a->s, a->len);
	} else if (a->type == 'i') {
		sb_printf(b, "%" PRId64, a->i);
	} else {
		sb_add(b, "hex:", 4);
		for (uint32_t i = 0; i < a->len; i++)
			sb_printf(b, "%02x", a->b[i]);
	}
}

static int role_decode(void)
{
	uint8_t *buf;
	size_t len;
	struct plan p;
	char err[512];
	if (read_all(0, &buf, &len) < 0) {
		fprintf(stderr, "corral-helper decode: reading the plan: %s\n", strerror(errno));
		return 2;
	}
	if (plan_parse(buf, len, &p, err, sizeof err) < 0) {
		fprintf(stderr, "corral-helper decode: malformed plan at %s\n", err);
		return 2;
	}
	struct sb b = {0};
	sb_printf(&b, "plan version=%u flags=%u ops=%u\n", p.version, p.flags, p.nops);
	for (uint32_t i = 0; i < p.nops; i++) {
		sb_printf(&b, "%u %s", i, op_name(p.ops[i].code));
		for (uint16_t k = 0; k < p.ops[i].argc; k++) {
			sb_add(&b, " ", 1);
			print_arg(&b, &p.ops[i].a[k]);
		}
		sb_add(&b, "\n", 1);
	}
	int rc = b.len && write_all(1, b.p, b.len) < 0 ? 1 : 0;
	sb_free(&b);
	return rc;
}

/* Re-executes us from a private read-only bind mount of our own directory (a
 * detached mount nobody else can reach or remount): the binary cannot be
 * written through /proc/<pid>/exe (EROFS), and no copy is made; the exe then
 * reads /corral-helper. Returns only if that is not possible here (no
 * CAP_SYS_ADMIN, kernel without open_tree, binary replaced meanwhile). */
static void readonly_self(char **argv)
{
	char path[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", path, sizeof path - 1);
	if (n <= 0 || n >= (ssize_t)sizeof path - 1)
		return;
	path[n] = 0;
	char *slash = strrchr(path, '/');
	if (!slash || slash == path || strstr(path, " (deleted)"))
		return;
	*slash = 0;
	int tree = (int)syscall(SYS_open_tree, AT_FDCWD, path, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
	if (tree < 0)
		return;
	struct mount_attr attr = {.attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV};
	extern char **environ;
	if (syscall(SYS_mount_setattr, tree, "", AT_EMPTY_PATH, &attr, sizeof attr) == 0)
		syscall(SYS_execveat, tree, slash + 1, argv, environ, 0);
	close(tree);
}

/* spawn --sealed: run from a copy of ourselves that cannot be written. A
 * process that joins a running container's pid namespace is visible to it
 * until it execs; even non-dumpable, a container root holding CAP_SYS_PTRACE
 * over us could open /proc/<pid>/exe and, once we exit, write the host's
 * binary through that fd (CVE-2019-5736). A binary on a read-only mount (our
 * own private one, see readonly_self) or in a sealed memfd cannot be written. */
static int sealed_self(char **argv)
{
	int self = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	if (self < 0)
		return fail(errno, "open /proc/self/exe");
	int seals = fcntl(self, F_GET_SEALS);
	struct statvfs vfs;
	if ((seals >= 0 && (seals & F_SEAL_WRITE)) || (fstatvfs(self, &vfs) == 0 && (vfs.f_flag & ST_RDONLY))) {
		close(self);
		return 0; /* this is the copy, or a binary that cannot be written anyway */
	}
	readonly_self(argv);
	int mfd = memfd_create("corral-helper", MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC);
	if (mfd < 0 && errno == EINVAL) /* kernels before 6.3 know no MFD_EXEC */
		mfd = memfd_create("corral-helper", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (mfd < 0) {
		int e = errno;
		close(self);
		return fail(e, "memfd_create for a sealed copy of the helper");
	}
	ssize_t n;
	while ((n = sendfile(mfd, self, NULL, 1 << 20)) > 0)
		;
	int err = n < 0 ? errno : 0;
	close(self);
	if (err)
		return close(mfd), fail(err, "copy the helper into its memfd");
	if (fcntl(mfd, F_ADD_SEALS, F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE) < 0)
		return err = errno, close(mfd), fail(err, "seal the helper's memfd");
	extern char **environ;
	fexecve(mfd, argv, environ);
	err = errno;
	close(mfd);
	return fail(err, "re-execute the helper from its sealed memfd");
}

/* Stage 0 entry: fds 3 (plan), 4 (status), 5 (control). */
static int role_spawn(int argc, char **argv)
{
	uint8_t *buf;
	size_t len;
	static struct plan p;
	char err[512];
	status_init(4, 0);
	if (argc > 2 && !strcmp(argv[2], "--sealed") && sealed_self(argv) < 0)
		return 1;
	if (read_all(3, &buf, &len) < 0)
		return fail(errno, "read the plan from fd 3"), 1;
	close(3);
	if (plan_parse(buf, len, &p, err, sizeof err) < 0)
		return fail(0, "malformed plan at %s", err), 1;
	p.owned = buf;
	status_init(4, p.flags & PLAN_FLAG_DEBUG);
	return spawn_main(&p);
}

int main(int argc, char **argv)
{
	const char *role = argc > 1 ? argv[1] : "";
	if (!strcmp(role, "spawn"))
		return role_spawn(argc, argv);
	if (!strcmp(role, "decode"))
		return role_decode();
	if (!strcmp(role, "console"))
		return role_console(argc, argv);
	if (!strcmp(role, "version")) {
		const struct scmp_version *v = seccomp_version();
		printf("corral-helper 1 plan-version=%d libseccomp=%u.%u.%u\n", PLAN_VERSION,
		       v ? v->major : 0, v ? v->minor : 0, v ? v->micro : 0);
		return 0;
	}
	fprintf(stderr, "usage: corral-helper spawn|console|decode|version\n"
			"  spawn [--sealed]  run the plan on fd 3 (status on fd 4, control on fd 5);\n"
			"          --sealed: from a sealed memfd copy of this binary\n"
			"  console [-e X] <socket> <n>  attach to tty n (0 = console) of a monitor\n"
			"  decode  validate the plan on stdin and print it\n");
	return 2;
}
