/* BPF_DEVICES: the cgroup v2 device allow-list is an eBPF program that
 * TypeScript assembles; we only load it and attach it to the cgroup. */
#define _GNU_SOURCE
#include "helper.h"
#include "status.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static char verifier_log[16384];

static int prog_load(const struct arg *insns, int with_log)
{
	union bpf_attr attr;
	memset(&attr, 0, sizeof attr);
	attr.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
	attr.insns = (uint64_t)(uintptr_t)insns->b;
	attr.insn_cnt = insns->len / 8;
	attr.license = (uint64_t)(uintptr_t)"GPL";
	if (with_log) {
		verifier_log[0] = 0;
		attr.log_buf = (uint64_t)(uintptr_t)verifier_log;
		attr.log_size = sizeof verifier_log;
		attr.log_level = 1;
	}
	return (int)syscall(SYS_bpf, BPF_PROG_LOAD, &attr, sizeof attr);
}

/* The verifier's complaint is the line before its "processed N insns"
 * statistics, or else the last line. */
static const char *log_reason(void)
{
	char *line = verifier_log, *prev = NULL;
	verifier_log[sizeof verifier_log - 1] = 0;
	for (char *nl; (nl = strchr(line, '\n')); line = nl + 1) {
		*nl = 0;
		if (!strncmp(nl + 1, "processed ", 10) && *line)
			return line;
		if (*line)
			prev = line;
	}
	return *line ? line : prev ? prev : "no log";
}

int op_bpf_devices(struct ctx *c, const struct op *op)
{
	const char *dir = op->a[0].s;
	int prog = prog_load(&op->a[1], 0);
	if (prog < 0) {
		int err = errno;
		prog_load(&op->a[1], 1); /* again, only to get the verifier's reason */
		return fail(err, "load the device program for %s (%u insns; verifier: %s)", dir,
			    op->a[1].len / 8, log_reason());
	}
	int cg = host_open(c, dir, O_RDONLY | O_DIRECTORY);
	if (cg < 0) {
		int err = errno;
		close(prog);
		return fail(err, "open cgroup %s", dir);
	}
	union bpf_attr attr;
	memset(&attr, 0, sizeof attr);
	attr.target_fd = cg;
	attr.attach_bpf_fd = prog;
	attr.attach_type = BPF_CGROUP_DEVICE;
	attr.attach_flags = BPF_F_ALLOW_MULTI;
	int rc = (int)syscall(SYS_bpf, BPF_PROG_ATTACH, &attr, sizeof attr);
	int err = errno;
	close(cg);
	close(prog); /* the attachment holds its own reference */
	return rc < 0 ? fail(err, "attach the device program to cgroup %s", dir) : 0;
}
