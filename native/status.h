/* Status lines on fd 4 (JSON, one object per line) and a small string builder. */
#ifndef CORRAL_STATUS_H
#define CORRAL_STATUS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct sb {
	char *p;
	size_t len, cap;
};

void sb_add(struct sb *b, const char *s, size_t n);
void sb_printf(struct sb *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends s as a JSON string literal (quotes included). */
void sb_json(struct sb *b, const char *s, size_t n);
void sb_free(struct sb *b);
int write_all(int fd, const void *p, size_t n);

void status_init(int fd, int debug);
void status_stage(const char *stage);
/* Sets the op that later errors are charged to; emits a debug line if asked. */
void status_step(int step, uint16_t code);
void status_close(void);
/* The status fd's number, and a new one for it (PRESERVE_FDS moves it). */
int status_fd_get(void);
void status_fd_set(int fd);
void status_pid(pid_t pid);
void status_monitor(pid_t pid, const char *socket);
void status_sync(const char *name);
void status_ready(void);
/* Reports "<message>: <strerror(err)>" as an error line and returns -1.
 * err == 0 means "not a syscall failure": errno 0, errname "", no suffix. */
int fail(int err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The same without the strerror suffix, for errnos that only classify. */
int fail_plain(int err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
