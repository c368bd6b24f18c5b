/* Seccomp through libseccomp: the plan's ops map one to one onto its calls. */
#define _GNU_SOURCE
#include "helper.h"
#include "status.h"

#include <errno.h>
#include <seccomp.h>
#include <stdlib.h>

static int sc_init(struct ctx *c, uint32_t action)
{
	c->seccomp = seccomp_init(action);
	if (!c->seccomp)
		return fail(EINVAL, "seccomp_init with default action 0x%x", action);
	c->seccomp_default = action;
	/* The plan sets no_new_privs itself (NO_NEW_PRIVS) when it wants it. */
	int rc = seccomp_attr_set(c->seccomp, SCMP_FLTATR_CTL_NNP, 0);
	if (rc < 0)
		return fail(-rc, "seccomp: turn off automatic no_new_privs");
	/* Report the kernel's errno from seccomp_load, not ECANCELED. */
	seccomp_attr_set(c->seccomp, SCMP_FLTATR_API_SYSRAWRC, 1);
	return 0;
}

static int sc_arch(struct ctx *c, const char *name)
{
	uint32_t arch = seccomp_arch_resolve_name(name);
	if (!arch)
		return fail_plain(EINVAL, "seccomp: unknown architecture %s", name);
	int rc = seccomp_arch_add(c->seccomp, arch);
	return rc < 0 && rc != -EEXIST ? fail(-rc, "seccomp: add architecture %s", name) : 0;
}

/* A name of decimal digits is a native syscall number (LXC's version 1
 * profiles list numbers, not names). */
static int resolve(const char *name)
{
	const char *p = name;
	while (*p >= '0' && *p <= '9')
		p++;
	if (*name && !*p && p - name <= 6)
		return atoi(name);
	return seccomp_syscall_resolve_name(name);
}

static int sc_rule(struct ctx *c, const struct op *op)
{
	const char *name = op->a[0].s;
	uint32_t action = (uint32_t)op->a[1].i;
	unsigned n = (unsigned)op->a[2].i;
	int nr = resolve(name);
	/* Unknown to this libseccomp: skip, as runc does. A rule equal to the
	 * default action is a no-op that libseccomp would reject. */
	if (nr == __NR_SCMP_ERROR || action == c->seccomp_default)
		return 0;
	struct scmp_arg_cmp cmp[6];
	for (unsigned i = 0; i < n; i++) {
		const struct arg *a = &op->a[3 + 4 * i];
		cmp[i] = (struct scmp_arg_cmp){(unsigned)a[0].i, (enum scmp_compare)a[1].i, (scmp_datum_t)a[2].i,
					       (scmp_datum_t)a[3].i};
	}
	int rc = seccomp_rule_add_array(c->seccomp, action, nr, n, cmp);
	return rc < 0 ? fail(-rc, "seccomp: add rule for %s (action 0x%x, %u conditions)", name, action, n) : 0;
}

static int sc_load(struct ctx *c, int64_t flags)
{
	int rc = 0;
	if (flags & 1)
		rc = seccomp_attr_set(c->seccomp, SCMP_FLTATR_CTL_LOG, 1);
	if (rc < 0)
		return fail(-rc, "seccomp: enable logging");
	rc = seccomp_load(c->seccomp);
	seccomp_release(c->seccomp);
	c->seccomp = NULL;
	return rc < 0 ? fail(-rc, "seccomp: load the filter") : 0;
}

int op_seccomp(struct ctx *c, const struct op *op)
{
	switch (op->code) {
	case OP_SECCOMP_INIT: return sc_init(c, (uint32_t)op->a[0].i);
	case OP_SECCOMP_ARCH: return sc_arch(c, op->a[0].s);
	case OP_SECCOMP_RULE: return sc_rule(c, op);
	case OP_SECCOMP_LOAD: return sc_load(c, op->a[0].i);
	}
	return fail(ENOSYS, "op %u is not a seccomp op", op->code);
}
