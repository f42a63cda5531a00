/* SPDX-License-Identifier: BSD-3-Clause */

/**
 * @file
 * Events, raised as a ConnectX raises them:
 *  - port changes: the address thread (hcasim_addr.c) notices that a
 *    port went active or down, that its LID, its P_Key table or its SM
 *    changed, or that the SA answers again after an outage (the SM came
 *    back: its clients must register again), and posts a PORT_CHANGE
 *    subtype for the port, for every client bound to it;
 *  - QP and CQ errors: a QP that enters the error state by a fault (an
 *    injected one, a send or receive error of the data path) raises WQ
 *    catastrophic error or local WQ access error with its QPN, a CQ that
 *    overruns raises CQ error with its CQN, for the QP's owner only.
 * The control thread turns each into a 64-byte event queue entry
 * (struct hcasim_eqe) written into the client's event queue (CREATE_EQ,
 * hcasim_cmd_eq.c) when its event bitmask asks for that type, then
 * raises the interrupt: one message on the client's interrupt line
 * (INTR_OPEN: one end of a SOCK_SEQPACKET socket pair).
 *
 * A ring that is full (its consumer counter says so) loses the entry:
 * the next entry written is then a client re-register, which makes the
 * client check everything (the safe answer to a lost event).
 */

#include <endian.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <sys/socket.h>

#include "hcasim.h"
#include "hcasim_sa.h"
#include "hca_log.h"

/****************************************************************************
 * Posting (any thread)
 ****************************************************************************/

/**
 * Set up the event queue: its lock and the eventfd that wakes the
 * control thread.
 *
 * @return 0 or a negative errno
 */
int
hcasim_event_init(struct hcasim *h)
{
	pthread_mutex_init(&h->evq.lock, NULL);
	h->evq.wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	return h->evq.wake_fd < 0 ? -errno : 0;
}

/** Close the event queue's eventfd. */
void
hcasim_event_fini(struct hcasim *h)
{
	if (h->evq.wake_fd >= 0)
		close(h->evq.wake_fd);
	h->evq.wake_fd = -1;
}

/**
 * Queue one event for the control thread. A full queue drops the event
 * and counts it. Any thread.
 */
