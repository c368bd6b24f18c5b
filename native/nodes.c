/* Device nodes, symlinks and directories inside the rootfs. */
#define _GNU_SOURCE
#include "helper.h"
#include "status.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

int op_mknod(struct ctx *c, const struct op *op)
{
	const char *path = op->a[0].s, *base;
	mode_t mode = (mode_t)op->a[1].i;
	dev_t dev = makedev((unsigned)op->a[2].i, (unsigned)op->a[3].i);
	int dir = root_parent(c->rootfd, path, &base);
	if (dir < 0)
		return fail(errno, "create parent directories of %s", path);
	if (unlinkat(dir, base, 0) < 0 && errno != ENOENT) {
		close(dir);
		return fail(errno, "remove existing %s", path);
	}
	/* The plan gives the exact mode: the umask must not trim it. */
	mode_t old = umask(0);
	int rc = mknodat(dir, base, mode, dev);
	int err = errno;
	umask(old);
	if (rc == 0 && fchownat(dir, base, (uid_t)op->a[4].i, (gid_t)op->a[5].i, AT_SYMLINK_NOFOLLOW) < 0) {
		err = errno;
		close(dir);
		return fail(err, "chown %s to %lld:%lld", path, (long long)op->a[4].i, (long long)op->a[5].i);
	}
	close(dir);
	return rc < 0 ? fail(err, "mknod %s (mode 0%o, %u:%u)", path, mode, major(dev), minor(dev)) : 0;
}

int op_symlink(struct ctx *c, const struct op *op)
{
	const char *target = op->a[0].s, *path = op->a[1].s, *base;
	int dir = root_parent(c->rootfd, path, &base);
	if (dir < 0)
		return fail(errno, "create parent directories of %s", path);
	int rc = symlinkat(target, dir, base);
	int err = errno;
	close(dir);
	return rc < 0 && err != EEXIST ? fail(err, "symlink %s -> %s", path, target) : 0;
}

int op_mkdir(struct ctx *c, const struct op *op)
{
	const char *path = op->a[0].s;
	mode_t old = umask(0);
	int fd = root_mkdir_p(c->rootfd, path, (mode_t)op->a[1].i);
	int err = errno;
	umask(old);
	if (fd < 0)
		return fail(err, "mkdir %s", path);
	close(fd);
	return 0;
}
