/* SPDX-License-Identifier: BSD-3-Clause */

/**
 * @file
 * The device API's soft HCA backend: the connection to the hcasim daemon
 * over its unix socket (hcasim_proto.h) and its session (HELLO,
 * PORT_OPEN). Objects and queries are firmware commands carried on it
 * (hca_cmdobj.c, hca_cmdobj_query.c, hca_sim_transport.c); queue memory is
 * this side's, registered as UMEMs, so hca_dp.h runs on it unchanged; the
 * daemon watches the doorbell records (no doorbell register: bf_reg is
 * NULL). One connection per opened port; the daemon frees everything of
 * a connection when it closes. Calls on one device may come from several
 * threads (a link-state poll beside the control path): requests on a
 * connection are serialised by a mutex.
 *
 * Events: at open the backend asks for the port's interrupt line
 * (INTR_OPEN) and makes its event queue (CREATE_EQ, hca_cmdobj.c); the
 * daemon writes event queue entries into the ring and raises the
 * interrupt. hca_dev_event_fd() is the line, hca_dev_event_poll()
 * drains it and reads the ring.
 */

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "hca_dev_backend.h"
#include "hca_log.h"
#include "hca_cmdobj.h"
#include "hca_cmdobj_query.h"
#include "hca_sim_eq.h"
#include "hca_sim_mem.h"
#include "hca_sim_transport.h"
#include "hcasim_proto.h"

/** How long a request may wait for its reply. */
#define SIM_REPLY_TIMEOUT_MS 10000

/** An open soft-HCA port. */
struct sim_dev {
	struct hca_cmdobj_port port; /**< first: the objects' view */
	struct hca_sim_transport st; /**< port.cmd's state */
	struct hcasim_port_attr open; /**< PORT_OPEN's reply */
	struct hca_sim_eq eq;        /**< the port's event queue */
	pthread_mutex_t lock;        /**< one request at a time */
	int fd;
	uint32_t seq;
	bool dead;
	int intr_fd;                 /**< interrupt line, or -1 */
};

static const struct hca_dev_ops sim_ops;

/****************************************************************************
 * Requests
 ****************************************************************************/

/** Send one request, with an fd when fd_in >= 0. */
static int
sim_send(struct sim_dev *d, uint16_t type, const void *req, size_t rlen,
	 int fd_in)
{
	uint8_t buf[HCASIM_MSG_MAX];
	struct hcasim_msg_hdr hdr = { HCASIM_PROTO_MAGIC, type,
		(uint16_t)(sizeof(hdr) + rlen), ++d->seq, 0 };
	union {
		struct cmsghdr c;
		char b[CMSG_SPACE(sizeof(int))];
	} cm;
	struct iovec iov = { buf, hdr.len };
	struct msghdr mh;

	memcpy(buf, &hdr, sizeof(hdr));
	if (rlen != 0)
		memcpy(buf + sizeof(hdr), req, rlen);
	memset(&mh, 0, sizeof(mh));
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	if (fd_in >= 0) {
		memset(&cm, 0, sizeof(cm));
		mh.msg_control = cm.b;
		mh.msg_controllen = sizeof(cm.b);
		cm.c.cmsg_level = SOL_SOCKET;
		cm.c.cmsg_type = SCM_RIGHTS;
		cm.c.cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(&cm.c), &fd_in, sizeof(int));
	}
	if (sendmsg(d->fd, &mh, MSG_NOSIGNAL) != (ssize_t)hdr.len)
		return -ECONNRESET;
	return 0;
}

/**
 * Wait for the reply to the last request; keep a passed fd in *fd_out.
 * With got NULL the body must be rlen bytes, else at most rlen (its
 * length in *got).
 */