static void
event_queue(struct hcasim *h, const struct hcasim_port_event *ev)
{
	struct hcasim_evq *q = &h->evq;
	uint64_t one = 1;

	pthread_mutex_lock(&q->lock);
	if (q->tail - q->head >= HCASIM_EVQ_SIZE) {
		q->dropped++;
		pthread_mutex_unlock(&q->lock);
		return;
	}
	q->q[q->tail % HCASIM_EVQ_SIZE] = *ev;
	q->tail++;
	q->posted++;
	pthread_mutex_unlock(&q->lock);
	if (write(q->wake_fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		HCA_LOG(WARNING, "hcasim: event wake-up failed: %s",
			strerror(errno));
}

/**
 * Raise a port change event for one port (delivered by the control
 * thread to every client bound to it).
 *
 * @param port      index of the port in h->ports
 * @param sub_type  HCASIM_EQE_PORT_*
 */
void
hcasim_event_post(struct hcasim *h, unsigned int port, uint8_t sub_type)
{
	struct hcasim_port_event ev = {
		.port = (uint16_t)port, .type = HCASIM_EQE_TYPE_PORT_CHANGE,
		.sub_type = sub_type };

	event_queue(h, &ev);
}

/**
 * Raise a QP error event (the QP entered the error state by a fault),
 * delivered to the QP's owner. Any thread.
 *
 * @param qp    the QP
 * @param type  HCASIM_EQE_TYPE_WQ_CATAS_ERROR or _WQ_ACCESS_ERROR
 */
void
hcasim_event_post_qp(struct hcasim *h, const struct hcasim_qp *qp,
		     uint8_t type)
{
	struct hcasim_port_event ev = {
		.port = (uint16_t)(qp->port - h->ports), .type = type,
		.qpn = qp->qpn };

	event_queue(h, &ev);
}

/**
 * Raise a CQ error event (a completion was lost: the CQ overran),
 * delivered to the owner of the QP that completed on it. Any thread.
 *
 * @param qp  the QP whose completion found the CQ full
 * @param cq  the CQ
 */
void
hcasim_event_post_cq(struct hcasim *h, const struct hcasim_qp *qp,
		     const struct hcasim_cq *cq)
{
	struct hcasim_port_event ev = {
		.port = (uint16_t)(qp->port - h->ports),
		.type = HCASIM_EQE_TYPE_CQ_ERROR, .qpn = qp->qpn,
		.cqn = cq->cqn };

	event_queue(h, &ev);
}

/** Raise the same port change event for every port. */
void
hcasim_event_post_all(struct hcasim *h, uint8_t sub_type)
{
	unsigned int i;

	for (i = 0; i < h->nports; i++)
		hcasim_event_post(h, i, sub_type);
}

/****************************************************************************
 * The group the SM watch probes (hcasim_addr.c)
 ****************************************************************************/

/** The port GID of a port (16 bytes, network order; under ports_lock). */
static void
port_gid(const struct hcasim_port *p, uint8_t *gid)
{
	uint64_t v = htobe64(p->gid_prefix);

	memcpy(gid, &v, 8);
	v = htobe64(p->port_guid);
	memcpy(gid + 8, &v, 8);
}

/**
 * Note a multicast attach or detach of a client on port p (control
 * thread): the last group attached on a port is the one the address
 * thread may ask the SA about (a restarted SM has forgotten it). At an
 * attach the SA is asked once whether the port is a member (clients
 * join before they attach): a group attached without a membership (a
 * test's intruder, a client that never joined) is never taken for one
 * the SM forgot.
 *
 * @param mgid      the group
 * @param attached  true for an attach, false for a detach
 */
void
hcasim_event_note_attach(struct hcasim *h, struct hcasim_port *p,
			 const uint8_t *mgid, bool attached)
{
	uint8_t gid[16];
	bool member = false;

	if (attached && h->sa != NULL) {
		pthread_mutex_lock(&h->ports_lock);
		port_gid(p, gid);
		pthread_mutex_unlock(&h->ports_lock);
		member = hcasim_sa_is_member(h->sa, mgid, gid) == 1;
	}
	pthread_mutex_lock(&h->ports_lock);
	if (attached) {
		memcpy(p->probe_mgid, mgid, sizeof(p->probe_mgid));
		p->probe_set = true;
		p->probe_member = member;
	} else if (p->probe_set &&
		   memcmp(p->probe_mgid, mgid, sizeof(p->probe_mgid)) == 0) {
		p->probe_set = false;
	}
	pthread_mutex_unlock(&h->ports_lock);
}

/** Forget a port's probed group (a client of the port went away). */
void
hcasim_event_forget_port(struct hcasim *h, struct hcasim_port *p)
{
	pthread_mutex_lock(&h->ports_lock);
	p->probe_set = false;
	pthread_mutex_unlock(&h->ports_lock);
}

/**
 * The group and port the SM watch asks about now: the first port with
 * an attached group the SA listed and an address (else the first with
 * an attached group and an address).
 *
 * @param mgid      filled with the group (16 bytes)
 * @param gid       filled with the port's GID (16 bytes)
 * @param member    set when the SA listed the membership at the attach
 * @return the port's index, or -ENOENT when no port has one
 */
int
hcasim_event_probe_target(struct hcasim *h, uint8_t *mgid, uint8_t *gid,
			  bool *member)
{
	unsigned int i, want;
	int ret = -ENOENT;

	pthread_mutex_lock(&h->ports_lock);
	for (want = 1; ret < 0 && want <= 2; want++) {
		for (i = 0; i < h->nports; i++) {
			const struct hcasim_port *p = &h->ports[i];

			if (!p->probe_set || p->lid == 0 ||
			    p->port_guid == 0 ||
			    (want == 1 && !p->probe_member))
				continue;
			memcpy(mgid, p->probe_mgid, 16);
			port_gid(p, gid);
			*member = p->probe_member;
			ret = (int)i;
			break;
		}
	}
	pthread_mutex_unlock(&h->ports_lock);
	return ret;
}

/****************************************************************************
 * Channels and delivery (control thread)
 ****************************************************************************/

/**
 * INTR_OPEN: give the client its interrupt line (once per connection).
 *
 * @param rep  filled with the size of an interrupt message
 * @param fd   set to the client's end of the line (closed by the caller
 *             once sent)
 * @return 0, -EALREADY (it has one) or a negative errno
 */
int
hcasim_intr_open(struct hcasim *h, struct hcasim_client *c,
		 struct hcasim_intr_open_rep *rep, int *fd)
{
	int sv[2];

	(void)h;
	if (c->intr_fd >= 0)
		return -EALREADY;
	/* the daemon never blocks on it; the client reads without waiting */
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK,
		       0, sv) < 0)
		return -errno;
	if (shutdown(sv[0], SHUT_RD) < 0) {
		close(sv[0]);
		close(sv[1]);
		return -EIO;
	}
	c->intr_fd = sv[0];
	rep->msg_size = sizeof(struct hcasim_intr_msg);
	*fd = sv[1];
	return 0;
}

/** Close a client's interrupt line (the client is going away). */
void
hcasim_intr_close(struct hcasim_client *c)
{
	if (c->intr_fd >= 0)
		close(c->intr_fd);
	c->intr_fd = -1;
}

/**
 * Raise the interrupt of a client's EQ. A line that is full already has
 * an interrupt pending: the client reads the whole ring when it wakes.
 */
