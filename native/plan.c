/* Parser and validator of the plan format. Everything a plan can get wrong is
 * caught here, before any op runs, so a failure never leaves half a container. */
#include "plan.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Argument signature: 's' 'i' 'b' are single args; '#' + type is an integer
 * count n followed by n args of that type; '#' + digit d is a count n
 * followed by n groups of d integers. */
enum { F_PRE = 1, F_POST = 2, F_ROOT = 4 };

struct op_info {
	uint16_t code;
	const char *name;
	const char *sig;
	int flags;
};

static const struct op_info ops[] = {
	{OP_NS_JOIN, "NS_JOIN", "is", F_PRE},
	{OP_UNSHARE_PARENT, "UNSHARE_PARENT", "i", F_PRE},
	{OP_TIMENS_OFFSETS, "TIMENS_OFFSETS", "s", F_PRE},
	{OP_CONSOLE_SOCKET, "CONSOLE_SOCKET", "s", F_PRE},
	{OP_STATE_DIR, "STATE_DIR", "s", F_PRE},
	{OP_FOREGROUND, "FOREGROUND", "", 0},
	{OP_TTY_PROXY, "TTY_PROXY", "", F_PRE},
	{OP_CLONE_INTO_CGROUP, "CLONE_INTO_CGROUP", "s", F_PRE},
	{OP_MONITOR, "MONITOR", "sssi#s", F_PRE},
	{OP_CLONE, "CLONE", "i", 0},
	{OP_SETGROUPS, "SETGROUPS", "s", F_POST},
	{OP_UID_MAP, "UID_MAP", "s", F_POST},
	{OP_GID_MAP, "GID_MAP", "s", F_POST},
	{OP_CGROUP_JOIN, "CGROUP_JOIN", "s", F_POST},
	{OP_BPF_DEVICES, "BPF_DEVICES", "sb", F_POST},
	{OP_IDMAP_MOUNT, "IDMAP_MOUNT", "ssi", F_POST},
	{OP_IDMAP_TOOL, "IDMAP_TOOL", "s#s", F_POST},
	{OP_CLONE_INTO_CGROUPNS, "CLONE_INTO_CGROUPNS", "s", F_PRE},
	{OP_UNSHARE, "UNSHARE", "i", 0},
	{OP_BECOME_ROOT, "BECOME_ROOT", "", 0},
	{OP_SYNC, "SYNC", "s", 0},
	{OP_SETSID, "SETSID", "", 0},
	{OP_CGROUP_ENTER, "CGROUP_ENTER", "s", 0},
	{OP_ROOTFS, "ROOTFS", "s", 0},
	{OP_MOUNT, "MOUNT", "sssis", 0},
	{OP_MOUNT_IN_ROOT, "MOUNT_IN_ROOT", "sssisi", F_ROOT},
	{OP_MKNOD_IN_ROOT, "MKNOD_IN_ROOT", "siiiii", F_ROOT},
	{OP_SYMLINK_IN_ROOT, "SYMLINK_IN_ROOT", "ss", F_ROOT},
	{OP_MKDIR_IN_ROOT, "MKDIR_IN_ROOT", "si", F_ROOT},
	{OP_PIVOT_ROOT, "PIVOT_ROOT", "", F_ROOT},
	{OP_MOVE_ROOT, "MOVE_ROOT", "", F_ROOT},
	{OP_MASK_PATH, "MASK_PATH", "s", 0},
	{OP_READONLY_PATH, "READONLY_PATH", "s", 0},
	{OP_SYSCTL, "SYSCTL", "ss", 0},
	{OP_HOSTNAME, "HOSTNAME", "s", 0},
	{OP_DOMAINNAME, "DOMAINNAME", "s", 0},
	{OP_RLIMIT, "RLIMIT", "iii", 0},
	{OP_OOM_SCORE_ADJ, "OOM_SCORE_ADJ", "i", 0},
	{OP_HOOK, "HOOK", "si#s#s", 0},
	{OP_CONSOLE, "CONSOLE", "s", 0},
	{OP_WAIT_START, "WAIT_START", "", 0},
	{OP_CHECK_EXEC, "CHECK_EXEC", "#s#s", 0},
	{OP_TTY, "TTY", "s", 0},
	{OP_SETGROUPS_IDS, "SETGROUPS_IDS", "#i", 0},
	{OP_SETUSER, "SETUSER", "ii", 0},
	{OP_UMASK, "UMASK", "i", 0},
	{OP_CAPS_BOUNDING, "CAPS_BOUNDING", "i", 0},
	{OP_CAPS, "CAPS", "iiii", 0},
	{OP_NO_NEW_PRIVS, "NO_NEW_PRIVS", "", 0},
	{OP_SECCOMP_INIT, "SECCOMP_INIT", "i", 0},
	{OP_SECCOMP_ARCH, "SECCOMP_ARCH", "s", 0},
	{OP_SECCOMP_RULE, "SECCOMP_RULE", "si#4", 0},
	{OP_SECCOMP_LOAD, "SECCOMP_LOAD", "i", 0},
	{OP_CHDIR, "CHDIR", "s", 0},
	{OP_EXEC, "EXEC", "#s#s", 0},
	{OP_PRESERVE_FDS, "PRESERVE_FDS", "ii", 0},
	{OP_MOUNT_DETACHED, "MOUNT_DETACHED", "si", 0},
	{OP_LINK_UP, "LINK_UP", "s", 0},
	{OP_NS_ENTER, "NS_ENTER", "is", 0},
};

