/* SPDX-License-Identifier: BSD-3-Clause */

/**
 * @file
 * The device API's soft HCA backend: every hca_dev.h call becomes one
 * request to the hcasim daemon over its unix socket (hcasim_proto.h).
 * Queue memory comes back as fds that are mapped here, so hca_dp.h runs
 * on them unchanged; the daemon watches the doorbell records (no doorbell
 * register: bf_reg is NULL). One connection per opened port; the daemon
 * frees everything of a connection when it closes. Calls on one device
 * may come from several threads (a link-state poll beside the control
 * path): requests on a connection are serialised by a mutex.
 *
 * Port events: at open the backend asks for the port's event channel
 * (EQ_OPEN) and decodes the event queue entries the daemon writes there
 * (hca_dev_event_fd(), hca_dev_event_poll()).
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
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "hca_dev_backend.h"
#include "hca_log.h"
#include "hcasim_proto.h"

/** How long a request may wait for its reply. */
#define SIM_REPLY_TIMEOUT_MS 10000

/** Kinds of tracked objects. */
enum sim_kind { SIM_PD, SIM_MR, SIM_CQ, SIM_QP };

/** Links every object of a device, so closing frees them all. */
struct sim_link {
	struct sim_link *prev, *next;
	enum sim_kind kind;
};

/** An open soft-HCA port. */
struct sim_dev {
	struct hca_dev base;
	pthread_mutex_t lock;        /**< one request at a time */
	int fd;
	uint32_t seq;
	bool dead;
	char ca_name[HCASIM_CA_LEN];
	struct sim_link objs;
	int eq_fd;                   /**< event channel, or -1 */
	uint32_t eq_count;           /**< entries read */
	uint32_t eq_nent;            /**< owner-bit lap */
};

/** A protection domain. */
struct sim_pd {
	struct hca_pd base;
	struct sim_link link;
	uint32_t pdn;
};

/** A memory region. */
struct sim_mr {
	struct hca_mr_obj obj;
	struct sim_link link;
};

/** A CQ (hca_cq.priv points here). */
struct sim_cq {
	struct hca_obj_head head;
	struct sim_link link;
	struct hca_cq cq;
	void *map;
	size_t map_len;
};

/** A QP (hca_qp.priv points here). */
struct sim_qp {
	struct hca_obj_head head;
	struct sim_link link;
	struct hca_qp qp;
	void *map;
	size_t map_len;
};

static const struct hca_dev_ops sim_ops;

/** container_of for the types above. */
#define SIM_OF(ptr, type, member) \
	((type *)(void *)((char *)(ptr) - offsetof(type, member)))

/****************************************************************************
 * Requests
 ****************************************************************************/

/** Track an object on its device. */
static void
link_add(struct sim_dev *d, struct sim_link *l, enum sim_kind kind)
{
	pthread_mutex_lock(&d->lock);
	l->kind = kind;
	l->next = d->objs.next;
	l->prev = &d->objs;
	d->objs.next->prev = l;
	d->objs.next = l;
	pthread_mutex_unlock(&d->lock);
}

/** Stop tracking an object (d NULL: the device is closing, no lock). */
static void
link_del(struct sim_dev *d, struct sim_link *l)
{
	if (d != NULL)
		pthread_mutex_lock(&d->lock);
	l->prev->next = l->next;
	l->next->prev = l->prev;
	if (d != NULL)
		pthread_mutex_unlock(&d->lock);
}

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