static int
sim_recv(struct sim_dev *d, uint16_t type, void *rep, size_t rlen,
	 size_t *got, int *fd_out)
{
	uint8_t buf[HCASIM_MSG_MAX];
	union {
		struct cmsghdr c;
		char b[CMSG_SPACE(sizeof(int))];
	} cm;
	struct iovec iov = { buf, sizeof(buf) };
	struct pollfd pfd = { d->fd, POLLIN, 0 };
	struct hcasim_msg_hdr hdr;
	struct cmsghdr *c;
	struct msghdr mh;
	int fd = -1;
	ssize_t n;

	if (poll(&pfd, 1, SIM_REPLY_TIMEOUT_MS) != 1)
		return -ETIMEDOUT;
	memset(&mh, 0, sizeof(mh));
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = cm.b;
	mh.msg_controllen = sizeof(cm.b);
	n = recvmsg(d->fd, &mh, MSG_CMSG_CLOEXEC);
	for (c = CMSG_FIRSTHDR(&mh); n > 0 && c != NULL;
	     c = CMSG_NXTHDR(&mh, c))
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
			memcpy(&fd, CMSG_DATA(c), sizeof(int));
	if (n < (ssize_t)sizeof(hdr))
		goto bad;
	memcpy(&hdr, buf, sizeof(hdr));
	if (hdr.magic != HCASIM_PROTO_MAGIC || hdr.type != type ||
	    hdr.seq != d->seq || hdr.len != n)
		goto bad;
	if (hdr.status != 0) {
		if (fd >= 0)
			close(fd);
		return hdr.status < 0 ? hdr.status : -EPROTO;
	}
	if ((got == NULL && (size_t)n - sizeof(hdr) != rlen) ||
	    (size_t)n - sizeof(hdr) > rlen || (fd_out == NULL && fd >= 0) ||
	    (fd_out != NULL && fd < 0))
		goto bad;
	rlen = (size_t)n - sizeof(hdr);
	if (got != NULL)
		*got = rlen;
	if (rlen != 0)
		memcpy(rep, buf + sizeof(hdr), rlen);
	if (fd_out != NULL)
		*fd_out = fd;
	return 0;
bad:
	if (fd >= 0)
		close(fd);
	return n <= 0 ? -ECONNRESET : -EPROTO; /* closed or reset: lost */
}

/**
 * Log what a refusal by one of the daemon's limits or checks means
 * (doc/hcasim.md, "Limits"); other statuses are left to the caller.
 *
 * @param type    the request
 * @param status  the daemon's status
 */
static void
sim_refusal_log(uint16_t type, int status)
{
	const char *why;

	switch (status) {
	case -EDQUOT:
		why = "this client's or this host's limit is reached";
		break;
	case -EUSERS:
		why = "this host's share of the client table is used up";
		break;
	case -EACCES:
		why = "the host named is not the one this socket serves";
		break;
	default:
		return;
	}
	HCA_LOG(ERR, "hcasim: request %u refused: %s (%s)", type, why,
		strerror(-status));
}

/**
 * One request/reply exchange with the daemon. A broken connection marks
 * the device dead (every later call fails with -ECONNRESET).
 *
 * @param got  NULL: the reply is replen bytes; else it may be shorter,
 *             its length is set here
 * @return 0 or a negative errno (the daemon's status, or transport)
 */
static int
sim_call_ex(struct sim_dev *d, uint16_t type, const void *req,
	    size_t reqlen, void *rep, size_t replen, size_t *got, int fd_in,
	    int *fd_out)
{
	int ret;

	pthread_mutex_lock(&d->lock);
	if (d->dead) {
		pthread_mutex_unlock(&d->lock);
		return -ECONNRESET;
	}
	ret = sim_send(d, type, req, reqlen, fd_in);
	if (ret == 0)
		ret = sim_recv(d, type, rep, replen, got, fd_out);
	if (ret == -ECONNRESET || ret == -ETIMEDOUT || ret == -EPROTO) {
		HCA_LOG(ERR, "hcasim: connection to the soft HCA lost (%s)",
			strerror(-ret));
		__atomic_store_n(&d->dead, true, __ATOMIC_RELEASE);
	}
	pthread_mutex_unlock(&d->lock);
	sim_refusal_log(type, ret);
	return ret;
}

