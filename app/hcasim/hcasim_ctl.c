/* SPDX-License-Identifier: BSD-3-Clause */

/**
 * @file
 * The soft HCA's control thread: the listening unix socket, one session
 * per client connection, request validation and dispatch (protocol in
 * hcasim_proto.h). A client that closes its socket, or dies, has all its
 * resources released (hcasim_client_release()).
 */

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "hcasim.h"
#include "hcasim_msg.h"
#include "hcasim_cmd.h"
#include "hca_log.h"

/** Tag in epoll data for the listening socket and the signal fd. */
#define EV_LISTEN ((uint64_t)-1)
#define EV_SIGNAL ((uint64_t)-2)
/** Tag of the port event queue's wake-up (hcasim_event.c). */
#define EV_PORT_EVENT ((uint64_t)-3)
/** Tag of a host's listening socket: this plus the identity. */
#define EV_HOST_LISTEN ((uint64_t)1 << 32)

/** A control session table. */
struct ctl {
	struct hcasim *h;
	int lfd;
	int efd;
	int sfd;
	int hfds[HCASIM_MAX_PORTS + 1]; /**< per-host sockets by identity */
	struct hcasim_client *clients[HCASIM_MAX_CLIENTS];
};

/****************************************************************************
 * Messages
 ****************************************************************************/

/**
 * Send a reply, with an fd when fd >= 0.
 *
 * @return 0 or -1 (the client is then dropped)
 */
static int
reply_send(int sock, const struct hcasim_msg_hdr *req, int status,
	   const void *body, size_t blen, int fd)
{
	uint8_t buf[HCASIM_MSG_MAX];
	struct hcasim_msg_hdr *hdr = (struct hcasim_msg_hdr *)buf;
	union {
		struct cmsghdr c;
		char b[CMSG_SPACE(sizeof(int))];
	} cm;
	struct iovec iov;
	struct msghdr mh;

	if (status != 0)
		blen = 0;
	hdr->magic = HCASIM_PROTO_MAGIC;
	hdr->type = req->type;
	hdr->len = (uint16_t)(sizeof(*hdr) + blen);
	hdr->seq = req->seq;
	hdr->status = status;
	if (blen != 0)
		memcpy(buf + sizeof(*hdr), body, blen);
	iov.iov_base = buf;
	iov.iov_len = hdr->len;
	memset(&mh, 0, sizeof(mh));
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	if (fd >= 0 && status == 0) {
		memset(&cm, 0, sizeof(cm));
		mh.msg_control = cm.b;
		mh.msg_controllen = sizeof(cm.b);
		cm.c.cmsg_level = SOL_SOCKET;
		cm.c.cmsg_type = SCM_RIGHTS;
		cm.c.cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(&cm.c), &fd, sizeof(int));
	}
	return sendmsg(sock, &mh, MSG_NOSIGNAL | MSG_DONTWAIT) ==
	       (ssize_t)hdr->len ? 0 : -1;
}

/**
 * Receive one request and at most one fd.
 *
 * @param buf  room for HCASIM_MSG_MAX bytes
 * @param fd   set to the passed fd or -1
 * @return the message length, 0 when the peer is gone, -EAGAIN when
 *         nothing is there, or -EBADMSG (the caller drops the client)
 */
static ssize_t
request_recv(int sock, uint8_t *buf, int *fd)
{
	union {
		struct cmsghdr c;
		char b[CMSG_SPACE(4 * sizeof(int))];
	} cm;
	struct iovec iov = { buf, HCASIM_MSG_MAX };
	struct msghdr mh;
	struct cmsghdr *c;
	ssize_t n;
	bool bad = false;

	*fd = -1;
	memset(&mh, 0, sizeof(mh));
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = cm.b;
	mh.msg_controllen = sizeof(cm.b);
	n = recvmsg(sock, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
	if (n < 0)
		return errno == EAGAIN || errno == EINTR ? -EAGAIN : 0;
	for (c = CMSG_FIRSTHDR(&mh); c != NULL; c = CMSG_NXTHDR(&mh, c)) {
		int fds[4];
		size_t k, nfd;

		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		nfd = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		if (nfd > 4)
			nfd = 4;
		memcpy(fds, CMSG_DATA(c), nfd * sizeof(int));
		for (k = 0; k < nfd; k++) {
			if (*fd < 0)
				*fd = fds[k];
			else {
				close(fds[k]);
				bad = true;
			}
		}
	}
	if (bad || (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC))) {
		if (*fd >= 0)
			close(*fd);
		*fd = -1;
		return -EBADMSG;
	}
	return n;
}