/** Wait for the reply to the last request; keep a passed fd in *fd_out. */
static int
sim_recv(struct sim_dev *d, uint16_t type, void *rep, size_t rlen,
	 int *fd_out)
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
	if ((size_t)n - sizeof(hdr) != rlen || (fd_out == NULL && fd >= 0) ||
	    (fd_out != NULL && fd < 0))
		goto bad;
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
	case -EADDRNOTAVAIL:
		why = "the MGID is not the group the SM gave this MLID";
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
 * @return 0 or a negative errno (the daemon's status, or transport)
 */
static int
sim_call(struct sim_dev *d, uint16_t type, const void *req, size_t reqlen,
	 void *rep, size_t replen, int fd_in, int *fd_out)
{
	int ret;

	pthread_mutex_lock(&d->lock);
	if (d->dead) {
		pthread_mutex_unlock(&d->lock);
		return -ECONNRESET;
	}
	ret = sim_send(d, type, req, reqlen, fd_in);
	if (ret == 0)
		ret = sim_recv(d, type, rep, replen, fd_out);
	if (ret == -ECONNRESET || ret == -ETIMEDOUT || ret == -EPROTO) {
		HCA_LOG(ERR, "hcasim: connection to the soft HCA lost (%s)",
			strerror(-ret));
		__atomic_store_n(&d->dead, true, __ATOMIC_RELEASE);
	}
	pthread_mutex_unlock(&d->lock);
	sim_refusal_log(type, ret);
	return ret;
}

/** Map a shared ring fd (closing it). */
static void *
ring_map(int fd, size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);

	close(fd);
	return p == MAP_FAILED ? NULL : p;
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
 * Ask the daemon for the port's event channel. A daemon that has none
 * to give leaves the device without events (the caller polls).
 *
 * @return 0, or a negative errno when the connection broke
 */
static int
sim_eq_open(struct sim_dev *d)
{
	struct hcasim_eq_open_rep rep;
	int fd = -1, ret;

	d->eq_fd = -1;
	ret = sim_call(d, HCASIM_MSG_EQ_OPEN, NULL, 0, &rep, sizeof(rep), -1,
		       &fd);
	if (ret == -ECONNRESET || ret == -ETIMEDOUT || ret == -EPROTO)
		return ret;
	if (ret < 0 || rep.eqe_size != sizeof(struct hcasim_eqe) ||
	    rep.nent == 0) {
		if (fd >= 0)
			close(fd);
		HCA_LOG(INFO, "hcasim: no port events from the daemon (%s)",
			ret < 0 ? strerror(-ret) : "unknown entry format");
		return 0;
	}
	d->eq_fd = fd;
	d->eq_nent = rep.nent;
	d->eq_count = 0;
	return 0;
}

/**
 * Open a port of the soft HCA: connect, HELLO with this host's name,
 * PORT_OPEN, then EQ_OPEN (the port's events).
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
	struct hcasim_port_attr attr;
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
	d->base.ops = &sim_ops;
	d->objs.next = d->objs.prev = &d->objs;
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
	ret = sim_call(d, HCASIM_MSG_PORT_OPEN, &po, sizeof(po), &attr,
		       sizeof(attr), -1, NULL);
	if (ret < 0)
		goto fail;
	snprintf(d->ca_name, sizeof(d->ca_name), "%s",
		 ca_name != NULL ? ca_name : attr.ca_name);
	ret = sim_eq_open(d);
	if (ret < 0)
		goto fail;
	*dev = &d->base;
	return 0;
fail:
	if (d->fd >= 0)
		close(d->fd);
	free(d);
	return ret;
}

/** Free the client side of an object (the daemon frees its side). */
static void
obj_free(struct sim_link *l)
{
	switch (l->kind) {
	case SIM_PD:
		free(SIM_OF(l, struct sim_pd, link));
		break;
	case SIM_MR:
		free(SIM_OF(l, struct sim_mr, link));
		break;
	case SIM_CQ: {
		struct sim_cq *c = SIM_OF(l, struct sim_cq, link);

		munmap(c->map, c->map_len);
		free(c);
		break;
	}
	case SIM_QP: {
		struct sim_qp *q = SIM_OF(l, struct sim_qp, link);

		munmap(q->map, q->map_len);
		free(q);
		break;
	}
	}
}

/** Close the connection (the daemon releases everything) and free. */
static void
sim_close(struct hca_dev *dev)
{
	struct sim_dev *d = (struct sim_dev *)dev;

	close(d->fd);
	if (d->eq_fd >= 0)
		close(d->eq_fd);
	while (d->objs.next != &d->objs) {
		struct sim_link *l = d->objs.next;

		link_del(NULL, l);
		obj_free(l);
	}
	pthread_mutex_destroy(&d->lock);
	free(d);
}

/** Ask the daemon for the port's attributes now. */
static int
sim_query(struct hca_dev *dev, struct hca_dev_attr *attr)
{
	struct sim_dev *d = (struct sim_dev *)dev;
	struct hcasim_port_attr a;
	struct hca_port_info *p = &attr->port;
	int ret;

	ret = sim_call(d, HCASIM_MSG_PORT_QUERY, NULL, 0, &a, sizeof(a), -1,
		       NULL);
	if (ret < 0)
		return ret;
	memset(attr, 0, sizeof(*attr));
	snprintf(p->ca_name, sizeof(p->ca_name), "%s", d->ca_name);
	p->port_num = (int)a.port_num;
	p->state = (enum hca_port_state)a.state;
	p->phys_state = (int)a.phys_state;
	p->lid = a.lid;
	p->lmc = a.lmc;
	p->sm_lid = a.sm_lid;
	p->sm_sl = a.sm_sl;
	memcpy(p->gid.raw, a.gid, sizeof(a.gid));
	p->port_guid = a.port_guid;
	p->node_guid = a.node_guid;
	p->active_mtu = a.active_mtu;
	p->rate = a.rate;
	p->capability_mask = a.capability_mask;
	p->pkey_count = a.pkey_count <= HCA_MAX_PKEYS ? a.pkey_count :
			HCA_MAX_PKEYS;
	memcpy(p->pkeys, a.pkeys, p->pkey_count * sizeof(p->pkeys[0]));
	snprintf(attr->backend, sizeof(attr->backend), "hcasim");
	attr->max_qp_wr = a.max_qp_wr;
	attr->max_cqe = a.max_cqe;
	attr->max_inline = a.max_inline;
	attr->max_qp = a.max_qp;
	attr->max_rss_children = a.max_rss_children;
	return 0;
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

/** The event channel's fd, or -ENOTSUP when the daemon gave none. */
static int
sim_event_fd(struct hca_dev *dev)
{
	struct sim_dev *d = (struct sim_dev *)dev;

	return d->eq_fd >= 0 ? d->eq_fd : -ENOTSUP;
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

/**
 * Read the next event queue entry without blocking and decode it. An
 * entry whose owner bit is not the expected one means entries were lost
 * on the way: it is returned as a client re-register (check everything).
 *
 * @return 1, 0 (none now), -ENOTSUP (no channel) or -ECONNRESET (the
 *         daemon closed it)
 */
static int
sim_event_poll(struct hca_dev *dev, struct hca_event *ev)
{
	struct sim_dev *d = (struct sim_dev *)dev;
	struct hcasim_eqe e;
	uint8_t owner;
	ssize_t n;

	if (d->eq_fd < 0)
		return -ENOTSUP;
	n = recv(d->eq_fd, &e, sizeof(e), MSG_DONTWAIT);
	if (n < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : -ECONNRESET;
	if (n == 0)
		return -ECONNRESET;
	if (n != (ssize_t)sizeof(e))
		return -EPROTO;
	owner = (uint8_t)((d->eq_count / d->eq_nent) & 1);
	d->eq_count++;
	memset(ev, 0, sizeof(*ev));
	ev->eqe_type = e.event_type;
	ev->eqe_sub_type = e.event_sub_type;
	ev->port_num = (uint8_t)(e.data[HCASIM_EQE_PORT_BYTE] >>
				 HCASIM_EQE_PORT_SHIFT);
	if ((e.owner & 1) != owner) {
		HCA_LOG(WARNING, "hcasim: event entry %u has the wrong owner "
			"bit: entries lost", d->eq_count - 1);
		ev->type = HCA_EVENT_CLIENT_REREGISTER;
		return 1;
	}
	ev->type = e.event_type == HCASIM_EQE_TYPE_PORT_CHANGE ?
		   sim_port_event(e.event_sub_type) : HCA_EVENT_OTHER;
	return 1;
}

/****************************************************************************
 * PD and MR
 ****************************************************************************/

/** Allocate a PD. */
static struct hca_pd *
sim_pd_alloc(struct hca_dev *dev, int *err)
{
	struct sim_dev *d = (struct sim_dev *)dev;
	struct sim_pd *pd = calloc(1, sizeof(*pd));
	struct hcasim_pd_msg rep;
	int ret = -ENOMEM;

	if (pd != NULL)
		ret = sim_call(d, HCASIM_MSG_PD_ALLOC, NULL, 0, &rep,
			       sizeof(rep), -1, NULL);
	if (ret < 0) {
		free(pd);
		if (err != NULL)
			*err = ret;
		return NULL;
	}
	pd->base.dev = dev;
	pd->pdn = rep.pdn;
	link_add(d, &pd->link, SIM_PD);
	return &pd->base;
}

/** Free a PD. */
static int
sim_pd_free(struct hca_pd *hpd)
{
	struct sim_pd *pd = (struct sim_pd *)hpd;
	struct hcasim_pd_msg req = { pd->pdn };
	int ret;

	ret = sim_call((struct sim_dev *)hpd->dev, HCASIM_MSG_PD_FREE, &req,
		       sizeof(req), NULL, 0, -1, NULL);
	if (ret < 0 && ret != -ECONNRESET)
		return ret;
	link_del((struct sim_dev *)hpd->dev, &pd->link);
	free(pd);
	return 0;
}

/** Register memory: the daemon maps fd itself. */
static int
sim_mr_reg(struct hca_pd *hpd, void *addr, size_t len, int fd, off_t fd_off,
	   struct hca_mr **out)
{
	struct sim_pd *pd = (struct sim_pd *)hpd;
	struct sim_dev *d = (struct sim_dev *)hpd->dev;
	struct hcasim_mr_reg_req req;
	struct hcasim_mr_msg rep;
	struct sim_mr *mr;
	int ret;

	if (fd < 0 || fd_off < 0)
		return -EINVAL; /* the soft HCA needs an fd to map */
	mr = calloc(1, sizeof(*mr));
	if (mr == NULL)
		return -ENOMEM;
	memset(&req, 0, sizeof(req));
	req.pdn = pd->pdn;
	req.va = (uintptr_t)addr;
	req.len = len;
	req.fd_off = (uint64_t)fd_off;
	ret = sim_call(d, HCASIM_MSG_MR_REG, &req, sizeof(req), &rep,
		       sizeof(rep), fd, NULL);
	if (ret < 0) {
		free(mr);
		return ret;
	}
	mr->obj.pub.lkey = rep.lkey;
	mr->obj.pub.addr = (uintptr_t)addr;
	mr->obj.pub.len = len;
	mr->obj.dev = hpd->dev;
	link_add(d, &mr->link, SIM_MR);
	*out = &mr->obj.pub;
	return 0;
}

/** Deregister memory (the daemon returns once no DMA can touch it). */
static int
sim_mr_dereg(struct hca_mr *hmr)
{
	struct sim_mr *mr = (struct sim_mr *)hmr;
	struct hcasim_mr_msg req = { hmr->lkey };
	int ret;

	ret = sim_call((struct sim_dev *)mr->obj.dev, HCASIM_MSG_MR_DEREG,
		       &req, sizeof(req), NULL, 0, -1, NULL);
	if (ret < 0 && ret != -ECONNRESET)
		return ret;
	link_del((struct sim_dev *)mr->obj.dev, &mr->link);
	free(mr);
	return 0;
}

/****************************************************************************
 * CQ and QP
 ****************************************************************************/

/** Create a CQ and map its ring. */
static int
sim_cq_create(struct hca_dev *dev, uint32_t min_cqe, struct hca_cq **out)
{
	struct sim_dev *d = (struct sim_dev *)dev;
	struct hcasim_cq_create_req req = { min_cqe };
	struct hcasim_cq_create_rep rep;
	struct hcasim_cq_msg dreq;
	struct sim_cq *c = calloc(1, sizeof(*c));
	int fd, ret;

	if (c == NULL)
		return -ENOMEM;
	ret = sim_call(d, HCASIM_MSG_CQ_CREATE, &req, sizeof(req), &rep,
		       sizeof(rep), -1, &fd);
	if (ret < 0) {
		free(c);
		return ret;
	}
	c->map = ring_map(fd, rep.map_len);
	if (c->map == NULL || rep.dbrec_off + 4 > rep.map_len ||
	    (uint64_t)rep.cqe_cnt * 64 > rep.dbrec_off) {
		if (c->map != NULL)
			munmap(c->map, rep.map_len);
		dreq.cqn = rep.cqn;
		sim_call(d, HCASIM_MSG_CQ_DESTROY, &dreq, sizeof(dreq), NULL,
			 0, -1, NULL);
		free(c);
		return -ENOMEM;
	}
	c->head.dev = dev;
	c->map_len = rep.map_len;
	c->cq.cqes = c->map;
	c->cq.cqe_cnt = rep.cqe_cnt;
	c->cq.cons_index = 0;
	c->cq.dbrec = (volatile uint32_t *)((uint8_t *)c->map + rep.dbrec_off);
	c->cq.cqn = rep.cqn;
	c->cq.priv = c;
	link_add(d, &c->link, SIM_CQ);
	*out = &c->cq;
	return 0;
}

/** Destroy a CQ. */
static int
sim_cq_destroy(struct hca_cq *cq)
{
	struct sim_cq *c = cq->priv;
	struct hcasim_cq_msg req = { cq->cqn };
	int ret;

	ret = sim_call((struct sim_dev *)c->head.dev, HCASIM_MSG_CQ_DESTROY,
		       &req, sizeof(req), NULL, 0, -1, NULL);
	if (ret < 0 && ret != -ECONNRESET)
		return ret;
	link_del((struct sim_dev *)c->head.dev, &c->link);
	obj_free(&c->link);
	return 0;
}

/** Fill the public QP from the daemon's reply and the mapped rings. */
static void
qp_fill(struct sim_qp *q, const struct hcasim_qp_create_rep *rep,
	const struct hca_qp_init_attr *attr)
{
	uint8_t *m = q->map;

	q->qp.qpn = rep->qpn;
	q->qp.wire_qpn = rep->wire_qpn;
	q->qp.sq_buf = m + rep->sq_off;
	q->qp.sq_wqe_cnt = rep->sq_wqe_cnt;
	q->qp.sq_head = 0;
	q->qp.rq_buf = (struct mlx5_wqe_data_seg *)(m + rep->rq_off);
	q->qp.rq_wqe_cnt = rep->rq_wqe_cnt;
	q->qp.rq_head = 0;
	q->qp.dbrec = (volatile uint32_t *)(m + rep->dbrec_off);
	q->qp.bf_reg = NULL;
	q->qp.max_inline = rep->max_inline;
	q->qp.send_cq = attr->send_cq;
	q->qp.recv_cq = attr->recv_cq;
	q->qp.priv = q;
}

/** Create a UD QP (RESET) and map its rings. */
static int
sim_qp_create_ud(struct hca_pd *hpd, const struct hca_qp_init_attr *attr,
		 struct hca_qp **out)
{
	struct sim_dev *d = (struct sim_dev *)hpd->dev;
	struct hcasim_qp_create_req req;
	struct hcasim_qp_create_rep rep;
	struct hcasim_qp_msg dreq;
	struct sim_qp *q;
	int fd, ret;

	/* a parent on another connection: the daemon refuses it (-EINVAL)
	 * unless it was started with --allow-forge (tests)
	 */
	if (((struct hca_obj_head *)attr->send_cq->priv)->dev != hpd->dev ||
	    ((struct hca_obj_head *)attr->recv_cq->priv)->dev != hpd->dev)
		return -EINVAL;
	q = calloc(1, sizeof(*q));
	if (q == NULL)
		return -ENOMEM;
	memset(&req, 0, sizeof(req));
	req.pdn = ((struct sim_pd *)hpd)->pdn;
	req.send_cqn = attr->send_cq->cqn;
	req.recv_cqn = attr->recv_cq->cqn;
	req.sq_wqe_cnt = attr->sq_wqe_cnt;
	req.rq_wqe_cnt = attr->rq_wqe_cnt;
	req.max_inline = attr->max_inline;
	req.rss_parent_qpn = attr->rss_parent != NULL ?
			     attr->rss_parent->qpn : 0;
	ret = sim_call(d, HCASIM_MSG_QP_CREATE, &req, sizeof(req), &rep,
		       sizeof(rep), -1, &fd);
	if (ret < 0) {
		free(q);
		return ret;
	}
	q->map = ring_map(fd, rep.map_len);
	if (q->map == NULL || rep.dbrec_off + 8 > rep.map_len ||
	    rep.sq_off + (uint64_t)rep.sq_wqe_cnt * 64 > rep.map_len ||
	    rep.rq_off + (uint64_t)rep.rq_wqe_cnt * 16 > rep.map_len) {
		if (q->map != NULL)
			munmap(q->map, rep.map_len);
		dreq.qpn = rep.qpn;
		sim_call(d, HCASIM_MSG_QP_DESTROY, &dreq, sizeof(dreq), NULL,
			 0, -1, NULL);
		free(q);
		return -ENOMEM;
	}
	q->head.dev = hpd->dev;
	q->map_len = rep.map_len;
	qp_fill(q, &rep, attr);
	link_add(d, &q->link, SIM_QP);
	*out = &q->qp;
	return 0;
}

/** Move a QP to a state; RESET also rewinds this side's counters. */
static int
sim_qp_modify(struct hca_qp *qp, enum hca_qp_state state, uint32_t qkey,
	      uint16_t pkey_index)
{
	struct sim_qp *q = qp->priv;
	struct hcasim_qp_modify_req req;
	int ret;

	memset(&req, 0, sizeof(req));
	req.qpn = qp->qpn;
	req.state = state;
	req.qkey = qkey;
	req.pkey_index = pkey_index;
	ret = sim_call((struct sim_dev *)q->head.dev, HCASIM_MSG_QP_MODIFY,
		       &req, sizeof(req), NULL, 0, -1, NULL);
	if (ret == 0 && state == HCA_QPS_RESET) {
		qp->sq_head = 0;
		qp->rq_head = 0;
	}
	return ret;
}

/** Attach or detach a QP to/from a multicast group. */
static int
sim_qp_mcast(struct hca_qp *qp, const union hca_gid *mgid, uint16_t mlid,
	     uint16_t type)
{
	struct sim_qp *q = qp->priv;
	struct hcasim_mcast_req req;

	memset(&req, 0, sizeof(req));
	req.qpn = qp->qpn;
	req.mlid = mlid;
	memcpy(req.mgid, mgid->raw, sizeof(req.mgid));
	return sim_call((struct sim_dev *)q->head.dev, type, &req,
			sizeof(req), NULL, 0, -1, NULL);
}

/** Attach a QP to a multicast group. */
static int
sim_qp_attach(struct hca_qp *qp, const union hca_gid *mgid, uint16_t mlid)
{
	return sim_qp_mcast(qp, mgid, mlid, HCASIM_MSG_MCAST_ATTACH);
}

/** Detach a QP from a multicast group. */
static int
sim_qp_detach(struct hca_qp *qp, const union hca_gid *mgid, uint16_t mlid)
{
	return sim_qp_mcast(qp, mgid, mlid, HCASIM_MSG_MCAST_DETACH);
}

/** Destroy a QP and unmap its rings. */
static int
sim_qp_destroy(struct hca_qp *qp)
{
	struct sim_qp *q = qp->priv;
	struct hcasim_qp_msg req = { qp->qpn };
	int ret;

	ret = sim_call((struct sim_dev *)q->head.dev, HCASIM_MSG_QP_DESTROY,
		       &req, sizeof(req), NULL, 0, -1, NULL);
	if (ret < 0 && ret != -ECONNRESET)
		return ret;
	link_del((struct sim_dev *)q->head.dev, &q->link);
	obj_free(&q->link);
	return 0;
}

/** The soft HCA backend. */
static const struct hca_dev_ops sim_ops = {
	.name = "hcasim",
	.close = sim_close,
	.query = sim_query,
	.alive = sim_alive,
	.event_fd = sim_event_fd,
	.event_poll = sim_event_poll,
	.pd_alloc = sim_pd_alloc,
	.pd_free = sim_pd_free,
	.mr_reg = sim_mr_reg,
	.mr_dereg = sim_mr_dereg,
	.cq_create = sim_cq_create,
	.cq_destroy = sim_cq_destroy,
	.qp_create_ud = sim_qp_create_ud,
	.qp_modify = sim_qp_modify,
	.qp_attach_mcast = sim_qp_attach,
	.qp_detach_mcast = sim_qp_detach,
	.qp_destroy = sim_qp_destroy,
};
