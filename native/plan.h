/* Plan format v1 (docs/plan-format.md): op codes, in-memory form, parser. */
#ifndef CORRAL_PLAN_H
#define CORRAL_PLAN_H

#include <stddef.h>
#include <stdint.h>

#define PLAN_VERSION 1
#define PLAN_FLAG_DEBUG 1u
#define PLAN_MAX_BYTES (16u << 20)
#define PLAN_MAX_OPS 4096u
#define PLAN_MAX_STRING 65536u
#define PLAN_MAX_BLOB (1u << 20)

/* Mirrors src/runtime/plan/ops.ts; codes < 100 run in stage 0. */
enum op_code {
	OP_NS_JOIN = 1,
	OP_UNSHARE_PARENT = 2,
	OP_TIMENS_OFFSETS = 3,
	OP_CONSOLE_SOCKET = 4,
	OP_STATE_DIR = 5,
	OP_FOREGROUND = 6,
	OP_TTY_PROXY = 7,
	OP_CLONE_INTO_CGROUP = 8,
	OP_MONITOR = 9,
	OP_CLONE = 10,
	OP_SETGROUPS = 11,
	OP_UID_MAP = 12,
	OP_GID_MAP = 13,
	OP_CGROUP_JOIN = 14,
	OP_BPF_DEVICES = 15,
	OP_IDMAP_MOUNT = 16,
	OP_IDMAP_TOOL = 17,
	OP_CLONE_INTO_CGROUPNS = 18,
	OP_UNSHARE = 100,
	OP_BECOME_ROOT = 101,
	OP_SYNC = 102,
	OP_SETSID = 103,
	OP_CGROUP_ENTER = 104,
	OP_ROOTFS = 110,
	OP_MOUNT = 111,
	OP_MOUNT_IN_ROOT = 112,
	OP_MKNOD_IN_ROOT = 113,
	OP_SYMLINK_IN_ROOT = 114,
	OP_MKDIR_IN_ROOT = 115,
	OP_PIVOT_ROOT = 116,
	OP_MOVE_ROOT = 117,
	OP_MASK_PATH = 118,
	OP_READONLY_PATH = 119,
	OP_SYSCTL = 120,
	OP_HOSTNAME = 121,
	OP_DOMAINNAME = 122,
	OP_RLIMIT = 123,
	OP_OOM_SCORE_ADJ = 124,
	OP_HOOK = 125,
	OP_CONSOLE = 126,
	OP_WAIT_START = 127,
	OP_CHECK_EXEC = 128,
	OP_TTY = 129,
	OP_SETGROUPS_IDS = 130,
	OP_SETUSER = 131,
	OP_UMASK = 132,
	OP_CAPS_BOUNDING = 133,
	OP_CAPS = 134,
	OP_NO_NEW_PRIVS = 135,
	OP_SECCOMP_INIT = 136,
	OP_SECCOMP_ARCH = 137,
	OP_SECCOMP_RULE = 138,
	OP_SECCOMP_LOAD = 139,
	OP_CHDIR = 140,
	OP_EXEC = 141,
	OP_PRESERVE_FDS = 142,
	OP_MOUNT_DETACHED = 143,
	OP_LINK_UP = 144,
	OP_NS_ENTER = 145,
};

#define OP_FIRST_CHILD 100

struct arg {
	char type;          /* 's', 'i' or 'b' */
	uint32_t len;       /* data length as encoded */
	const char *s;      /* 's': NUL-terminated copy */
	int64_t i;          /* 'i' */
	const uint8_t *b;   /* 'b': points into the plan buffer */
};

struct op {
	uint16_t code;
	uint16_t argc;
	size_t offset;      /* byte offset of the op in the plan */
	struct arg *a;
};

struct plan {
	uint32_t version;
	uint32_t flags;
	uint32_t nops;
	struct op *ops;
	void *owned;        /* the buffer, if plan_free is to free it too */
};

#define MONITOR_FOREGROUND 1 /* MONITOR flags bit 0 */
#define PRESERVE_FDS_MAX 1024 /* PRESERVE_FDS count limit */
#define IDMAP_RECURSIVE 1 /* IDMAP_MOUNT flags bit 0 */
#define DETACHED_MAX 8 /* IDMAP_MOUNT ops per plan */
#define IDMAP_TOOL_MAX_ARGS 1020 /* IDMAP_TOOL arguments (340 lines of 3) */

/* Parses and fully validates buf. On failure returns -1 and fills err with
 * "byte <offset>: <reason>". The plan keeps pointers into buf. */
int plan_parse(const uint8_t *buf, size_t len, struct plan *p, char *err, size_t errlen);

/* Frees what plan_parse allocated (and p->owned); the monitor lives long. */
void plan_free(struct plan *p);

const char *op_name(uint16_t code);
static inline int op_is_child(uint16_t code) { return code >= OP_FIRST_CHILD; }

#endif