/****************************************************************************
 * Requests
 ****************************************************************************/

/**
 * HELLO (version and host checked by hcasim_req_check()): settle the
 * client's host. On a host's own socket the host is that one (a HELLO
 * naming another is refused with -EACCES; an empty name means it); on
 * the shared socket the client is counted against the host it names,
 * and refused with -EUSERS when that host's share of the table is used.
 */
static int
do_hello(struct ctl *ctl, struct hcasim_client *c,
	 const struct hcasim_hello_req *req, struct hcasim_hello_rep *rep)
{
	struct hcasim *h = ctl->h;
	int ret;

	if (c->bound_ident > 0) {
		const char *own = h->idents[c->bound_ident].host;

		if (req->host[0] != '\0' && strcmp(req->host, own) != 0) {
			h->refused.identity++;
			HCA_LOG(WARNING, "hcasim: client %u on %s's socket "
				"said it is %s: refused", c->id, own,
				req->host);
			return -EACCES;
		}
		memcpy(c->host, own, sizeof(c->host));
	} else {
		ret = hcasim_ident_take(h, c, hcasim_ident_find(h, req->host));
		if (ret < 0)
			return ret;
		memcpy(c->host, req->host, sizeof(c->host));
	}
	c->pid = (pid_t)req->pid;
	c->hello = true;
	rep->version = HCASIM_PROTO_VERSION;
	rep->client_id = c->id;
	(void)ctl;
	return 0;
}

/**
 * PORT_OPEN (CA name checked by hcasim_req_check()): bind the session to
 * one emulated port of the client's host.
 */
static int
do_port_open(struct ctl *ctl, struct hcasim_client *c,
	     const struct hcasim_port_open_req *req,
	     struct hcasim_port_attr *rep)
{
	struct hcasim_port *p;

	p = hcasim_port_find(ctl->h, c->host, req->port);
	if (p == NULL)
		return -ENODEV;
	c->port = p;
	hcasim_port_describe(ctl->h, p, rep);
	return 0;
}

/** STATUS: render the JSON into a memfd passed back. */
static int
do_status(struct ctl *ctl, struct hcasim_status_rep *rep, int *fd)
{
	size_t len = 0;
	char *json = hcasim_status_json(ctl->h, &len);
	int f;

	if (json == NULL)
		return -ENOMEM;
	f = memfd_create("hcasim-status", MFD_CLOEXEC);
	if (f < 0 || write(f, json, len) != (ssize_t)len) {
		if (f >= 0)
			close(f);
		free(json);
		return -EIO;
	}
	free(json);
	rep->json_len = len;
	*fd = f;
	return 0;
}

/**
 * Whether a request may come now in the session: HELLO once and first,
 * then STATUS at any time, PORT_OPEN once, then everything else.
 *
 * @param c     the client
 * @param type  the request's type
 * @return 0, -EALREADY (a second HELLO or PORT_OPEN) or -EPROTO (too early)
 */
static int
session_admits(const struct hcasim_client *c, uint16_t type)
{
	if (type == HCASIM_MSG_HELLO)
		return c->hello ? -EALREADY : 0;
	if (!c->hello)
		return -EPROTO;
	if (type == HCASIM_MSG_STATUS || type == HCASIM_MSG_QP_FAULT)
		return 0;
	if (type == HCASIM_MSG_PORT_OPEN)
		return c->port != NULL ? -EALREADY : 0;
	return c->port == NULL ? -EPROTO : 0;
}

