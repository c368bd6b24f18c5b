/* Who the container process is: ids, groups, capabilities, limits, names,
 * sysctls, umask, oom score, session. */
#define _GNU_SOURCE
#include "helper.h"
#include "status.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <linux/capability.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

static int write_proc(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return fail(errno, "open %s", path);
	size_t n = strlen(text);
	ssize_t w = write(fd, text, n);
	int err = w < 0 ? errno : (size_t)w != n ? EIO : 0;
	close(fd);
	return err ? fail(err, "write \"%s\" to %s", text, path) : 0;
}

static int sysctl(const struct op *op)
{
	char path[PATH_MAX];
	if (snprintf(path, sizeof path, "/proc/sys/%s", op->a[0].s) >= (int)sizeof path)
		return fail(ENAMETOOLONG, "sysctl %s", op->a[0].s);
	return write_proc(path, op->a[1].s);
}

/* We are non-dumpable, so /proc/self files belong to the host's root; let
 * our own (possibly user-namespaced) uid own them for the one write. */
static int oom_score_adj(const struct op *op)
{
	char v[24];
	snprintf(v, sizeof v, "%lld", (long long)op->a[0].i);
	prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
	int rc = write_proc("/proc/self/oom_score_adj", v);
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	return rc;
}

static int set_rlimit(const struct op *op)
{
	struct rlimit rl = {
		.rlim_cur = op->a[1].i == -1 ? RLIM_INFINITY : (rlim_t)op->a[1].i,
		.rlim_max = op->a[2].i == -1 ? RLIM_INFINITY : (rlim_t)op->a[2].i,
	};
	if (prlimit(0, (int)op->a[0].i, &rl, NULL) < 0)
		return fail(errno, "setrlimit resource %lld to %lld/%lld", (long long)op->a[0].i,
			    (long long)op->a[1].i, (long long)op->a[2].i);
	return 0;
}

static int set_groups(const struct op *op)
{
	int64_t n = op->a[0].i;
	gid_t *g = calloc(n ? n : 1, sizeof *g);
	if (!g)
		return fail(ENOMEM, "setgroups");
	for (int64_t i = 0; i < n; i++)
		g[i] = (gid_t)op->a[1 + i].i;
	int rc = setgroups((size_t)n, g);
	free(g);
	return rc < 0 ? fail(errno, "setgroups (%lld groups)", (long long)n) : 0;
}

/* Keep-caps so the CAPS op that follows still has permitted caps to set. */
static int set_user(uid_t uid, gid_t gid)
{
	prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0);
	if (setresgid(gid, gid, gid) < 0)
		return fail(errno, "setresgid %u", gid);
	if (setresuid(uid, uid, uid) < 0)
		return fail(errno, "setresuid %u", uid);
	prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0);
	return 0;
}

/* Probing PR_CAPBSET_READ finds the last cap without needing /proc. */
static int caps_bounding(const struct op *op)
{
	uint64_t keep = (uint64_t)op->a[0].i;
	for (int cap = 0; cap < 64 && prctl(PR_CAPBSET_READ, cap, 0, 0, 0) >= 0; cap++)
		if (!(keep >> cap & 1) && prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0)
			return fail(errno, "drop capability %d from the bounding set", cap);
	return 0;
}

static int caps(const struct op *op)
{
	uint64_t eff = (uint64_t)op->a[0].i, perm = (uint64_t)op->a[1].i;
	uint64_t inh = (uint64_t)op->a[2].i, amb = (uint64_t)op->a[3].i;
	struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
	struct __user_cap_data_struct data[2];
	for (int i = 0; i < 2; i++) {
		data[i].effective = (uint32_t)(eff >> (32 * i));
		data[i].permitted = (uint32_t)(perm >> (32 * i));
		data[i].inheritable = (uint32_t)(inh >> (32 * i));
	}
	if (syscall(SYS_capset, &hdr, data) < 0)
		return fail(errno, "capset effective 0x%llx permitted 0x%llx inheritable 0x%llx",
			    (unsigned long long)eff, (unsigned long long)perm, (unsigned long long)inh);
	for (int cap = 0; cap < 64; cap++)
		if (amb >> cap & 1 && prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) < 0)
			return fail(errno, "raise ambient capability %d", cap);
	return 0;
}

/* An interface of the current network namespace up, as `ip link set dev NAME up` does. */
static int link_up(const char *name)
{
	struct ifreq ifr;
	memset(&ifr, 0, sizeof ifr);
	if (strlen(name) >= sizeof ifr.ifr_name)
		return fail(EINVAL, "interface name %s is too long", name);
	strcpy(ifr.ifr_name, name);
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return fail(errno, "socket to set %s up", name);
	int rc = ioctl(s, SIOCGIFFLAGS, &ifr) < 0 ? fail(errno, "get flags of %s", name) : 0;
	if (rc == 0 && !(ifr.ifr_flags & IFF_UP)) {
		ifr.ifr_flags |= IFF_UP;
		if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0)
			rc = fail(errno, "set %s up", name);
	}
	close(s);
	return rc;
}

/* Reports a failed call (rc < 0) with errno and a message. */
#define CHECK(rc, ...) ((rc) < 0 ? fail(errno, __VA_ARGS__) : 0)

int op_identity(struct ctx *c, const struct op *op)
{
	(void)c;
	const struct arg *a = op->a;
	switch (op->code) {
	case OP_UNSHARE: return CHECK(unshare((int)a[0].i), "unshare flags 0x%llx", (unsigned long long)a[0].i);
	case OP_BECOME_ROOT: return set_user(0, 0);
	case OP_SETSID: return CHECK(setsid(), "setsid");
	case OP_SYSCTL: return sysctl(op);
	case OP_HOSTNAME: return CHECK(sethostname(a[0].s, a[0].len), "sethostname %s", a[0].s);
	case OP_LINK_UP: return link_up(a[0].s);
	case OP_DOMAINNAME: return CHECK(setdomainname(a[0].s, a[0].len), "setdomainname %s", a[0].s);
	case OP_RLIMIT: return set_rlimit(op);
	case OP_OOM_SCORE_ADJ: return oom_score_adj(op);
	case OP_SETGROUPS_IDS: return set_groups(op);
	case OP_SETUSER: return set_user((uid_t)a[0].i, (gid_t)a[1].i);
	case OP_UMASK: umask((mode_t)a[0].i); return 0;
	case OP_CAPS_BOUNDING: return caps_bounding(op);
	case OP_CAPS: return caps(op);
	case OP_NO_NEW_PRIVS: return CHECK(prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "set no_new_privs");
	case OP_CHDIR: return CHECK(chdir(a[0].s), "chdir to %s", a[0].s);
	}
	return fail(ENOSYS, "op %u is not a child op", op->code);
}