static void
intr_raise(struct hcasim_client *c)
{
	struct hcasim_intr_msg m = { c->eq->eqn };

	if (c->intr_fd >= 0)
		(void)send(c->intr_fd, &m, sizeof(m),
			   MSG_DONTWAIT | MSG_NOSIGNAL);
}

/** Build the entry of one event for the client's port. */
static void
eqe_build(const struct hcasim_client *c, const struct hcasim_port_event *ev,
	  struct hcasim_eqe *e)
{
	uint32_t be;

	memset(e, 0, sizeof(*e));
	e->event_type = ev->type;
	switch (ev->type) {
	case HCASIM_EQE_TYPE_PORT_CHANGE:
		e->event_sub_type = ev->sub_type;
		e->data[HCASIM_EQE_PORT_BYTE] =
			(uint8_t)(c->port->port_num << HCASIM_EQE_PORT_SHIFT);
		break;
	case HCASIM_EQE_TYPE_CQ_ERROR:
		be = htobe32(ev->cqn & 0xffffff);
		memcpy(&e->data[HCASIM_EQE_CQ_NUM_BYTE], &be, 4);
		e->data[HCASIM_EQE_CQ_SYNDROME_BYTE] =
			HCASIM_EQE_CQ_SYNDROME_OVERRUN;
		break;
	default: /* WQ errors: a QP */
		be = htobe32(ev->qpn & 0xffffff);
		memcpy(&e->data[HCASIM_EQE_WQ_NUM_BYTE], &be, 4);
		break;
	}
}

/** Whether the EQ's event bitmask asks for an event type. */
static bool
eq_wants(const struct hcasim_eq *eq, uint8_t type)
{
	return (eq->event_bitmask[type / 64] >> (type % 64)) & 1;
}

/**
 * Hand one event to a client with an event queue that asks for its
 * type: a client that lost an entry first gets a client re-register (it
 * then checks everything), then the interrupt.
 */
static void
event_to_client(struct hcasim *h, struct hcasim_client *c,
		const struct hcasim_port_event *ev)
{
	struct hcasim_eq *eq = c->eq;
	struct hcasim_eqe e;

	if (!eq_wants(eq, ev->type))
		return;
	if (eq->overrun) {
		struct hcasim_port_event rr = {
			.type = HCASIM_EQE_TYPE_PORT_CHANGE,
			.sub_type = HCASIM_EQE_PORT_CLIENT_REREG };

		eqe_build(c, &rr, &e);
		if (!hcasim_eq_write(eq, &e)) {
			h->evq.dropped++;
			return;
		}
		eq->overrun = false;
		h->evq.delivered++;
	}
	eqe_build(c, ev, &e);
	if (hcasim_eq_write(eq, &e)) {
		h->evq.delivered++;
	} else {
		eq->overrun = true;
		h->evq.dropped++;
	}
	intr_raise(c);
}

/**
 * Whether an event goes to a client: a port change to every client of
 * the port, a QP or CQ error to the QP's owner.
 */
static bool
event_for(struct hcasim *h, const struct hcasim_client *c,
	  const struct hcasim_port_event *ev)
{
	const struct hcasim_qp *qp;

	if (c == NULL || c->eq == NULL || c->port != &h->ports[ev->port])
		return false;
	if (ev->type == HCASIM_EQE_TYPE_PORT_CHANGE)
		return true;
	qp = hcasim_qp_lookup(h, ev->qpn);
	return qp != NULL && qp->owner == c;
}

/**
 * Deliver the queued events (the wake-up eventfd was readable): each to
 * the clients it is for (event_for()).
 *
 * @param clients  the client table
 * @param n        its size
 */
void
hcasim_event_deliver(struct hcasim *h, struct hcasim_client **clients,
		     unsigned int n)
{
	struct hcasim_evq *q = &h->evq;
	uint64_t v;

	if (read(q->wake_fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		return;
	for (;;) {
		struct hcasim_port_event ev;
		struct hcasim_port *p;
		unsigned int i;

		pthread_mutex_lock(&q->lock);
		if (q->head == q->tail) {
			pthread_mutex_unlock(&q->lock);
			return;
		}
		ev = q->q[q->head % HCASIM_EVQ_SIZE];
		q->head++;
		pthread_mutex_unlock(&q->lock);
		if (ev.port >= h->nports)
			continue;
		p = &h->ports[ev.port];
		HCA_LOG(INFO, "hcasim: %s port %u: event type 0x%02x "
			"subtype %u qpn 0x%06x cqn %u", p->host, p->port_num,
			ev.type, ev.sub_type, ev.qpn, ev.cqn);
		for (i = 0; i < n; i++)
			if (event_for(h, clients[i], &ev))
				event_to_client(h, clients[i], &ev);
	}
}
