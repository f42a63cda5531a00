/* SPDX-License-Identifier: BSD-3-Clause */

/**
 * @file
 * The soft HCA's protocol spoken raw (no device API), for tests that act
 * as a hostile or careless client: connect, send any bytes, read the
 * reply's status.
 */

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "hcasim_raw.h"

/** Connect a raw protocol socket to a socket path. */
int
raw_connect_to(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (path == NULL)
		return -1;
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/** Connect a raw protocol socket to the daemon (HCASIM_SOCKET). */
int
raw_connect(void)
{
	return raw_connect_to(getenv("HCASIM_SOCKET"));
}

/**
 * Send raw bytes (with an fd when fd >= 0) and read the reply.
 *
 * @param body  reply body out (may be NULL)
 * @return the reply's status, 1 when the daemon closed the connection,
 *         or -1000 on a local error / timeout
 */
int
raw_xfer(int sock, const void *msg, size_t len, int fd, void *body,
	 size_t blen)
{
	union {
		struct cmsghdr c;
		char b[CMSG_SPACE(sizeof(int))];
	} cm;
	uint8_t rep[HCASIM_MSG_MAX];
	struct iovec iov = { (void *)(uintptr_t)msg, len };
	struct pollfd pfd = { sock, POLLIN, 0 };
	struct hcasim_msg_hdr hdr;
	struct msghdr mh;
	ssize_t n;

	memset(&mh, 0, sizeof(mh));
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	if (fd >= 0) {
		memset(&cm, 0, sizeof(cm));
		mh.msg_control = cm.b;
		mh.msg_controllen = sizeof(cm.b);
		cm.c.cmsg_level = SOL_SOCKET;
		cm.c.cmsg_type = SCM_RIGHTS;
		cm.c.cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(&cm.c), &fd, sizeof(int));
	}
	if (sendmsg(sock, &mh, MSG_NOSIGNAL) != (ssize_t)len)
		return 1;
	if (poll(&pfd, 1, 5000) != 1)
		return -1000;
	n = recv(sock, rep, sizeof(rep), 0);
	/* closed: before our request (EOF) or with it unread (reset) */
	if (n == 0 || (n < 0 && errno == ECONNRESET))
		return 1;
	if (n < (ssize_t)sizeof(hdr))
		return -1000;
	memcpy(&hdr, rep, sizeof(hdr));
	if (body != NULL && hdr.status == 0)
		memcpy(body, rep + sizeof(hdr),
		       (size_t)n - sizeof(hdr) < blen ?
		       (size_t)n - sizeof(hdr) : blen);
	return hdr.status;
}

/** Send a well-formed request of a type with a body. */
int
raw_call(int sock, uint16_t type, const void *req, size_t rlen, int fd,
	 void *body, size_t blen)
{
	uint8_t msg[HCASIM_MSG_MAX];
	struct hcasim_msg_hdr hdr = { HCASIM_PROTO_MAGIC, type,
		(uint16_t)(sizeof(hdr) + rlen), 7, 0 };

	memcpy(msg, &hdr, sizeof(hdr));
	if (rlen != 0)
		memcpy(msg + sizeof(hdr), req, rlen);
	return raw_xfer(sock, msg, sizeof(hdr) + rlen, fd, body, blen);
}