/** sim_call_ex() with a reply of exactly replen bytes. */
static int
sim_call(struct sim_dev *d, uint16_t type, const void *req, size_t reqlen,
	 void *rep, size_t replen, int fd_in, int *fd_out)
{
	return sim_call_ex(d, type, req, reqlen, rep, replen, NULL, fd_in,
			   fd_out);
}

/** Whether the connection is lost (sim_call() logged it). */
static bool
sim_chan_lost(void *conn)
{
	struct sim_dev *d = conn;

	return __atomic_load_n(&d->dead, __ATOMIC_ACQUIRE);
}

/** The channel the objects and the command transport use (sim_call_ex). */
static int
sim_chan_call(void *conn, uint16_t type, const void *req, size_t reqlen,
	      void *rep, size_t rep_max, size_t *got, int fd_in, int *fd_out)
{
	return sim_call_ex(conn, type, req, reqlen, rep, rep_max, got, fd_in,
			   fd_out);
}

/****************************************************************************
 * Device
 ****************************************************************************/

/** The host this process is, as the net file names it. */
static const char *
sim_host(void)
{
	const char *h = getenv("HCASIM_HOST");

	if (h == NULL || h[0] == '\0')
		h = getenv("SIM_HOST");
	return h;
}

/**
 * Ask the daemon for the port's interrupt line and make the port's event
 * queue. A daemon that gives neither leaves the device without events
 * (the caller polls).
 *
 * @return 0, or a negative errno when the connection broke
 */
static int
sim_events_open(struct sim_dev *d)
{
	struct hcasim_intr_open_rep rep;
	int fd = -1, ret;

	d->intr_fd = -1;
	ret = sim_call(d, HCASIM_MSG_INTR_OPEN, NULL, 0, &rep, sizeof(rep),
		       -1, &fd);
	if (ret == -ECONNRESET || ret == -ETIMEDOUT || ret == -EPROTO)
		return ret;
	if (ret == 0 && rep.msg_size == sizeof(struct hcasim_intr_msg))
		ret = hca_sim_eq_create(&d->port, &d->eq);
	else if (ret == 0)
		ret = -EPROTO;
	if (ret == -ECONNRESET)
		return ret;
	if (ret < 0) {
		if (fd >= 0)
			close(fd);
		HCA_LOG(INFO, "hcasim: no port events from the daemon (%s)",
			strerror(-ret));
		return 0;
	}
	d->intr_fd = fd;
	return 0;
}

/**
 * Open a port of the soft HCA: connect, HELLO with this host's name,
 * PORT_OPEN, QUERY_HCA_CAP (hca_cmdobj_port_init()), then INTR_OPEN and
 * CREATE_EQ (the port's events).
 *
 * @param path     the daemon's socket
 * @param ca_name  CA name (NULL, "ibsim0" or "hcasim0")
 * @param port     port number or 0
 * @return 0, -ECONNREFUSED (no daemon), -EUSERS (the daemon has no room
 *         for another client of this host), -EACCES (the socket serves
 *         another host), -ENODEV (no such host or port)
 */