/**
 * Run one well-formed request: session order, field checks
 * (hcasim_req_check()), then the operation.
 *
 * @param in     request body
 * @param out    reply body
 * @param fd     set to an fd to pass back, or left -1
 * @return the status for the reply
 */
static int
dispatch(struct ctl *ctl, struct hcasim_client *c, uint16_t type,
	 const void *in, void *out, int *fd)
{
	struct hcasim *h = ctl->h;
	int ret = session_admits(c, type);

	if (ret == 0)
		ret = hcasim_req_check(type, in);
	if (ret != 0)
		return ret;
	switch (type) {
	case HCASIM_MSG_HELLO:
		return do_hello(ctl, c, in, out);
	case HCASIM_MSG_STATUS:
		return do_status(ctl, out, fd);
	case HCASIM_MSG_PORT_OPEN:
		return do_port_open(ctl, c, in, out);
	case HCASIM_MSG_QP_FAULT:
		return hcasim_qp_fault(h, in);
	case HCASIM_MSG_INTR_OPEN:
		return hcasim_intr_open(h, c, out, fd);
	default:
		return -EOPNOTSUPP;
	}
}

/**
 * Run one well-formed firmware command message (hcasim_cmd.h): session
 * order and field checks as dispatch(), then the executor.
 *
 * @param blen  its body's length
 * @param olen  set to the reply body's length
 * @return the status for the reply
 */
static int
cmd_dispatch(struct ctl *ctl, struct hcasim_client *c, uint16_t type,
	     const void *in, size_t blen, void *out, int in_fd, size_t *olen)
{
	int ret = session_admits(c, type);

	*olen = 0;
	if (ret == 0)
		ret = hcasim_req_check(type, in);
	if (ret != 0)
		return ret;
	return hcasim_cmd_msg(ctl->h, c, type, in, blen, in_fd, out, olen);
}

/****************************************************************************
 * Sessions
 ****************************************************************************/

/** Drop a client: release everything it made, close its socket. */
static void
client_drop(struct ctl *ctl, unsigned int slot)
{
	struct hcasim_client *c = ctl->clients[slot];

	epoll_ctl(ctl->efd, EPOLL_CTL_DEL, c->fd, NULL);
	if (c->nattach != 0)
		hcasim_event_forget_port(ctl->h, c->port);
	hcasim_client_release(ctl->h, c);
	hcasim_cmd_client_release(c);
	hcasim_intr_close(c);
	hcasim_ident_drop(c);
	close(c->fd);
	HCA_LOG(INFO, "hcasim: client %u (pid %d, %s) gone", c->id,
		(int)c->pid, c->host);
	free(c);
	ctl->clients[slot] = NULL;
}

/**
 * Serve what a client sent: each request gets one reply. A malformed
 * message or a closed socket drops the client.
 */
static void
client_serve(struct ctl *ctl, unsigned int slot)
{
	struct hcasim_client *c = ctl->clients[slot];
	uint8_t in[HCASIM_MSG_MAX] __attribute__((aligned(8)));
	uint8_t out[HCASIM_MSG_MAX] __attribute__((aligned(8)));
	int i;

	for (i = 0; i < 16; i++) {
		struct hcasim_msg_hdr hdr;
		int in_fd, fd = -1, status;
		size_t blen;
		ssize_t n = request_recv(c->fd, in, &in_fd);

		if (n == -EAGAIN)
			return;
		if (n <= 0)
			goto drop;
		if (hcasim_msg_check(in, (size_t)n, in_fd >= 0, &hdr) != 0) {
			if (in_fd >= 0)
				close(in_fd);
			goto drop;
		}
		memset(out, 0, sizeof(out));
		blen = hcasim_msg_body_size(hdr.type, true);
		if (hcasim_cmd_msg_type(hdr.type))
			status = cmd_dispatch(ctl, c, hdr.type,
					      in + sizeof(hdr),
					      (size_t)n - sizeof(hdr), out,
					      in_fd, &blen);
		else
			status = dispatch(ctl, c, hdr.type, in + sizeof(hdr),
					  out, &fd);
		if (in_fd >= 0)
			close(in_fd);
		n = reply_send(c->fd, &hdr, status, out, blen, fd);
		if (fd >= 0)
			close(fd);
		if (n < 0)
			goto drop;
	}
	return;
drop:
	client_drop(ctl, slot);
}

