/* SPDX-License-Identifier: BSD-3-Clause */

/**
 * @file
 * QP 1 of the SM's port (see hcasim_gsi.h). The data path thread queues
 * a client's MAD (hcasim_gsi_submit()); the relay thread hands it to
 * opensm through the daemon's own umad and queues the reply; the data
 * path thread delivers it (hcasim_gsi_take_reply()) as it delivers any
 * datagram, so the QP tables are read by one thread only.
 *
 * opensm sees the daemon's port as the requester (ibsim's preload
 * library sends from the host it is started as, and lets a client choose
 * neither the source LID nor the source QPN): the records a request asks
 * about (SGID of a PathRecord, PortGID of an MCMemberRecord) name the
 * client's port, so the SA answers about the client.
 */

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "hcasim.h"
#include "hcasim_gsi.h"
#include "hcasim_sa.h"
#include "hca_log.h"

/** One request or reply. */
struct gsi_msg {
	uint16_t port;            /**< index in hcasim.ports */
	uint16_t pkey;            /**< the asking QP's P_Key */
	uint32_t qpn;             /**< the asking QP */
	uint8_t mad[HCASIM_GSI_MAD_LEN];
};

/** A bounded queue (free-running indices). */
struct gsi_queue {
	uint32_t head, tail;
	struct gsi_msg m[HCASIM_GSI_QUEUE];
};

/** The relay. */
struct hcasim_gsi {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	pthread_t thread;
	bool running;
	bool stop;
	struct gsi_queue req;
	struct gsi_queue rep;
	uint64_t rate_window[HCASIM_MAX_PORTS];  /**< second of the count */
	uint32_t rate_count[HCASIM_MAX_PORTS];
	struct hcasim_gsi_stats st;
};

/** Seconds of a monotonic clock. */
static uint64_t
gsi_now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec;
}

/** Whether a queue is full. */
static bool
gsi_full(const struct gsi_queue *q)
{
	return q->head - q->tail >= HCASIM_GSI_QUEUE;
}

/** Whether a queue is empty. */
static bool
gsi_empty(const struct gsi_queue *q)
{
	return q->head == q->tail;
}

/** Whether the port may send one more request this second (lock held). */
static bool
gsi_rate_ok(struct hcasim_gsi *g, uint16_t port)
{
	uint64_t now = gsi_now_s();

	if (g->rate_window[port] != now) {
		g->rate_window[port] = now;
		g->rate_count[port] = 0;
	}
	return g->rate_count[port]++ < HCASIM_GSI_RATE;
}

/**
 * Queue a datagram a client sent to QPN 1 (data path thread): one MAD to
 * the SM's LID is queued for opensm, anything else counted and dropped.
 *
 * @param port   the sender's port (index in hcasim.ports)
 * @param qpn    the sender's QPN (where the reply goes)
 * @param pkey   the sender's P_Key (the reply carries it)
 * @param to_sm  whether the DLID is the port's SM LID (and the Q_Key
 *               the GSI's)
 * @param forged whether it changes another port's membership
 */
void
hcasim_gsi_submit(struct hcasim *h, uint16_t port, uint32_t qpn,
		  uint16_t pkey, bool to_sm, bool forged, const uint8_t *mad,
		  uint32_t len)
{
	struct hcasim_gsi *g = h->gsi;
	struct gsi_msg *m;

	if (g == NULL || port >= HCASIM_MAX_PORTS)
		return;
	pthread_mutex_lock(&g->lock);
	g->st.requests++;
	if (!to_sm || len != HCASIM_GSI_MAD_LEN) {
		g->st.dropped_bad++;
	} else if (forged) {
		g->st.dropped_forged++;
	} else if (!gsi_rate_ok(g, port)) {
		g->st.dropped_rate++;
	} else if (gsi_full(&g->req)) {
		g->st.dropped_full++;
	} else {
		m = &g->req.m[g->req.head++ % HCASIM_GSI_QUEUE];
		m->port = port;
		m->qpn = qpn;
		m->pkey = pkey;
		memcpy(m->mad, mad, HCASIM_GSI_MAD_LEN);
		pthread_cond_signal(&g->cond);
	}
	pthread_mutex_unlock(&g->lock);
}

/** Take the next reply to deliver (see hcasim_gsi.h). */
bool
hcasim_gsi_take_reply(struct hcasim *h, uint16_t *port, uint32_t *qpn,
		      uint16_t *pkey, uint8_t *mad)
{
	struct hcasim_gsi *g = h->gsi;
	struct gsi_msg *m;

	if (g == NULL || __atomic_load_n(&g->rep.head, __ATOMIC_ACQUIRE) ==
	    __atomic_load_n(&g->rep.tail, __ATOMIC_RELAXED))
		return false; /* the common case, without the lock */
	pthread_mutex_lock(&g->lock);
	if (gsi_empty(&g->rep)) {
		pthread_mutex_unlock(&g->lock);
		return false;
	}
	m = &g->rep.m[g->rep.tail++ % HCASIM_GSI_QUEUE];
	*port = m->port;
	*qpn = m->qpn;
	*pkey = m->pkey;
	memcpy(mad, m->mad, HCASIM_GSI_MAD_LEN);
	g->st.answered++;
	pthread_mutex_unlock(&g->lock);
	return true;
}

