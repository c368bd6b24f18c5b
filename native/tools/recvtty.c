/*
 * recvtty: the other end of --console-socket, for tests and for trying terminals by hand.
 * Listens on a unix socket, receives one pty master (SCM_RIGHTS, as runc sends it), writes
 * optional input into it, then copies everything the container prints to stdout until the
 * pty closes. Usage: recvtty SOCKET [INPUT]
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static int die(const char *what)
{
	fprintf(stderr, "recvtty: %s: %s\n", what, strerror(errno));
	return 1;
}

static int receive_fd(int conn, char *name, size_t name_len)
{
	char control[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { .iov_base = name, .iov_len = name_len - 1 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control, .msg_controllen = sizeof(control) };
	ssize_t n = recvmsg(conn, &msg, 0);
	if (n < 0)
		return -1;
	name[n] = '\0';
	struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);
	if (!cmsg || cmsg->cmsg_type != SCM_RIGHTS) {
		errno = EPROTO;
		return -1;
	}
	int fd;
	memcpy(&fd, CMSG_DATA(cmsg), sizeof(fd));
	return fd;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: recvtty SOCKET [INPUT]\n");
		return 2;
	}
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	if (strlen(argv[1]) >= sizeof(addr.sun_path)) {
		fprintf(stderr, "recvtty: socket path too long\n");
		return 2;
	}
	strcpy(addr.sun_path, argv[1]);
	int sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (sock < 0 || bind(sock, (struct sockaddr *)&addr, sizeof(addr)) < 0 || listen(sock, 1) < 0)
		return die("listen");
	/* tell the caller we are listening */
	printf("listening\n");
	fflush(stdout);
	int conn = accept4(sock, NULL, NULL, SOCK_CLOEXEC);
	if (conn < 0)
		return die("accept");
	char name[256];
	int master = receive_fd(conn, name, sizeof(name));
	if (master < 0)
		return die("recvmsg");
	fprintf(stderr, "recvtty: received %s\n", name);
	if (argc > 2 && write(master, argv[2], strlen(argv[2])) < 0)
		return die("write");
	char buf[4096];
	for (;;) {
		ssize_t n = read(master, buf, sizeof(buf));
		if (n <= 0)
			break; /* EIO once the last slave fd closes */
		if (fwrite(buf, 1, (size_t)n, stdout) != (size_t)n)
			return die("stdout");
		fflush(stdout);
	}
	unlink(argv[1]);
	return 0;
}