/**
 * Accept a new connection: counted against its host's share of the
 * table (a host socket's host, or the share of connections without a
 * host yet on the shared socket); refused when the table or the share
 * is full.
 *
 * @param lfd    the listening socket
 * @param ident  the identity of a host socket, or 0 (shared socket)
 */
static void
client_accept(struct ctl *ctl, int lfd, int ident)
{
	struct epoll_event ev;
	struct hcasim_client *c;
	unsigned int slot;
	int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

	if (fd < 0)
		return;
	for (slot = 0; slot < HCASIM_MAX_CLIENTS; slot++)
		if (ctl->clients[slot] == NULL)
			break;
	c = slot < HCASIM_MAX_CLIENTS ? calloc(1, sizeof(*c)) : NULL;
	if (c == NULL) {
		HCA_LOG(WARNING, "hcasim: client refused (table full)");
		close(fd);
		return;
	}
	c->fd = fd;
	c->intr_fd = -1;
	c->id = ++ctl->h->next_client_id;
	c->bound_ident = ident;
	if (hcasim_ident_take(ctl->h, c, ident) < 0) {
		HCA_LOG(WARNING, "hcasim: client refused (%s has its share "
			"of the table)", ident > 0 ?
			ctl->h->idents[ident].host : "no host yet");
		close(fd);
		free(c);
		return;
	}
	ev.events = EPOLLIN | EPOLLRDHUP;
	ev.data.u64 = slot;
	if (epoll_ctl(ctl->efd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		hcasim_ident_drop(c);
		close(fd);
		free(c);
		return;
	}
	ctl->clients[slot] = c;
}

/****************************************************************************
 * The loop
 ****************************************************************************/

/**
 * Create the listening socket at path (a stale socket file is replaced),
 * readable and writable by its owner only.
 */
static int
listen_open(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
		close(fd);
		return -EADDRINUSE; /* another daemon serves it */
	}
	unlink(path);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    chmod(path, 0600) < 0 || listen(fd, 64) < 0) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

/** Add an fd to the epoll set with a tag. */
static int
ev_add(int efd, int fd, uint64_t tag)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = tag };

	return epoll_ctl(efd, EPOLL_CTL_ADD, fd, &ev);
}

/** Whether a host name can name a file in the host socket directory. */
static bool
host_name_is_file_name(const char *host)
{
	return host[0] != '\0' && strchr(host, '/') == NULL &&
	       strcmp(host, ".") != 0 && strcmp(host, "..") != 0;
}

/**
 * Open one socket per host in the configured directory (created 0700
 * when missing), named after the host: a connection there is that host.
 * A host whose name cannot be a file name (or too long a path) gets none
 * (its clients use the shared socket).
 *
 * @return 0 or a negative errno
 */
static int
host_sockets_open(struct ctl *ctl)
{
	const char *dir = ctl->h->cfg.host_sockets;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path) + 1];
	unsigned int i;

	if (dir == NULL)
		return 0;
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return -errno;
	for (i = 1; i < ctl->h->nidents; i++) {
		const char *host = ctl->h->idents[i].host;

		if (!host_name_is_file_name(host) ||
		    snprintf(path, sizeof(path), "%s/%s", dir, host) >=
		    (int)sizeof(path) - 1) {
			HCA_LOG(WARNING, "hcasim: no socket of its own for "
				"host \"%s\" (not a usable file name)", host);
			continue;
		}
		ctl->hfds[i] = listen_open(path);
		if (ctl->hfds[i] < 0)
			return ctl->hfds[i];
		if (ev_add(ctl->efd, ctl->hfds[i], EV_HOST_LISTEN + i) < 0)
			return -errno;
	}
	return 0;
}

