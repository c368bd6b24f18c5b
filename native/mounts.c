/* Mounts and the root switch. Paths "in root" are resolved with openat2
 * RESOLVE_IN_ROOT so an image's symlinks can never point a mount outside the
 * rootfs; the mount itself goes through /proc/self/fd/N of the result. */
#define _GNU_SOURCE
#include "helper.h"
#include "status.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

static int in_root(int rootfd, const char *path, int flags)
{
	struct open_how how = {
		.flags = (uint64_t)(flags | O_CLOEXEC),
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	return (int)syscall(SYS_openat2, rootfd, *path ? path : "/", &how, sizeof how);
}

/* mkdir -p under the root. Each prefix is resolved again from the root, so
 * "..", and symlinks met on the way, stay inside it. */
int root_mkdir_p(int rootfd, const char *path, mode_t mode)
{
	char buf[PATH_MAX];
	int fd = in_root(rootfd, path, O_PATH | O_DIRECTORY);
	if (fd >= 0 || errno != ENOENT)
		return fd;
	if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf)
		return errno = ENAMETOOLONG, -1;
	int dir = in_root(rootfd, "/", O_PATH | O_DIRECTORY);
	for (char *p = buf; dir >= 0 && *p;) {
		while (*p == '/')
			p++;
		char *end = p + strcspn(p, "/"), saved = *end;
		if (p == end)
			break;
		*end = 0;
		/* mkdirat never follows a final symlink: a dangling one gives
		 * EEXIST, then the open below fails and we report that. */
		int last = saved == 0 || end[strspn(end + 1, "/") + 1] == 0;
		if (mkdirat(dir, p, last ? mode : 0755) < 0 && errno != EEXIST) {
			close(dir);
			return -1;
		}
		int next = in_root(rootfd, buf, O_PATH | O_DIRECTORY);
		close(dir);
		dir = next;
		*end = saved;
		p = end;
	}
	return dir;
}

/* Opens (creating) the parent directory of path; *base is the last name. */
int root_parent(int rootfd, const char *path, const char **base)
{
	char dir[PATH_MAX];
	size_t n = strlen(path);
	while (n > 1 && path[n - 1] == '/')
		n--;
	const char *slash = memrchr(path, '/', n);
	*base = slash ? slash + 1 : path;
	size_t dlen = slash ? (size_t)(slash - path) : 0;
	if (dlen >= sizeof dir || n - (*base - path) == 0)
		return errno = dlen >= sizeof dir ? ENAMETOOLONG : EINVAL, -1;
	memcpy(dir, path, dlen);
	dir[dlen] = 0;
	return root_mkdir_p(rootfd, dir, 0755);
}

/* create: 0 must exist, 1 directory (mkdir -p), 2 empty file. */
int root_resolve(int rootfd, const char *path, int create)
{
	int fd = in_root(rootfd, path, O_PATH);
	if (fd >= 0 || errno != ENOENT || create == 0)
		return fd;
	if (create == 1)
		return root_mkdir_p(rootfd, path, 0755);
	const char *base;
	int dir = root_parent(rootfd, path, &base);
	if (dir < 0)
		return -1;
	/* mknod, like O_EXCL, refuses to follow a dangling symlink. */
	int rc = mknodat(dir, base, S_IFREG | 0644, 0);
	int err = errno;
	close(dir);
	if (rc < 0 && err != EEXIST)
		return errno = err, -1;
	return in_root(rootfd, path, O_PATH);
}

static const char *nonempty(const char *s)
{
	return *s ? s : NULL;
}

/* In a user namespace, a remount may not clear flags locked by the mount's
 * owner; keep them set and try once more. */
static unsigned long locked_flags(int fd, const char *path)
{
	struct statvfs sv;
	if ((fd >= 0 ? fstatvfs(fd, &sv) : statvfs(path, &sv)) < 0)
		return 0;
	static const unsigned long map[][2] = {
		{ST_NOSUID, MS_NOSUID}, {ST_NODEV, MS_NODEV}, {ST_NOEXEC, MS_NOEXEC}, {ST_RDONLY, MS_RDONLY},
		{ST_NOATIME, MS_NOATIME}, {ST_NODIRATIME, MS_NODIRATIME}, {ST_RELATIME, MS_RELATIME},
	};
	unsigned long f = 0;
	for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
		if (sv.f_flag & map[i][0])
			f |= map[i][1];
	return f;
}