static const struct op_info *op_lookup(uint16_t code)
{
	for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++)
		if (ops[i].code == code)
			return &ops[i];
	return NULL;
}

const char *op_name(uint16_t code)
{
	const struct op_info *in = op_lookup(code);
	return in ? in->name : "?";
}

struct cur {
	const uint8_t *buf;
	size_t len, pos;
	char *err;
	size_t errlen;
};

static int bad(struct cur *c, size_t at, const char *fmt, ...)
{
	va_list ap;
	int n = snprintf(c->err, c->errlen, "byte %zu: ", at);
	va_start(ap, fmt);
	if (n >= 0 && (size_t)n < c->errlen)
		vsnprintf(c->err + n, c->errlen - n, fmt, ap);
	va_end(ap);
	return -1;
}

static uint32_t le32(const uint8_t *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

static int need(struct cur *c, size_t n, const char *what)
{
	if (c->len - c->pos < n)
		return bad(c, c->pos, "truncated %s (need %zu bytes, %zu left)", what, n, c->len - c->pos);
	return 0;
}

/* Strict UTF-8: no overlong forms, no surrogates, nothing above U+10FFFF. */
static size_t utf8_invalid_at(const uint8_t *s, size_t n)
{
	static const uint32_t min[] = {0, 0x80, 0x800, 0x10000};
	size_t i = 0;
	while (i < n) {
		uint8_t b = s[i];
		size_t k = b < 0x80 ? 0 : (b & 0xe0) == 0xc0 ? 1 : (b & 0xf0) == 0xe0 ? 2 : (b & 0xf8) == 0xf0 ? 3 : 4;
		if (k == 4 || n - i <= k)
			return i;
		uint32_t cp = b & (0x7f >> k);
		for (size_t j = 1; j <= k; j++) {
			if ((s[i + j] & 0xc0) != 0x80)
				return i;
			cp = cp << 6 | (s[i + j] & 0x3f);
		}
		if (cp < min[k] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return i;
		i += k + 1;
	}
	return n;
}

static int parse_arg(struct cur *c, struct arg *a)
{
	size_t at = c->pos;
	if (need(c, 5, "argument header"))
		return -1;
	a->type = (char)c->buf[c->pos];
	a->len = le32(c->buf + c->pos + 1);
	c->pos += 5;
	if (need(c, a->len, "argument data"))
		return -1;
	const uint8_t *d = c->buf + c->pos;
	c->pos += a->len;
	switch (a->type) {
	case 'i':
		if (a->len != 8)
			return bad(c, at, "integer argument has length %u, not 8", a->len);
		a->i = (int64_t)((uint64_t)le32(d) | (uint64_t)le32(d + 4) << 32);
		return 0;
	case 'b':
		if (a->len > PLAN_MAX_BLOB)
			return bad(c, at, "bytes argument of %u bytes exceeds %u", a->len, PLAN_MAX_BLOB);
		a->b = d;
		return 0;
	case 's':
		if (a->len > PLAN_MAX_STRING)
			return bad(c, at, "string argument of %u bytes exceeds %u", a->len, PLAN_MAX_STRING);
		if (memchr(d, 0, a->len))
			return bad(c, at, "string argument contains a NUL byte");
		size_t u = utf8_invalid_at(d, a->len);
		if (u != a->len)
			return bad(c, at + 5 + u, "string argument is not valid UTF-8");
		a->s = strndup((const char *)d, a->len);
		return a->s ? 0 : bad(c, at, "out of memory");
	}
	return bad(c, at, "unknown argument type 0x%02x", (uint8_t)a->type);
}

/* Checks the op's args against its signature. */
static int check_sig(struct cur *c, const struct op *op, const struct op_info *in)
{
	size_t k = 0;
	for (const char *t = in->sig; *t; t++) {
		char want = *t;
		int64_t n = 1, width = 1;
		if (want == '#') {
			if (k >= op->argc || op->a[k].type != 'i')
				return bad(c, op->offset, "%s: argument %zu must be an integer count", in->name, k);
			n = op->a[k++].i;
			want = *++t;
			if (want >= '1' && want <= '9')
				width = want - '0', want = 'i';
			if (n < 0 || n * width > (int64_t)(op->argc - k))
				return bad(c, op->offset, "%s: count %lld at argument %zu does not match the %u arguments",
					   in->name, (long long)n, k - 1, op->argc);
		}
		for (int64_t j = 0; j < n * width; j++, k++) {
			if (k >= op->argc)
				return bad(c, op->offset, "%s: %u arguments, expected more", in->name, op->argc);
			if (op->a[k].type != want)
				return bad(c, op->offset, "%s: argument %zu has type '%c', expected '%c'",
					   in->name, k, op->a[k].type, want);
		}
	}
	if (k != op->argc)
		return bad(c, op->offset, "%s: %u arguments, expected %zu", in->name, op->argc, k);
	return 0;
}

struct order {
	int cloned, rootfs, console_socket, state_dir, seccomp_open, monitor, preserve_fds, idmaps;
	size_t foreground_at; /* offset + 1 of a FOREGROUND op */
};

/* Order rules: what must (not) precede what, so spawn can trust the plan. */
static int check_order(struct cur *c, const struct op *op, const struct op_info *in, struct order *o)
{
	const char *n = in->name;
	if (in->flags & F_PRE && o->cloned)
		return bad(c, op->offset, "%s must come before CLONE", n);
	if (in->flags & F_POST && !o->cloned)
		return bad(c, op->offset, "%s must come after CLONE", n);
	if (op_is_child(op->code) && !o->cloned)
		return bad(c, op->offset, "child op %s before CLONE", n);
	if (in->flags & F_ROOT && !o->rootfs)
		return bad(c, op->offset, "%s needs an earlier ROOTFS", n);
	switch (op->code) {
	case OP_CLONE:
		if (o->cloned++)
			return bad(c, op->offset, "second CLONE");
		if (op->a[0].i & 0xff)
			return bad(c, op->offset, "CLONE flags include signal bits 0x%llx (CLONE_NEWTIME needs UNSHARE_PARENT)",
				   (unsigned long long)(op->a[0].i & 0xff));
		break;
	case OP_ROOTFS: o->rootfs = 1; break;
	case OP_CONSOLE_SOCKET:
	case OP_TTY_PROXY:
		if (o->monitor)
			return bad(c, op->offset, "%s cannot be combined with MONITOR (it receives the console itself)", n);
		o->console_socket = 1;
		break;
	case OP_MONITOR:
		if (o->monitor++)
			return bad(c, op->offset, "second MONITOR");
		if (o->console_socket)
			return bad(c, op->offset, "MONITOR cannot be combined with CONSOLE_SOCKET or TTY_PROXY");
		if (op->a[3].i & ~(int64_t)MONITOR_FOREGROUND)
			return bad(c, op->offset, "MONITOR flags 0x%llx: only bit 0 (foreground) is defined", (unsigned long long)op->a[3].i);
		o->console_socket = 1;
		break;
	case OP_FOREGROUND: o->foreground_at = op->offset + 1; break;
	case OP_STATE_DIR: o->state_dir = 1; break;
	case OP_CONSOLE:
		if (!o->console_socket)
			return bad(c, op->offset, "CONSOLE needs an earlier CONSOLE_SOCKET");
		break;
	case OP_TTY:
		if (!o->monitor)
			return bad(c, op->offset, "TTY needs an earlier MONITOR");
		break;
	case OP_WAIT_START:
		if (!o->state_dir)
			return bad(c, op->offset, "WAIT_START needs an earlier STATE_DIR");
		break;
	case OP_SECCOMP_INIT:
		if (o->seccomp_open++)
			return bad(c, op->offset, "SECCOMP_INIT while a filter is open");
		break;
	case OP_SECCOMP_ARCH:
	case OP_SECCOMP_RULE:
	case OP_SECCOMP_LOAD:
		if (!o->seccomp_open)
			return bad(c, op->offset, "%s needs an earlier SECCOMP_INIT", n);
		if (op->code == OP_SECCOMP_LOAD)
			o->seccomp_open = 0;
		if (op->code == OP_SECCOMP_RULE && op->a[2].i > 6)
			return bad(c, op->offset, "SECCOMP_RULE has %lld argument conditions, at most 6", (long long)op->a[2].i);
		break;
	case OP_BPF_DEVICES:
		if (op->a[1].len == 0 || op->a[1].len % 8)
			return bad(c, op->offset, "BPF_DEVICES program length %u is not a positive multiple of 8", op->a[1].len);
		break;
	case OP_IDMAP_MOUNT:
		if (o->idmaps++ >= DETACHED_MAX)
			return bad(c, op->offset, "more than %d IDMAP_MOUNT ops", DETACHED_MAX);
		if (op->a[2].i & ~(int64_t)IDMAP_RECURSIVE)
			return bad(c, op->offset, "IDMAP_MOUNT flags 0x%llx: only bit 0 (recursive) is defined", (unsigned long long)op->a[2].i);
		break;
	case OP_IDMAP_TOOL:
		if (op->a[1].i > IDMAP_TOOL_MAX_ARGS)
			return bad(c, op->offset, "IDMAP_TOOL has %lld arguments, at most %d", (long long)op->a[1].i, IDMAP_TOOL_MAX_ARGS);
		break;
	case OP_MOUNT_DETACHED:
		if (op->a[1].i < 0 || op->a[1].i >= o->idmaps)
			return bad(c, op->offset, "MOUNT_DETACHED tree %lld: only %d IDMAP_MOUNT ops come before it", (long long)op->a[1].i, o->idmaps);
		break;
	case OP_PRESERVE_FDS:
		if (o->preserve_fds++)
			return bad(c, op->offset, "second PRESERVE_FDS");
		if (op->a[0].i < 3 || op->a[0].i > INT32_MAX - PRESERVE_FDS_MAX)
			return bad(c, op->offset, "PRESERVE_FDS first fd %lld is not >= 3", (long long)op->a[0].i);
		if (op->a[1].i < 0 || op->a[1].i > PRESERVE_FDS_MAX)
			return bad(c, op->offset, "PRESERVE_FDS count %lld is not within 0..%d", (long long)op->a[1].i, PRESERVE_FDS_MAX);
		break;
	case OP_EXEC:
	case OP_CHECK_EXEC:
		if (op->a[0].i < 1)
			return bad(c, op->offset, "%s needs at least one argv element", n);
		break;
	}
	return 0;
}

static int parse_op(struct cur *c, struct op *op, struct order *o)
{
	op->offset = c->pos;
	if (need(c, 4, "op header"))
		return -1;
	op->code = c->buf[c->pos] | c->buf[c->pos + 1] << 8;
	op->argc = c->buf[c->pos + 2] | c->buf[c->pos + 3] << 8;
	c->pos += 4;
	const struct op_info *in = op_lookup(op->code);
	if (!in)
		return bad(c, op->offset, "unknown op code %u", op->code);
	op->a = calloc(op->argc ? op->argc : 1, sizeof *op->a);
	if (!op->a)
		return bad(c, op->offset, "out of memory");
	for (uint16_t i = 0; i < op->argc; i++)
		if (parse_arg(c, &op->a[i]))
			return -1;
	if (check_sig(c, op, in))
		return -1;
	return check_order(c, op, in, o);
}

int plan_parse(const uint8_t *buf, size_t len, struct plan *p, char *err, size_t errlen)
{
	struct cur c = {buf, len, 0, err, errlen};
	struct order o = {0};
	if (len > PLAN_MAX_BYTES)
		return bad(&c, PLAN_MAX_BYTES, "plan larger than %u bytes", PLAN_MAX_BYTES);
	if (need(&c, 16, "header"))
		return -1;
	if (memcmp(buf, "CRPL", 4))
		return bad(&c, 0, "bad magic (not a CRPL plan)");
	p->version = le32(buf + 4);
	p->flags = le32(buf + 8);
	p->nops = le32(buf + 12);
	if (p->version != PLAN_VERSION)
		return bad(&c, 4, "unsupported plan version %u (this helper reads %u)", p->version, PLAN_VERSION);
	if (p->flags & ~PLAN_FLAG_DEBUG)
		return bad(&c, 8, "unknown header flags 0x%x", p->flags & ~PLAN_FLAG_DEBUG);
	if (p->nops > PLAN_MAX_OPS)
		return bad(&c, 12, "%u ops exceed the limit of %u", p->nops, PLAN_MAX_OPS);
	c.pos = 16;
	p->ops = calloc(p->nops ? p->nops : 1, sizeof *p->ops);
	if (!p->ops)
		return bad(&c, 12, "out of memory");
	for (uint32_t i = 0; i < p->nops; i++)
		if (parse_op(&c, &p->ops[i], &o))
			return -1;
	if (c.pos != len)
		return bad(&c, c.pos, "%zu trailing bytes after the last op", len - c.pos);
	if (o.seccomp_open)
		return bad(&c, len, "SECCOMP_INIT without SECCOMP_LOAD");
	if (o.monitor && o.foreground_at)
		return bad(&c, o.foreground_at - 1, "FOREGROUND cannot be combined with MONITOR (use its foreground flag)");
	if (o.monitor && !o.cloned)
		return bad(&c, len, "MONITOR without CLONE");
	return 0;
}

void plan_free(struct plan *p)
{
	for (uint32_t i = 0; p->ops && i < p->nops; i++) {
		for (uint16_t k = 0; p->ops[i].a && k < p->ops[i].argc; k++)
			if (p->ops[i].a[k].type == 's')
				free((char *)p->ops[i].a[k].s);
		free(p->ops[i].a);
	}
	free(p->ops);
	free(p->owned);
	*p = (struct plan){0};
}