/** Close the per-host sockets and remove their files. */
static void
host_sockets_close(struct ctl *ctl)
{
	char path[sizeof(((struct sockaddr_un *)0)->sun_path) + 1];
	unsigned int i;

	for (i = 1; i < ctl->h->nidents; i++) {
		if (ctl->hfds[i] < 0)
			continue;
		close(ctl->hfds[i]);
		snprintf(path, sizeof(path), "%s/%s", ctl->h->cfg.host_sockets,
			 ctl->h->idents[i].host);
		unlink(path);
	}
}

/**
 * Run the control loop until SIGINT/SIGTERM: accept clients, serve their
 * requests, release those that go away.
 *
 * @return 0 or a negative errno (setup failed)
 */
int
hcasim_ctl_run(struct hcasim *h)
{
	struct ctl ctl = { .h = h, .lfd = -1, .efd = -1, .sfd = -1 };
	sigset_t set;
	unsigned int i;
	int ret = 0;

	for (i = 0; i <= HCASIM_MAX_PORTS; i++)
		ctl.hfds[i] = -1;
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	ctl.sfd = signalfd(-1, &set, SFD_CLOEXEC);
	ctl.efd = epoll_create1(EPOLL_CLOEXEC);
	ctl.lfd = listen_open(h->cfg.socket_path);
	if (ctl.sfd < 0 || ctl.efd < 0 || ctl.lfd < 0 ||
	    ev_add(ctl.efd, ctl.lfd, EV_LISTEN) < 0 ||
	    ev_add(ctl.efd, ctl.sfd, EV_SIGNAL) < 0 ||
	    ev_add(ctl.efd, h->evq.wake_fd, EV_PORT_EVENT) < 0) {
		ret = ctl.lfd < 0 ? ctl.lfd : -EIO;
		HCA_LOG(ERR, "hcasim: cannot listen on %s: %s",
			h->cfg.socket_path, strerror(-ret));
		goto out;
	}
	ret = host_sockets_open(&ctl);
	if (ret < 0) {
		HCA_LOG(ERR, "hcasim: cannot listen in %s: %s",
			h->cfg.host_sockets, strerror(-ret));
		goto out;
	}
	HCA_LOG(NOTICE, "hcasim: serving %u ports on %s", h->nports,
		h->cfg.socket_path);
	while (!h->stop) {
		struct epoll_event evs[32];
		int k, n = epoll_wait(ctl.efd, evs, 32, 1000);

		for (k = 0; k < n; k++) {
			uint64_t tag = evs[k].data.u64;

			if (tag == EV_SIGNAL)
				h->stop = 1;
			else if (tag == EV_PORT_EVENT)
				hcasim_event_deliver(h, ctl.clients,
						     HCASIM_MAX_CLIENTS);
			else if (tag == EV_LISTEN)
				client_accept(&ctl, ctl.lfd, 0);
			else if (tag > EV_HOST_LISTEN &&
				 tag < EV_HOST_LISTEN + h->nidents)
				client_accept(&ctl, ctl.hfds[tag -
					      EV_HOST_LISTEN],
					      (int)(tag - EV_HOST_LISTEN));
			else if (tag < HCASIM_MAX_CLIENTS &&
				 ctl.clients[tag] != NULL)
				client_serve(&ctl, (unsigned int)tag);
		}
	}
	for (i = 0; i < HCASIM_MAX_CLIENTS; i++)
		if (ctl.clients[i] != NULL)
			client_drop(&ctl, i);
	unlink(h->cfg.socket_path);
out:
	host_sockets_close(&ctl);
	if (ctl.lfd >= 0)
		close(ctl.lfd);
	if (ctl.efd >= 0)
		close(ctl.efd);
	if (ctl.sfd >= 0)
		close(ctl.sfd);
	return ret;
}
