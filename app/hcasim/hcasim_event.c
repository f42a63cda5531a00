/* SPDX-License-Identifier: BSD-3-Clause */

/**
 * @file
 * Port events, raised as a ConnectX raises them: the address thread
 * (hcasim_addr.c) notices that a port went active or down, that its LID,
 * its P_Key table or its SM changed, or that the SA answers again after
 * an outage (the SM came back: its clients must register again), and
 * posts a PORT_CHANGE subtype for the port. The control thread turns
 * each into a 64-byte event queue entry (struct hcasim_eqe) written on
 * the event channel of every client bound to that port (EQ_OPEN: one end
 * of a SOCK_SEQPACKET socket pair, one entry per datagram).
 *
 * A channel that is full loses the entry: the client is then sent a
 * client re-register as soon as there is room again, which makes it
 * check everything (the safe answer to a lost event).
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
 * Raise a port change event for one port (delivered by the control
 * thread to every client bound to it). A full queue drops the event and
 * counts it.
 *
 * @param port      index of the port in h->ports
 * @param sub_type  HCASIM_EQE_PORT_*
 */
void
hcasim_event_post(struct hcasim *h, unsigned int port, uint8_t sub_type)
{
	struct hcasim_evq *q = &h->evq;
	uint64_t one = 1;

	pthread_mutex_lock(&q->lock);
	if (q->tail - q->head >= HCASIM_EVQ_SIZE) {
		q->dropped++;
		pthread_mutex_unlock(&q->lock);
		return;
	}
	q->q[q->tail % HCASIM_EVQ_SIZE] = (struct hcasim_port_event){
		.port = (uint16_t)port, .sub_type = sub_type };
	q->tail++;
	q->posted++;
	pthread_mutex_unlock(&q->lock);
	if (write(q->wake_fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		HCA_LOG(WARNING, "hcasim: event wake-up failed: %s",
			strerror(errno));
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
 * EQ_OPEN: give the client an event channel (once per connection).
 *
 * @param rep  filled with the entry size and the owner-bit lap
 * @param fd   set to the client's end of the channel (closed by the
 *             caller once sent)
 * @return 0, -EALREADY (it has one) or a negative errno
 */
int
hcasim_eq_open(struct hcasim *h, struct hcasim_client *c,
	       struct hcasim_eq_open_rep *rep, int *fd)
{
	int sv[2];

	(void)h;
	if (c->eq_fd >= 0)
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
	c->eq_fd = sv[0];
	c->eq_count = 0;
	c->eq_overrun = false;
	rep->eqe_size = sizeof(struct hcasim_eqe);
	rep->nent = HCASIM_EQ_NENT;
	*fd = sv[1];
	return 0;
}

/** Close a client's event channel (the client is going away). */
void
hcasim_eq_close(struct hcasim_client *c)
{
	if (c->eq_fd >= 0)
		close(c->eq_fd);
	c->eq_fd = -1;
}

/**
 * Write one PORT_CHANGE entry on a client's channel.
 *
 * @return true when written, false when the channel is full
 */
static bool
eqe_write(struct hcasim_client *c, uint8_t sub_type)
{
	struct hcasim_eqe e;

	memset(&e, 0, sizeof(e));
	e.event_type = HCASIM_EQE_TYPE_PORT_CHANGE;
	e.event_sub_type = sub_type;
	e.data[HCASIM_EQE_PORT_BYTE] =
		(uint8_t)(c->port->port_num << HCASIM_EQE_PORT_SHIFT);
	e.owner = (uint8_t)((c->eq_count / HCASIM_EQ_NENT) & 1);
	if (send(c->eq_fd, &e, sizeof(e), MSG_DONTWAIT | MSG_NOSIGNAL) !=
	    (ssize_t)sizeof(e))
		return false;
	c->eq_count++;
	return true;
}

/**
 * Hand one event to a client: a client that lost an entry first gets a
 * client re-register (it then checks everything).
 */
static void
event_to_client(struct hcasim *h, struct hcasim_client *c, uint8_t sub_type)
{
	if (c->eq_overrun) {
		if (!eqe_write(c, HCASIM_EQE_PORT_CLIENT_REREG)) {
			h->evq.dropped++;
			return;
		}
		c->eq_overrun = false;
		h->evq.delivered++;
	}
	if (eqe_write(c, sub_type)) {
		h->evq.delivered++;
	} else {
		c->eq_overrun = true;
		h->evq.dropped++;
	}
}

/**
 * Deliver the queued port events (the wake-up eventfd was readable):
 * each to every client bound to its port that has an event channel.
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
		HCA_LOG(INFO, "hcasim: %s port %u: port change event %u",
			p->host, p->port_num, ev.sub_type);
		for (i = 0; i < n; i++) {
			struct hcasim_client *c = clients[i];

			if (c != NULL && c->port == p && c->eq_fd >= 0)
				event_to_client(h, c, ev.sub_type);
		}
	}
}