/** Count a reply whose QP was gone (data path thread). */
void
hcasim_gsi_count_undeliverable(struct hcasim *h)
{
	struct hcasim_gsi *g = h->gsi;

	pthread_mutex_lock(&g->lock);
	g->st.answered--;
	g->st.undeliverable++;
	pthread_mutex_unlock(&g->lock);
}

/** Copy the relay's counters (zeros when it is not running). */
void
hcasim_gsi_get_stats(struct hcasim *h, struct hcasim_gsi_stats *st)
{
	struct hcasim_gsi *g = h->gsi;

	memset(st, 0, sizeof(*st));
	if (g == NULL)
		return;
	pthread_mutex_lock(&g->lock);
	*st = g->st;
	pthread_mutex_unlock(&g->lock);
}

/** Wake the data path so that it delivers a queued reply soon. */
static void
gsi_wake_dp(struct hcasim *h)
{
	uint64_t one = 1;

	if (h->wake_fd >= 0 && write(h->wake_fd, &one, sizeof(one)) < 0)
		HCA_LOG(DEBUG, "hcasim: cannot wake the data path");
}

/** The relay thread: one request at a time to opensm and back. */
static void *
gsi_main(void *arg)
{
	struct hcasim *h = arg;
	struct hcasim_gsi *g = h->gsi;
	struct gsi_msg req, rep;

	pthread_mutex_lock(&g->lock);
	while (!g->stop) {
		int ret;

		if (gsi_empty(&g->req)) {
			struct timespec ts;

			clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_nsec += 100000000L;
			if (ts.tv_nsec >= 1000000000L) {
				ts.tv_sec++;
				ts.tv_nsec -= 1000000000L;
			}
			pthread_cond_timedwait(&g->cond, &g->lock, &ts);
			continue;
		}
		req = g->req.m[g->req.tail++ % HCASIM_GSI_QUEUE];
		g->st.relayed++;
		pthread_mutex_unlock(&g->lock);
		rep = req;
		ret = h->sa != NULL ? hcasim_sa_relay(h->sa, req.mad, rep.mad,
						      HCASIM_GSI_WAIT_MS) :
		      -ENODEV;
		pthread_mutex_lock(&g->lock);
		if (ret != 0) {
			g->st.timeouts++;
		} else if (gsi_full(&g->rep)) {
			g->st.dropped_full++;
		} else {
			g->rep.m[g->rep.head % HCASIM_GSI_QUEUE] = rep;
			__atomic_store_n(&g->rep.head, g->rep.head + 1,
					 __ATOMIC_RELEASE);
			gsi_wake_dp(h);
		}
	}
	pthread_mutex_unlock(&g->lock);
	return NULL;
}

/**
 * Start the relay (after the SA reader and the data path).
 *
 * @return 0 or a negative errno
 */
int
hcasim_gsi_start(struct hcasim *h)
{
	struct hcasim_gsi *g = calloc(1, sizeof(*g));
	int ret;

	if (g == NULL)
		return -ENOMEM;
	pthread_mutex_init(&g->lock, NULL);
	pthread_cond_init(&g->cond, NULL);
	h->gsi = g;
	ret = pthread_create(&g->thread, NULL, gsi_main, h);
	if (ret != 0) {
		h->gsi = NULL;
		free(g);
		return -ret;
	}
	pthread_setname_np(g->thread, "hcasim-gsi");
	g->running = true;
	return 0;
}

/** Free the relay (after the data path stopped: nothing reads it). */
void
hcasim_gsi_free(struct hcasim *h)
{
	struct hcasim_gsi *g = h->gsi;

	if (g == NULL)
		return;
	h->gsi = NULL;
	pthread_cond_destroy(&g->cond);
	pthread_mutex_destroy(&g->lock);
	free(g);
}

/** Stop the relay thread (before the data path, which it wakes). */
void
hcasim_gsi_stop(struct hcasim *h)
{
	struct hcasim_gsi *g = h->gsi;

	if (g == NULL)
		return;
	pthread_mutex_lock(&g->lock);
	g->stop = true;
	pthread_cond_signal(&g->cond);
	pthread_mutex_unlock(&g->lock);
	if (g->running)
		pthread_join(g->thread, NULL);
	g->running = false;
}
