/* Status reporting. Each line goes out in one write() so lines from stage 0
 * and the child never interleave. */
#define _GNU_SOURCE
#include "status.h"

#include "plan.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int status_fd = -1;
static int status_debug;
static const char *status_stage_name = "parent";
static int cur_step = -1;
static uint16_t cur_code;

void sb_add(struct sb *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t cap = (b->len + n + 1) * 2;
		char *p = realloc(b->p, cap);
		if (!p)
			abort(); /* out of memory while reporting: nothing sensible left */
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = 0;
}

void sb_printf(struct sb *b, const char *fmt, ...)
{
	char tmp[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n < sizeof tmp) {
		sb_add(b, tmp, n);
		return;
	}
	char *big = malloc(n + 1);
	if (!big)
		abort();
	va_start(ap, fmt);
	vsnprintf(big, n + 1, fmt, ap);
	va_end(ap);
	sb_add(b, big, n);
	free(big);
}

void sb_json(struct sb *b, const char *s, size_t n)
{
	sb_add(b, "\"", 1);
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = s[i];
		const char *esc = ch == '"' ? "\\\"" : ch == '\\' ? "\\\\" : ch == '\n' ? "\\n" : ch == '\r' ? "\\r"
				: ch == '\t' ? "\\t" : ch == '\b' ? "\\b" : ch == '\f' ? "\\f" : NULL;
		if (esc)
			sb_add(b, esc, 2);
		else if (ch < 0x20 || ch == 0x7f)
			sb_printf(b, "\\u%04x", ch);
		else
			sb_add(b, (const char *)&ch, 1);
	}
	sb_add(b, "\"", 1);
}

void sb_free(struct sb *b)
{
	free(b->p);
	*b = (struct sb){0};
}

int write_all(int fd, const void *p, size_t n)
{
	const char *c = p;
	while (n) {
		ssize_t w = write(fd, c, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		c += w;
		n -= w;
	}
	return 0;
}

/* A reader that went away must not kill us (SIGPIPE is ignored); with no
 * status fd at all (manual runs), fall back to stderr. */
static void emit(struct sb *b)
{
	sb_add(b, "}\n", 2);
	int saved = errno;
	if (write_all(status_fd, b->p, b->len) < 0 && errno == EBADF)
		write_all(2, b->p, b->len);
	errno = saved;
	sb_free(b);
}

static void begin(struct sb *b, const char *type)
{
	sb_printf(b, "{\"type\":\"%s\"", type);
}

void status_init(int fd, int debug)
{
	status_fd = fd;
	status_debug = debug;
}

void status_stage(const char *stage)
{
	status_stage_name = stage;
}

static void add_step(struct sb *b)
{
	sb_printf(b, ",\"stage\":\"%s\",\"step\":%d,\"op\":\"%s\"", status_stage_name, cur_step,
		  cur_step >= 0 ? op_name(cur_code) : "");
}

void status_step(int step, uint16_t code)
{
	cur_step = step;
	cur_code = code;
	if (!status_debug || step < 0)
		return;
	struct sb b = {0};
	begin(&b, "debug");
	add_step(&b);
	emit(&b);
}

int status_fd_get(void)
{
	return status_fd;
}

void status_fd_set(int fd)
{
	status_fd = fd;
}

void status_close(void)
{
	if (status_fd >= 0)
		close(status_fd);
	status_fd = -1;
}

void status_pid(pid_t pid)
{
	struct sb b = {0};
	begin(&b, "pid");
	sb_printf(&b, ",\"pid\":%d", (int)pid);
	emit(&b);
}

void status_monitor(pid_t pid, const char *socket)
{
	struct sb b = {0};
	begin(&b, "monitor");
	sb_printf(&b, ",\"pid\":%d,\"socket\":", (int)pid);
	sb_json(&b, socket, strlen(socket));
	emit(&b);
}

void status_sync(const char *name)
{
	struct sb b = {0};
	begin(&b, "sync");
	sb_add(&b, ",\"name\":", 8);
	sb_json(&b, name, strlen(name));
	emit(&b);
}

void status_ready(void)
{
	struct sb b = {0};
	begin(&b, "ready");
	emit(&b);
}

static int vfail(int err, int suffix, const char *fmt, va_list ap)
{
	struct sb msg = {0}, b = {0};
	char tmp[1024];
	vsnprintf(tmp, sizeof tmp, fmt, ap);
	sb_add(&msg, tmp, strlen(tmp));
	if (err && suffix)
		sb_printf(&msg, ": %s", strerror(err));
	const char *name = err ? strerrorname_np(err) : "";
	begin(&b, "error");
	add_step(&b);
	sb_printf(&b, ",\"errno\":%d,\"errname\":\"%s\",\"message\":", err, name ? name : "");
	sb_json(&b, msg.p, msg.len);
	emit(&b);
	sb_free(&msg);
	errno = err;
	return -1;
}

int fail(int err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vfail(err, 1, fmt, ap);
	va_end(ap);
	return -1;
}

int fail_plain(int err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vfail(err, 0, fmt, ap);
	va_end(ap);
	return -1;
}