/* mount(2) with the locked-flags retry; fd >= 0 means target is its proc link. */
static int do_mount(const char *src, const char *target, const char *fstype, unsigned long flags,
		    const char *data, int fd)
{
	int rc = mount(src, target, fstype, flags, data);
	if (rc < 0 && errno == EPERM && (flags & (MS_REMOUNT | MS_BIND)) == (MS_REMOUNT | MS_BIND)) {
		unsigned long extra = locked_flags(fd, target);
		if ((flags | extra) != flags)
			rc = mount(src, target, fstype, flags | extra, data);
		if (rc < 0)
			errno = EPERM;
	}
	return rc;
}

static const char *what(const struct op *op)
{
	return *op->a[0].s ? op->a[0].s : *op->a[2].s ? op->a[2].s : "none";
}

int op_mount(struct ctx *c, const struct op *op)
{
	(void)c;
	const char *target = op->a[1].s;
	if (do_mount(nonempty(op->a[0].s), target, nonempty(op->a[2].s), (unsigned long)op->a[3].i,
		     nonempty(op->a[4].s), -1) < 0)
		return fail(errno, "mount %s on %s", what(op), target);
	return 0;
}

int op_mount_in_root(struct ctx *c, const struct op *op)
{
	const char *target = op->a[1].s;
	int fd = root_resolve(c->rootfd, target, (int)op->a[5].i);
	if (fd < 0)
		return fail(errno, "resolve mount target %s in %s", target, c->rootpath);
	char proc[40];
	snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
	int rc = do_mount(nonempty(op->a[0].s), proc, nonempty(op->a[2].s), (unsigned long)op->a[3].i,
			  nonempty(op->a[4].s), fd);
	int err = errno;
	close(fd);
	return rc < 0 ? fail(err, "mount %s on %s", what(op), target) : 0;
}

int op_pivot_root(struct ctx *c, const struct op *op)
{
	(void)op;
	if (fchdir(c->rootfd) < 0)
		return fail(errno, "chdir to rootfs %s", c->rootpath);
	/* pivot_root(".", "."): the old root ends up stacked on the new one and
	 * is detached right away, no directory for it needed in the image. */
	if (syscall(SYS_pivot_root, ".", ".") < 0)
		return fail(errno, "pivot_root to %s", c->rootpath);
	/* rslave first, or the detach would propagate back to the host. */
	if (mount("", ".", "", MS_SLAVE | MS_REC, NULL) < 0)
		return fail(errno, "make the old root rslave");
	if (umount2(".", MNT_DETACH) < 0)
		return fail(errno, "detach the old root");
	return chdir("/") < 0 ? fail(errno, "chdir to /") : 0;
}

int op_move_root(struct ctx *c, const struct op *op)
{
	(void)op;
	if (fchdir(c->rootfd) < 0)
		return fail(errno, "chdir to rootfs %s", c->rootpath);
	if (mount(".", "/", NULL, MS_MOVE, NULL) < 0)
		return fail(errno, "move mount %s to /", c->rootpath);
	if (chroot(".") < 0)
		return fail(errno, "chroot to %s", c->rootpath);
	return chdir("/") < 0 ? fail(errno, "chdir to /") : 0;
}

int op_mask_path(struct ctx *c, const struct op *op)
{
	(void)c;
	const char *path = op->a[0].s;
	struct stat st;
	if (stat(path, &st) < 0)
		return errno == ENOENT ? 0 : fail(errno, "stat masked path %s", path);
	int rc = S_ISDIR(st.st_mode) ? mount("tmpfs", path, "tmpfs", MS_RDONLY, NULL)
				     : mount("/dev/null", path, NULL, MS_BIND, NULL);
	return rc < 0 ? fail(errno, "mask %s", path) : 0;
}

int op_readonly_path(struct ctx *c, const struct op *op)
{
	(void)c;
	const char *path = op->a[0].s;
	if (mount(path, path, NULL, MS_BIND | MS_REC, NULL) < 0)
		return errno == ENOENT ? 0 : fail(errno, "bind %s onto itself", path);
	/* Keep nosuid/nodev/noexec etc. of the mount: only "ro" is added. */
	unsigned long keep = locked_flags(-1, path);
	if (do_mount(NULL, path, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_REC | keep, NULL, -1) < 0)
		return fail(errno, "remount %s read-only", path);
	return 0;
}
