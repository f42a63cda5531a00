/* SPDX-License-Identifier: BSD-3-Clause */

/**
 * @file
 * `hcasim --status --socket PATH`: connect to a running daemon as a
 * client, ask for its status and print the JSON on stdout.
 * `hcasim --fail-qp QPN[,send] --socket PATH`: inject a fault into a QP
 * (tests): the error state now, or a failure of its next send.
 */

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "hcasim.h"

/** Send a request with no fd and wait (5 s at most) for its reply. */
static int
status_call(int fd, uint16_t type, const void *body, size_t blen,
	    uint8_t *rep, int *rfd)
{
	uint8_t buf[HCASIM_MSG_MAX];
	struct hcasim_msg_hdr hdr = { HCASIM_PROTO_MAGIC, type,
		(uint16_t)(sizeof(hdr) + blen), type, 0 };
	union {
		struct cmsghdr c;
		char b[CMSG_SPACE(sizeof(int))];
	} cm;
	struct iovec iov = { rep, HCASIM_MSG_MAX };
	struct msghdr mh;
	struct pollfd pfd = { fd, POLLIN, 0 };
	struct cmsghdr *c;
	ssize_t n;

	memcpy(buf, &hdr, sizeof(hdr));
	if (blen != 0)
		memcpy(buf + sizeof(hdr), body, blen);
	if (send(fd, buf, hdr.len, MSG_NOSIGNAL) != hdr.len)
		return -errno;
	if (poll(&pfd, 1, 5000) != 1)
		return -ETIMEDOUT;
	memset(&mh, 0, sizeof(mh));
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = cm.b;
	mh.msg_controllen = sizeof(cm.b);
	n = recvmsg(fd, &mh, MSG_CMSG_CLOEXEC);
	if (n < (ssize_t)sizeof(hdr))
		return -EPROTO;
	*rfd = -1;
	for (c = CMSG_FIRSTHDR(&mh); c != NULL; c = CMSG_NXTHDR(&mh, c))
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
			memcpy(rfd, CMSG_DATA(c), sizeof(int));
	memcpy(&hdr, rep, sizeof(hdr));
	return hdr.status;
}

/**
 * Connect to a running daemon and say HELLO.
 *
 * @param socket_path  the daemon's socket
 * @param what         what the connection is for (in messages)
 * @return the connected socket, or a negative errno (message on stderr)
 */
static int
cmd_connect(const char *socket_path, const char *what)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct hcasim_hello_req hello = { HCASIM_PROTO_VERSION,
					  (uint32_t)getpid(), "" };
	uint8_t rep[HCASIM_MSG_MAX];
	int fd, rfd = -1, ret;

	if (strlen(socket_path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, socket_path);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		fprintf(stderr, "hcasim: cannot connect to %s: %s\n",
			socket_path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -ECONNREFUSED;
	}
	ret = status_call(fd, HCASIM_MSG_HELLO, &hello, sizeof(hello), rep,
			  &rfd);
	if (rfd >= 0)
		close(rfd);
	if (ret < 0) {
		fprintf(stderr, "hcasim: %s: HELLO refused: %s\n", what,
			strerror(-ret));
		close(fd);
		return ret;
	}
	return fd;
}

/**
 * Print the daemon's status JSON.
 *
 * @param socket_path  the daemon's socket
 * @return 0 or a negative errno (with a message on stderr)
 */
int
hcasim_status_print(const char *socket_path)
{
	struct hcasim_status_rep st;
	uint8_t rep[HCASIM_MSG_MAX];
	int fd, rfd = -1, ret;
	char *json;

	fd = cmd_connect(socket_path, "status");
	if (fd < 0)
		return fd;
	ret = status_call(fd, HCASIM_MSG_STATUS, NULL, 0, rep, &rfd);
	close(fd);
	if (ret < 0 || rfd < 0) {
		fprintf(stderr, "hcasim: status failed: %s\n",
			strerror(ret < 0 ? -ret : EPROTO));
		return ret < 0 ? ret : -EPROTO;
	}
	memcpy(&st, rep + sizeof(struct hcasim_msg_hdr), sizeof(st));
	json = st.json_len != 0 && st.json_len < (1u << 26) ?
	       mmap(NULL, st.json_len, PROT_READ, MAP_PRIVATE, rfd, 0) : NULL;
	close(rfd);
	if (json == NULL || json == MAP_FAILED)
		return -EPROTO;
	fwrite(json, 1, st.json_len, stdout);
	munmap(json, st.json_len);
	return 0;
}

/**
 * Inject a fault into a QP of a running daemon (`hcasim --fail-qp`).
 *
 * @param socket_path  the daemon's socket
 * @param qpn          the QP
 * @param kind         enum hcasim_qp_fault_kind
 * @return 0 or a negative errno (with a message on stderr)
 */
int
hcasim_qp_fault_send(const char *socket_path, uint32_t qpn, uint32_t kind)
{
	struct hcasim_qp_fault_req req = { qpn, kind };
	uint8_t rep[HCASIM_MSG_MAX];
	int fd, rfd = -1, ret;

	fd = cmd_connect(socket_path, "fault");
	if (fd < 0)
		return fd;
	ret = status_call(fd, HCASIM_MSG_QP_FAULT, &req, sizeof(req), rep,
			  &rfd);
	if (rfd >= 0)
		close(rfd);
	close(fd);
	if (ret < 0)
		fprintf(stderr, "hcasim: fault on QP 0x%x refused: %s\n", qpn,
			strerror(-ret));
	return ret;
}