int
hca_sim_dev_open(const char *path, const char *ca_name, int port,
		 struct hca_dev **dev)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct hcasim_hello_req hello = { HCASIM_PROTO_VERSION, 0, "" };
	struct hcasim_port_open_req po;
	struct hcasim_hello_rep hrep;
	const char *host = sim_host();
	struct sim_dev *d;
	int ret;

	if (host == NULL || strlen(host) >= sizeof(hello.host) ||
	    strlen(path) >= sizeof(sa.sun_path) ||
	    (ca_name != NULL && strlen(ca_name) >= sizeof(po.ca_name)))
		return host == NULL ? -ENODEV : -EINVAL;
	d = calloc(1, sizeof(*d));
	if (d == NULL)
		return -ENOMEM;
	d->port.base.ops = &sim_ops;
	d->intr_fd = -1;
	pthread_mutex_init(&d->lock, NULL);
	strcpy(sa.sun_path, path);
	d->fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (d->fd < 0 ||
	    connect(d->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		ret = -ECONNREFUSED;
		goto fail;
	}
	hello.pid = (uint32_t)getpid();
	strcpy(hello.host, host);
	ret = sim_call(d, HCASIM_MSG_HELLO, &hello, sizeof(hello), &hrep,
		       sizeof(hrep), -1, NULL);
	if (ret == -ECONNRESET) {
		/* the daemon closes a connection it has no room for */
		HCA_LOG(ERR, "hcasim: %s refused the connection (client "
			"table or this host's share of it full?)",
			sa.sun_path);
		ret = -EUSERS;
	}
	if (ret < 0)
		goto fail;
	memset(&po, 0, sizeof(po));
	if (ca_name != NULL)
		strcpy(po.ca_name, ca_name);
	po.port = (uint32_t)port;
	ret = sim_call(d, HCASIM_MSG_PORT_OPEN, &po, sizeof(po), &d->open,
		       sizeof(d->open), -1, NULL);
	if (ret < 0)
		goto fail;
	snprintf(d->port.ca_name, sizeof(d->port.ca_name), "%s",
		 ca_name != NULL ? ca_name : d->open.ca_name);
	d->port.hooks = &hca_sim_hooks;
	d->port.backend = "hcasim";
	d->port.port_num = d->open.port_num;
	d->port.rate = d->open.rate;
	d->port.max_qp = d->open.max_qp;
	d->port.mcg_attached_syndrome = HCASIM_CMD_SYN_MCG_ATTACHED;
	hca_sim_transport_init(&d->port.cmd, &d->st, sim_chan_call,
			       sim_chan_lost, d);
	ret = hca_cmdobj_port_init(&d->port);
	if (ret < 0) {
		hca_sim_transport_fini(&d->st);
		goto fail;
	}
	ret = sim_events_open(d);
	if (ret < 0) {
		hca_sim_eq_free(&d->eq);
		hca_cmdobj_port_fini(&d->port);
		hca_sim_transport_fini(&d->st);
		goto fail;
	}
	*dev = &d->port.base;
	return 0;
fail:
	if (d->fd >= 0)
		close(d->fd);
	if (d->intr_fd >= 0)
		close(d->intr_fd);
	free(d);
	return ret;
}

/** Close the connection (the daemon releases everything) and free. */
static void
sim_close(struct hca_dev *dev)
{
	struct sim_dev *d = (struct sim_dev *)dev;

	close(d->fd);
	if (d->intr_fd >= 0)
		close(d->intr_fd);
	hca_sim_eq_free(&d->eq);
	hca_cmdobj_port_fini(&d->port);
	hca_sim_transport_fini(&d->st);
	pthread_mutex_destroy(&d->lock);
	free(d);
}

/** Whether the daemon's end of the socket is still open. */
static int
sim_alive(struct hca_dev *dev)
{
	struct sim_dev *d = (struct sim_dev *)dev;
	struct pollfd pfd = { d->fd, POLLRDHUP, 0 };

	if (__atomic_load_n(&d->dead, __ATOMIC_ACQUIRE))
		return 0;
	if (poll(&pfd, 1, 0) == 1 &&
	    (pfd.revents & (POLLRDHUP | POLLHUP | POLLERR)))
		return 0;
	return 1;
}

/****************************************************************************
 * Events
 ****************************************************************************/

/** The interrupt line's fd, or -ENOTSUP when the daemon gave none. */
static int
sim_event_fd(struct hca_dev *dev)
{
	struct sim_dev *d = (struct sim_dev *)dev;

	return d->intr_fd >= 0 ? d->intr_fd : -ENOTSUP;
}

/** Decode a PORT_CHANGE subtype. */
static enum hca_event_type
sim_port_event(uint8_t sub_type)
{
	switch (sub_type) {
	case HCASIM_EQE_PORT_ACTIVE:
		return HCA_EVENT_PORT_ACTIVE;
	case HCASIM_EQE_PORT_DOWN:
		return HCA_EVENT_PORT_DOWN;
	case HCASIM_EQE_PORT_LID_CHANGE:
		return HCA_EVENT_LID_CHANGE;
	case HCASIM_EQE_PORT_PKEY_CHANGE:
		return HCA_EVENT_PKEY_CHANGE;
	case HCASIM_EQE_PORT_GUID_CHANGE:
		return HCA_EVENT_GID_CHANGE;
	case HCASIM_EQE_PORT_CLIENT_REREG:
		return HCA_EVENT_CLIENT_REREGISTER;
	default:
		return HCA_EVENT_OTHER;
	}
}

/** A 24-bit big-endian number at p. */
static uint32_t
be24_at(const uint8_t *p)
{
	return (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/** Decode one event queue entry. */
static void
sim_eqe_decode(const struct sim_dev *d, const struct hcasim_eqe *e,
	       struct hca_event *ev)
{
	memset(ev, 0, sizeof(*ev));
	ev->eqe_type = e->event_type;
	ev->eqe_sub_type = e->event_sub_type;
	ev->port_num = (uint8_t)d->open.port_num;
	switch (e->event_type) {
	case HCASIM_EQE_TYPE_PORT_CHANGE:
		ev->port_num = (uint8_t)(e->data[HCASIM_EQE_PORT_BYTE] >>
					 HCASIM_EQE_PORT_SHIFT);
		ev->type = sim_port_event(e->event_sub_type);
		break;
	case HCASIM_EQE_TYPE_WQ_CATAS_ERROR:
		ev->type = HCA_EVENT_QP_FATAL;
		ev->obj_num = be24_at(&e->data[HCASIM_EQE_WQ_NUM_BYTE]);
		break;
	case HCASIM_EQE_TYPE_WQ_ACCESS_ERROR:
		ev->type = HCA_EVENT_QP_ACCESS_ERR;
		ev->obj_num = be24_at(&e->data[HCASIM_EQE_WQ_NUM_BYTE]);
		break;
	case HCASIM_EQE_TYPE_CQ_ERROR:
		ev->type = HCA_EVENT_CQ_ERR;
		ev->obj_num = be24_at(&e->data[HCASIM_EQE_CQ_NUM_BYTE]);
		break;
	default:
		ev->type = HCA_EVENT_OTHER;
		break;
	}
}

/**
 * Take the next event without blocking: acknowledge the interrupts
 * raised so far (drain the line), then read the event queue's next
 * entry that software owns.
 *
 * @return 1, 0 (none now), -ENOTSUP (no events) or -ECONNRESET (the
 *         daemon closed the line)
 */
static int
sim_event_poll(struct hca_dev *dev, struct hca_event *ev)
{
	struct sim_dev *d = (struct sim_dev *)dev;
	struct hcasim_intr_msg m;
	struct hcasim_eqe e;
	ssize_t n;

	if (d->intr_fd < 0)
		return -ENOTSUP;
	for (;;) {
		n = recv(d->intr_fd, &m, sizeof(m), MSG_DONTWAIT);
		if (n == 0)
			return -ECONNRESET;
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				break;
			return -ECONNRESET;
		}
	}
	if (hca_sim_eq_next(&d->eq, &e) == 0)
		return 0;
	sim_eqe_decode(d, &e, ev);
	return 1;
}

/** The soft HCA backend. */
static const struct hca_dev_ops sim_ops = {
	.name = "hcasim",
	.close = sim_close,
	.query = hca_cmdobj_query,
	.alive = sim_alive,
	.event_fd = sim_event_fd,
	.event_poll = sim_event_poll,
	.pd_alloc = hca_cmdobj_pd_alloc,
	.pd_free = hca_cmdobj_pd_free,
	.mr_reg = hca_cmdobj_mr_reg,
	.mr_dereg = hca_cmdobj_mr_dereg,
	.cq_create = hca_cmdobj_cq_create,
	.cq_destroy = hca_cmdobj_cq_destroy,
	.qp_create_ud = hca_cmdobj_qp_create_ud,
	.qp_modify = hca_cmdobj_qp_modify,
	.qp_attach_mcast = hca_cmdobj_qp_attach,
	.qp_detach_mcast = hca_cmdobj_qp_detach,
	.qp_destroy = hca_cmdobj_qp_destroy,
};
