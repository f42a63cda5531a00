/* SPDX-License-Identifier: BSD-3-Clause */

/**
 * @file
 * The control thread of a net_ipoib port: everything that talks to the
 * subnet manager or writes the peer cache. It learns new sources the
 * receive path reported, holds packets for unresolved destinations
 * (IPOIB_MAX_HELD per peer) while a PathRecord query runs, hands them to
 * transmit queue 0 once resolved, retries failed queries with backoff,
 * reclaims evicted peers after their RCU grace period and polls the link.
 *
 * Writers are serialized by priv->lock, which the API functions take too;
 * the data path never takes it.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_lcore.h>
#include <rte_malloc.h>

#include "ipoib.h"
#include "ipoib_log.h"
#include "rte_pmd_ipoib.h"

/*
 * The broadcast group as Linux creates it when the subnet has none: the
 * IPoIB Q_Key, the port's MTU (2048 bytes when it reports none), 10 Gb/s,
 * both "exactly", traffic class and SL 0.
 */
#define IPOIB_BCAST_QKEY 0x0b1b
#define IPOIB_BCAST_MTU_DEFAULT 4   /**< IB MTU code of 2048 bytes */
#define IPOIB_BCAST_RATE 3          /**< IB rate code of 10 Gb/s */
#define IPOIB_SA_SELECTOR_EXACTLY 2 /**< MTU and rate selector */

/** Pause of the control loop between rounds. */
#define IPOIB_CTRL_PERIOD_US 1000
/** Link poll period. */
#define IPOIB_LINK_POLL_MS 500
/** First retry delay of a failed path query, then doubled. */
#define IPOIB_RETRY_MS 500
/** Longest retry delay. */
#define IPOIB_RETRY_MAX_MS 8000
/** Shortest time between two confirmations of one peer's LID. */
#define IPOIB_CONFIRM_MS 1000

/** Control-side state of one peer slot. */
struct ipoib_peer_ctrl {
	struct rte_mbuf *held[IPOIB_MAX_HELD];
	uint8_t n_held;
	uint8_t querying;         /**< a PathRecord query is in flight */
	uint8_t tries;
	uint64_t next_try;        /**< TSC before which no new query */
};

/** Argument of an asynchronous path query. */
struct ipoib_path_query {
	struct ipoib_priv *priv;
	uint64_t tag;             /**< of the peer asked for (never another) */
};

/** Argument of an asynchronous multicast join. */
struct ipoib_join_wait {
	int done;                 /**< atomic */
	int status;
	int abandoned;            /**< the waiter gave up: callback frees */
	struct hca_mcmember_rec rec;
};

/** Milliseconds to TSC cycles. */
static uint64_t
ipoib_ms_to_tsc(uint64_t ms)
{
	return ms * rte_get_tsc_hz() / 1000;
}

/** The control state of the slot of a key. */
static struct ipoib_peer_ctrl *
ipoib_pctrl(struct ipoib_priv *priv, uint16_t key)
{
	return &priv->pctrl[key & priv->peers->slot_mask];
}

/* ------------------------------------------------------- held packets */

/** Drop the packets held for a slot, counting them in *counter. */
static void
ipoib_held_drop(struct ipoib_peer_ctrl *pc, struct ipoib_peer *p,
		uint64_t *counter)
{
	unsigned int i;

	for (i = 0; i < pc->n_held; i++) {
		rte_pktmbuf_free(pc->held[i]);
		(*counter)++;
		if (p != NULL)
			__atomic_fetch_sub(&p->pending, 1, __ATOMIC_RELEASE);
	}
	pc->n_held = 0;
}

/** Hand one packet to transmit queue 0 (its destination is resolved). */
static void
ipoib_release_one(struct ipoib_priv *priv, struct ipoib_peer *p,
		  struct rte_mbuf *m)
{
	struct rte_ring *ready = priv->nb_txq ? priv->txq[0].ready : NULL;

	if (ready == NULL || rte_ring_sp_enqueue(ready, m) != 0) {
		priv->cst.sa_dropped++;
		rte_pktmbuf_free(m);
	} else {
		priv->cst.released++;
	}
	__atomic_fetch_sub(&p->pending, 1, __ATOMIC_RELEASE);
}

/** Hand every packet held for a resolved peer to transmit queue 0. */
static void
ipoib_held_release(struct ipoib_priv *priv, struct ipoib_peer_ctrl *pc,
		   struct ipoib_peer *p)
{
	unsigned int i;

	for (i = 0; i < pc->n_held; i++)
		ipoib_release_one(priv, p, pc->held[i]);
	pc->n_held = 0;
}

/* ------------------------------------------------------- path queries */

/** Path from a PathRecord. */
static void
ipoib_path_from_rec(struct ipoib_path *path, const struct hca_path_rec *r)
{
	memset(path, 0, sizeof(*path));
	path->lid = r->dlid;
	path->sl = r->sl;
	path->rate = r->rate;
	path->mtu = r->mtu;
	path->hop_limit = r->hop_limit;
	path->tclass = r->tclass;
	path->flow_label = r->flow_label;
}

/**
 * A PathRecord asked to confirm the new LID a resolved peer's packets came
 * from has answered: follow the LID the SA gives (the old path stays in
 * use until then), count the packets' LID as refuted when the SA keeps
 * the old one. No new confirmation of this peer for IPOIB_CONFIRM_MS.
 *
 * @param priv    the port
 * @param pc      the peer's control state
 * @param p       the peer (resolved)
 * @param status  0 or the query's negative errno
 * @param record  the PathRecord when status is 0
 */
static void
ipoib_confirm_done(struct ipoib_priv *priv, struct ipoib_peer_ctrl *pc,
		   struct ipoib_peer *p, int status, const void *record)
{
	const struct hca_path_rec *r = record;

	pc->next_try = rte_get_tsc_cycles() + ipoib_ms_to_tsc(IPOIB_CONFIRM_MS);
	if (status != 0) {
		priv->cst.path_failures++;
		IPOIB_LOG(INFO, "%s: LID of QPN 0x%06x not confirmed: %s",
			  priv->name, p->qpn, hca_sa_strerror(status));
		return;
	}
	if (r->dlid == p->path.lid) {
		priv->cst.lid_refuted++;
		IPOIB_LOG(NOTICE, "%s: QPN 0x%06x stays at LID 0x%04x: the SA "
			  "refutes the LID its packets came from", priv->name,
			  p->qpn, p->path.lid);
		return;
	}
	if (ipoib_peer_set_lid(priv->peers, p->key, r->dlid) == 0)
		priv->cst.lid_changes++;
}

/** SA callback: a PathRecord query finished. Runs under priv->lock. */
static void
ipoib_path_done(void *arg, int status, const void *record)
{
	struct ipoib_path_query *q = arg;
	struct ipoib_priv *priv = q->priv;
	struct ipoib_peer *p = priv->pctrl == NULL ? NULL :
		ipoib_peer_get_tagged(priv->peers, q->tag);
	struct ipoib_peer_ctrl *pc = priv->pctrl == NULL ? NULL :
		ipoib_pctrl(priv, ipoib_tag_key(q->tag));
	struct ipoib_path path;

	free(q);
	if (pc == NULL) /* stopping */
		return;
	pc->querying = 0; /* the slot may be asked about again */
	if (p == NULL) /* evicted or removed meanwhile */
		return;
	if (ipoib_peer_is_resolved(p)) {
		ipoib_confirm_done(priv, pc, p, status, record);
		return;
	}
	if (status == 0) {
		ipoib_path_from_rec(&path, record);
		ipoib_peer_resolve(priv->peers, p->key, &path, priv->qkey);
		pc->tries = 0;
		ipoib_held_release(priv, pc, p);
		return;
	}
	priv->cst.path_failures++;
	IPOIB_LOG(INFO, "%s: no path to QPN 0x%06x: %s", priv->name, p->qpn,
		  hca_sa_strerror(status));
	ipoib_peer_fail(priv->peers, p->key);
	ipoib_held_drop(pc, p, &priv->cst.sa_dropped);
	pc->next_try = rte_get_tsc_cycles() + ipoib_ms_to_tsc(
		RTE_MIN((uint64_t)IPOIB_RETRY_MS << RTE_MIN(pc->tries, 8),
			(uint64_t)IPOIB_RETRY_MAX_MS));
	pc->tries++;
}

/**
 * Start a PathRecord query for a peer unless one runs or must wait.
 *
 * @return true when a query was started
 */
static bool
ipoib_path_query(struct ipoib_priv *priv, struct ipoib_peer *p)
{
	struct ipoib_peer_ctrl *pc = ipoib_pctrl(priv, p->key);
	struct ipoib_path_query *q;
	int ret;

	if (pc->querying || ipoib_peer_is_resolved(p) ||
	    (p->flags & IPOIB_PEER_F_MCAST) ||
	    rte_get_tsc_cycles() < pc->next_try)
		return false;
	q = malloc(sizeof(*q));
	if (q == NULL)
		return false;
	q->priv = priv;
	q->tag = ipoib_peer_tag(p);
	ret = hca_sa_query_path_async(priv->sa, &p->gid,
				      priv->args.pkey | IPOIB_PKEY_FULL_MEMBER,
				      ipoib_path_done, q);
	if (ret < 0) {
		pc->querying = 1;
		ipoib_path_done(q, ret, NULL); /* frees q */
		return false;
	}
	priv->cst.path_queries++;
	pc->querying = 1;
	return true;
}

/**
 * Ask the SA to confirm the path of a resolved peer whose packets came
 * from another LID (at most once per IPOIB_CONFIRM_MS): the peer keeps
 * its path until the PathRecord answers (ipoib_confirm_done).
 */
static void
ipoib_path_confirm(struct ipoib_priv *priv, struct ipoib_peer *p)
{
	struct ipoib_peer_ctrl *pc = ipoib_pctrl(priv, p->key);
	struct ipoib_path_query *q;
	int ret;

	if (pc->querying || rte_get_tsc_cycles() < pc->next_try)
		return;
	q = malloc(sizeof(*q));
	if (q == NULL)
		return;
	q->priv = priv;
	q->tag = ipoib_peer_tag(p);
	pc->querying = 1;
	priv->cst.path_confirms++;
	ret = hca_sa_query_path_async(priv->sa, &p->gid,
				      priv->args.pkey | IPOIB_PKEY_FULL_MEMBER,
				      ipoib_path_done, q);
	if (ret < 0)
		ipoib_path_done(q, ret, NULL); /* frees q */
}

/* ------------------------------------------------- sources on receive */

/**
 * A source seen on receive with a GRH: the packet's GID, QPN and SLID are
 * the sender's word only, so the SA decides. A new source is inserted
 * unresolved and its path asked (packets to it are held as for any
 * unresolved peer); a known one whose packets came from another LID keeps
 * its path until a PathRecord confirms the change.
 *
 * @return 1 when a peer was inserted, 0 otherwise
 */
static int
ipoib_learn_source(struct ipoib_priv *priv, const struct ipoib_hwaddr *addr,
		   uint16_t slid)
{
	struct ipoib_peer *p;
	uint16_t key;
	int ret;

	ret = ipoib_peer_insert(priv->peers, addr, 0, &key);
	if (ret < 0)
		return 0;
	p = ipoib_peer_get(priv->peers, key);
	if (ipoib_peer_is_resolved(p)) {
		if (p->path.lid != slid && slid != 0 &&
		    !(p->flags & IPOIB_PEER_F_MCAST)) {
			priv->cst.lid_mismatch++;
			ipoib_path_confirm(priv, p);
		}
		return 0;
	}
	if (ipoib_path_query(priv, p))
		priv->cst.path_confirms++;
	return ret == 1;
}

/**
 * Insert a source the SA named (NodeRecord of its LID, no GRH) with the
 * path the packet came on, or follow its new LID when it is known already.
 *
 * @return 1 when a peer was learned, 0 otherwise
 */
static int
ipoib_learn_node(struct ipoib_priv *priv, const struct ipoib_hwaddr *addr,
		 uint16_t slid, uint8_t sl)
{
	struct ipoib_path path = { .lid = slid, .sl = sl, .hop_limit = 1 };
	struct ipoib_peer *p;
	uint16_t key;

	if (ipoib_peer_insert(priv->peers, addr, 0, &key) < 0)
		return 0;
	p = ipoib_peer_get(priv->peers, key);
	if (ipoib_peer_is_resolved(p)) {
		if (p->path.lid != slid && slid != 0 &&
		    ipoib_peer_set_lid(priv->peers, key, slid) == 0)
			priv->cst.lid_changes++;
		return 0;
	}
	ipoib_peer_resolve(priv->peers, key, &path, priv->qkey);
	ipoib_held_release(priv, ipoib_pctrl(priv, key), p);
	return 1;
}

/** Argument of a NodeRecord query for an unknown (SLID, QPN). */
struct ipoib_lid_arg {
	struct ipoib_priv *priv;
	unsigned int idx;         /**< in priv->lidq */
};

/** SA callback: the node behind a LID. Runs under priv->lock. */
static void
ipoib_lid_done(void *arg, int status, const void *record)
{
	struct ipoib_lid_arg *a = arg;
	struct ipoib_priv *priv = a->priv;
	struct ipoib_lid_query *q = &priv->lidq[a->idx];
	const struct hca_node_rec *node = record;
	struct ipoib_hwaddr addr;
	union hca_gid gid;

	free(a);
	if (priv->pctrl == NULL) /* stopping: the SA client closes */
		return;
	q->busy = 0;
	if (status != 0 || node == NULL || node->port_guid == 0) {
		priv->cst.lid_failures++;
		IPOIB_LOG(INFO, "%s: no node for LID 0x%04x: %s", priv->name,
			  q->lid, hca_sa_strerror(status));
		q->retry_tsc = rte_get_tsc_cycles() +
			ipoib_ms_to_tsc(IPOIB_RETRY_MS);
		return;
	}
	/* without a GRH the sender is in our subnet: our prefix, its GUID */
	gid.global.subnet_prefix = priv->gid.global.subnet_prefix;
	gid.global.interface_id = rte_cpu_to_be_64(node->port_guid);
	ipoib_hwaddr_make(&addr, q->qpn, &gid);
	if (ipoib_learn_node(priv, &addr, q->lid, q->sl))
		priv->cst.lid_learned++;
	q->lid = 0; /* done: the index knows it now */
}

/**
 * Learn who sent a packet without a GRH: ask the SA for the node behind
 * its SLID (once per (SLID, QPN) at a time, again 0.5 s after a failure).
 */
static void
ipoib_lid_learn(struct ipoib_priv *priv, uint16_t slid, uint32_t qpn,
		uint8_t sl)
{
	struct ipoib_lid_query *q, *free_q = NULL;
	struct ipoib_lid_arg *a;
	uint64_t now = rte_get_tsc_cycles();
	unsigned int i;

	if (ipoib_peer_get_tagged(priv->peers, ipoib_peer_lookup_lid(
					  priv->peers, slid, qpn)) != NULL)
		return; /* learned meanwhile */
	for (i = 0; i < RTE_DIM(priv->lidq); i++) {
		q = &priv->lidq[i];
		if (q->lid == slid && q->qpn == qpn)
			break;
		if (free_q == NULL && !q->busy &&
		    (q->lid == 0 || now >= q->retry_tsc))
			free_q = q;
	}
	if (i == RTE_DIM(priv->lidq)) {
		if (free_q == NULL)
			return; /* too many unknown sources: later packets */
		q = free_q;
		q->lid = slid;
		q->qpn = qpn;
		q->retry_tsc = 0;
	}
	if (q->busy || now < q->retry_tsc)
		return;
	a = malloc(sizeof(*a));
	if (a == NULL)
		return;
	a->priv = priv;
	a->idx = (unsigned int)(q - priv->lidq);
	q->sl = sl;
	q->busy = 1;
	priv->cst.lid_queries++;
	if (hca_sa_query_node_by_lid_async(priv->sa, slid, ipoib_lid_done,
					   a) < 0)
		ipoib_lid_done(a, -EIO, NULL); /* frees a */
}

/* ----------------------------------------------------- control rounds */

/** Insert the sources the receive path did not know. */
static void
ipoib_ctrl_learn(struct ipoib_priv *priv)
{
	struct ipoib_learn l[IPOIB_BURST];
	unsigned int n, i;

	n = rte_ring_sc_dequeue_burst_elem(priv->learn, l, sizeof(l[0]),
					   IPOIB_BURST, NULL);
	for (i = 0; i < n; i++) {
		if (l[i].by_lid)
			ipoib_lid_learn(priv, l[i].slid,
					ipoib_hwaddr_qpn(&l[i].addr), l[i].sl);
		else if (ipoib_learn_source(priv, &l[i].addr, l[i].slid))
			priv->cst.learned++;
	}
}

/** Take the packets transmit queues held for unresolved peers. */
static void
ipoib_ctrl_take_pending(struct ipoib_priv *priv)
{
	struct rte_mbuf *m[IPOIB_BURST];
	unsigned int n, i;

	n = rte_ring_sc_dequeue_burst(priv->pending, (void **)m, IPOIB_BURST,
				      NULL);
	for (i = 0; i < n; i++) {
		uint16_t key = rte_pmd_ipoib_get_key(m[i]);
		enum ipoib_dest_error why;
		struct ipoib_peer *p = ipoib_peer_of_mbuf(priv->peers, m[i],
							  key, &why);
		struct ipoib_peer_ctrl *pc;

		if (p == NULL) {
			priv->cst.stale_pending++;
			rte_pktmbuf_free(m[i]);
			continue;
		}
		if (ipoib_peer_is_resolved(p)) {
			ipoib_release_one(priv, p, m[i]);
			continue;
		}
		pc = ipoib_pctrl(priv, key);
		if (pc->n_held >= IPOIB_MAX_HELD) { /* cannot happen */
			priv->cst.sa_dropped++;
			rte_pktmbuf_free(m[i]);
			__atomic_fetch_sub(&p->pending, 1, __ATOMIC_RELEASE);
			continue;
		}
		pc->held[pc->n_held++] = m[i];
		ipoib_path_query(priv, p);
	}
}

/**
 * Restart path queries for peers that hold packets once their backoff
 * is over (a query may have failed before the packets arrived); drop
 * what is held for peers that went away. Scans every 100 ms.
 */
static void
ipoib_ctrl_retry(struct ipoib_priv *priv)
{
	uint64_t now = rte_get_tsc_cycles();
	uint32_t slot;

	if (now < priv->retry_scan_tsc)
		return;
	priv->retry_scan_tsc = now + ipoib_ms_to_tsc(100);
	for (slot = 1; slot <= priv->peers->slot_mask; slot++) {
		struct ipoib_peer_ctrl *pc = &priv->pctrl[slot];
		struct ipoib_peer *p;

		if (pc->n_held == 0 || pc->querying)
			continue;
		p = ipoib_peer_get(priv->peers, priv->peers->peers[slot].key);
		if (p == NULL)
			ipoib_held_drop(pc, NULL, &priv->cst.stale_pending);
		else if (ipoib_peer_is_resolved(p))
			ipoib_held_release(priv, pc, p);
		else
			ipoib_path_query(priv, p);
	}
}

/**
 * Let every peer whose path query failed try again now (the SM came
 * back): clear the backoff of every slot. Runs under priv->lock.
 *
 * @param priv  the port
 */
void
ipoib_ctrl_retry_now(struct ipoib_priv *priv)
{
	uint32_t slot;

	if (priv->pctrl == NULL)
		return;
	for (slot = 0; slot <= priv->peers->slot_mask; slot++) {
		priv->pctrl[slot].next_try = 0;
		priv->pctrl[slot].tries = 0;
	}
	priv->retry_scan_tsc = 0;
}

/** Update the ethdev link from the port's attributes. */
void
ipoib_link_update_from(struct ipoib_priv *priv,
		       const struct hca_dev_attr *attr)
{
	struct rte_eth_link link;

	memset(&link, 0, sizeof(link));
	link.link_status = attr->port.state == HCA_PORT_ACTIVE && priv->started
		? RTE_ETH_LINK_UP : RTE_ETH_LINK_DOWN;
	link.link_speed = link.link_status ?
		(attr->port.rate ? attr->port.rate * 1000u :
		 RTE_ETH_SPEED_NUM_UNKNOWN) : RTE_ETH_SPEED_NUM_NONE;
	link.link_duplex = RTE_ETH_LINK_FULL_DUPLEX;
	link.link_autoneg = RTE_ETH_LINK_FIXED;
	rte_eth_linkstatus_set(priv->dev, &link);
}

/** Poll the port state now and then. */
static void
ipoib_ctrl_poll_link(struct ipoib_priv *priv)
{
	struct hca_dev_attr attr;
	uint64_t now = rte_get_tsc_cycles();

	if (now < priv->link_poll_tsc)
		return;
	priv->link_poll_tsc = now + ipoib_ms_to_tsc(IPOIB_LINK_POLL_MS);
	if (!ipoib_recover_poll(priv) || hca_dev_query(priv->hca, &attr) < 0)
		attr.port.state = HCA_PORT_DOWN;
	else
		ipoib_watch_port(priv, &attr);
	ipoib_link_update_from(priv, &attr);
}

/** One round of the control thread. */
static void
ipoib_ctrl_round(struct ipoib_priv *priv)
{
	pthread_mutex_lock(&priv->lock);
	hca_sa_poll(priv->sa, 0);
	ipoib_ctrl_learn(priv);
	ipoib_ctrl_take_pending(priv);
	ipoib_ctrl_retry(priv);
	ipoib_peer_reclaim(priv->peers);
	ipoib_ctrl_poll_link(priv);
	ipoib_recover_qp_poll(priv);
	ipoib_watch_round(priv);
	pthread_mutex_unlock(&priv->lock);
}

/** The control thread's main loop. */
static void *
ipoib_ctrl_main(void *arg)
{
	struct ipoib_priv *priv = arg;

	while (!__atomic_load_n(&priv->ctrl_stop, __ATOMIC_ACQUIRE)) {
		ipoib_ctrl_round(priv);
		usleep(IPOIB_CTRL_PERIOD_US);
	}
	return NULL;
}

/* ---------------------------------------------------- start and stop */

/** Create a ring named after the port. */
static struct rte_ring *
ipoib_ring_create(struct ipoib_priv *priv, const char *what,
		  unsigned int esize, unsigned int flags)
{
	char name[RTE_RING_NAMESIZE];

	snprintf(name, sizeof(name), "ipoib_%s_%u", what,
		 priv->dev->data->port_id);
	return rte_ring_create_elem(name, esize, IPOIB_CTRL_RING_SIZE,
				    priv->dev->device->numa_node, flags);
}

/** Start the control thread (after the queues exist). */
int
ipoib_ctrl_start(struct ipoib_priv *priv)
{
	char tname[RTE_MAX_THREAD_NAME_LEN];
	int ret;

	priv->pctrl = rte_zmalloc("ipoib_pctrl", sizeof(*priv->pctrl) *
				  (priv->peers->slot_mask + 1), 0);
	priv->learn = ipoib_ring_create(priv, "learn",
					sizeof(struct ipoib_learn),
					RING_F_SC_DEQ);
	priv->pending = ipoib_ring_create(priv, "pend",
					  sizeof(void *), RING_F_SC_DEQ);
	if (priv->nb_txq > 0)
		priv->txq[0].ready = ipoib_ring_create(priv, "ready",
			sizeof(void *), RING_F_SP_ENQ | RING_F_SC_DEQ);
	if (priv->pctrl == NULL || priv->learn == NULL ||
	    priv->pending == NULL ||
	    (priv->nb_txq > 0 && priv->txq[0].ready == NULL)) {
		ipoib_ctrl_stop(priv);
		return -ENOMEM;
	}
	memset(priv->lidq, 0, sizeof(priv->lidq));
	ipoib_watch_init(priv);
	__atomic_store_n(&priv->ctrl_stop, 0, __ATOMIC_RELEASE);
	snprintf(tname, sizeof(tname), "ipoib-ctl-%u",
		 priv->dev->data->port_id);
	ret = rte_ctrl_thread_create(&priv->ctrl_tid, tname, NULL,
				     ipoib_ctrl_main, priv);
	if (ret != 0) {
		ipoib_ctrl_stop(priv);
		return -ret;
	}
	priv->ctrl_running = true;
	return 0;
}

/** Free every packet in a ring of mbuf pointers and the ring. */
static void
ipoib_ring_flush(struct rte_ring **r)
{
	void *m;

	if (*r == NULL)
		return;
	while (rte_ring_dequeue(*r, &m) == 0)
		rte_pktmbuf_free(m);
	rte_ring_free(*r);
	*r = NULL;
}

/** Stop the control thread and free what it held. */
void
ipoib_ctrl_stop(struct ipoib_priv *priv)
{
	uint32_t slot;

	if (priv->ctrl_running) {
		__atomic_store_n(&priv->ctrl_stop, 1, __ATOMIC_RELEASE);
		pthread_join(priv->ctrl_tid, NULL);
		priv->ctrl_running = false;
	}
	if (priv->pctrl != NULL) {
		for (slot = 0; slot <= priv->peers->slot_mask; slot++)
			ipoib_held_drop(&priv->pctrl[slot], NULL,
					&priv->cst.sa_dropped);
		rte_free(priv->pctrl);
		priv->pctrl = NULL;
	}
	rte_ring_free(priv->learn);
	priv->learn = NULL;
	ipoib_ring_flush(&priv->pending);
	ipoib_ring_flush(&priv->txq[0].ready);
}

/* ------------------------------------------------------- broadcast */

/**
 * The broadcast MGID of a P_Key: ff12:401b:<full-member pkey>::ffff:ffff.
 */
static void
ipoib_bcast_mgid(uint16_t pkey, union hca_gid *mgid)
{
	memset(mgid, 0, sizeof(*mgid));
	mgid->raw[0] = 0xff;
	mgid->raw[1] = 0x12;
	mgid->raw[2] = 0x40;
	mgid->raw[3] = 0x1b;
	mgid->raw[4] = (uint8_t)((pkey | IPOIB_PKEY_FULL_MEMBER) >> 8);
	mgid->raw[5] = (uint8_t)(pkey & 0xff);
	memset(&mgid->raw[12], 0xff, 4);
}

/**
 * Join the broadcast group of the port's P_Key as a full member (before
 * the control thread runs): its Q_Key and MTU become the port's.
 */
int
ipoib_join_broadcast(struct ipoib_priv *priv)
{
	struct hca_mcmember_rec create;
	char buf[48];
	int ret;

	ipoib_bcast_mgid(priv->args.pkey, &priv->bcast_mgid);
	ret = hca_sa_join_mcast(priv->sa, &priv->bcast_mgid, HCA_JOIN_FULL,
				NULL, &priv->bcast);
	if (ret == -ENOENT || ret == -EREMOTEIO) {
		/* no such group yet: create it as Linux would */
		memset(&create, 0, sizeof(create));
		create.qkey = IPOIB_BCAST_QKEY;
		create.pkey = priv->args.pkey | IPOIB_PKEY_FULL_MEMBER;
		create.mtu = priv->attr.port.active_mtu ?
			priv->attr.port.active_mtu : IPOIB_BCAST_MTU_DEFAULT;
		create.rate = IPOIB_BCAST_RATE;
		create.mtu_selector = IPOIB_SA_SELECTOR_EXACTLY;
		create.rate_selector = IPOIB_SA_SELECTOR_EXACTLY;
		create.tclass = 0;
		create.sl = 0;
		ret = hca_sa_join_mcast(priv->sa, &priv->bcast_mgid,
					HCA_JOIN_FULL, &create, &priv->bcast);
	}
	if (ret < 0) {
		IPOIB_LOG(ERR, "%s: cannot join broadcast group %s: %s",
			  priv->name, hca_gid_to_str(&priv->bcast_mgid, buf,
						     sizeof(buf)),
			  hca_sa_strerror(ret));
		return ret;
	}
	priv->qkey = priv->bcast.qkey;
	priv->mtu = hca_mtu_to_bytes(priv->bcast.mtu) - RTE_IPOIB_HDR_LEN;
	IPOIB_LOG(INFO, "%s: joined %s: MLID 0x%04x Q_Key 0x%08x MTU %u",
		  priv->name, hca_gid_to_str(&priv->bcast_mgid, buf,
					     sizeof(buf)),
		  priv->bcast.mlid, priv->qkey, priv->mtu);
	return 0;
}

/* ------------------------------------------------------ API helpers */

/** Resolve an address to a tag, starting a path query when new. */
int
ipoib_ctrl_resolve_tag(struct ipoib_priv *priv,
		       const struct ipoib_hwaddr *addr, uint64_t *tag)
{
	struct ipoib_peer *p = NULL;
	uint16_t key;
	int ret;

	pthread_mutex_lock(&priv->lock);
	ret = ipoib_peer_insert(priv->peers, addr, 0, &key);
	if (ret >= 0) {
		p = ipoib_peer_get(priv->peers, key);
		if (p != NULL && !ipoib_peer_is_resolved(p))
			ipoib_path_query(priv, p);
		ret = p != NULL ? 0 : -ENOENT;
	}
	*tag = p != NULL ? ipoib_peer_tag(p) : 0;
	pthread_mutex_unlock(&priv->lock);
	return ret;
}

/** Resolve an address to a key, starting a path query when new. */
int
ipoib_ctrl_resolve(struct ipoib_priv *priv,
		   const struct ipoib_hwaddr *addr, uint16_t *key)
{
	uint64_t tag = 0;
	int ret = ipoib_ctrl_resolve_tag(priv, addr, &tag);

	*key = ipoib_tag_key(tag);
	return ret;
}

/** SA callback: a multicast join finished. Runs under priv->lock. */
static void
ipoib_join_done(void *arg, int status, const void *record)
{
	struct ipoib_join_wait *w = arg;

	if (w->abandoned) {
		free(w);
		return;
	}
	w->status = status;
	if (status == 0)
		w->rec = *(const struct hca_mcmember_rec *)record;
	__atomic_store_n(&w->done, 1, __ATOMIC_RELEASE);
}

/** Record a joined group: attach, give it a static key. Under lock. */
static int
ipoib_mcast_add(struct ipoib_priv *priv, const struct hca_mcmember_rec *r,
		uint16_t *key)
{
	struct ipoib_path path = {
		.lid = r->mlid, .sl = r->sl, .rate = r->rate, .mtu = r->mtu,
		.hop_limit = r->hop_limit, .tclass = r->tclass,
		.flow_label = r->flow_label,
	};
	struct ipoib_hwaddr addr;
	unsigned int i;
	int ret;

	for (i = 0; i < RTE_DIM(priv->mcast); i++)
		if (!priv->mcast[i].used)
			break;
	if (i == RTE_DIM(priv->mcast))
		return -ENOSPC;
	ret = hca_qp_attach_mcast(priv->rxq[0].qp, &r->mgid, r->mlid);
	if (ret < 0)
		return ret;
	ipoib_hwaddr_make(&addr, IPOIB_MCAST_QPN, &r->mgid);
	ret = ipoib_peer_insert(priv->peers, &addr,
				IPOIB_PEER_F_MCAST | IPOIB_PEER_F_STATIC, key);
	if (ret < 0) {
		hca_qp_detach_mcast(priv->rxq[0].qp, &r->mgid, r->mlid);
		return ret;
	}
	ipoib_peer_resolve(priv->peers, *key, &path, priv->qkey);
	priv->mcast[i].mgid = r->mgid;
	priv->mcast[i].mlid = r->mlid;
	priv->mcast[i].key = *key;
	priv->mcast[i].used = true;
	return 0;
}

/**
 * Join a multicast group through the SA and wait for the answer (bounded);
 * a new group is created with the broadcast group's parameters. Must be
 * called without priv->lock held.
 *
 * @param priv        the port
 * @param mgid        the group
 * @param join_state  HCA_JOIN_FULL, HCA_JOIN_SENDONLY_FULL, ...
 * @param timeout_ms  how long to wait for the SA
 * @param joined      called under priv->lock with the member record once
 *                    joined; its result is returned
 * @param key         passed to @p joined
 * @return the result of @p joined, the SA's non-zero status, -ETIMEDOUT,
 *         or another negative errno when the join could not be sent
 */
int
ipoib_ctrl_join_wait(struct ipoib_priv *priv, const union hca_gid *mgid,
		     uint8_t join_state, unsigned int timeout_ms,
		     ipoib_joined_fn joined, uint16_t *key)
{
	struct hca_mcmember_rec create = priv->bcast;
	struct ipoib_join_wait *w = calloc(1, sizeof(*w));
	uint64_t deadline = rte_get_tsc_cycles() + ipoib_ms_to_tsc(timeout_ms);
	int ret;

	if (w == NULL)
		return -ENOMEM;
	create.mgid = *mgid;
	pthread_mutex_lock(&priv->lock);
	ret = hca_sa_join_mcast_async(priv->sa, mgid, join_state, &create,
				      ipoib_join_done, w);
	pthread_mutex_unlock(&priv->lock);
	if (ret < 0) {
		free(w);
		return ret;
	}
	while (!__atomic_load_n(&w->done, __ATOMIC_ACQUIRE) &&
	       rte_get_tsc_cycles() < deadline)
		usleep(1000);
	pthread_mutex_lock(&priv->lock);
	if (!__atomic_load_n(&w->done, __ATOMIC_ACQUIRE)) {
		w->abandoned = 1; /* the callback frees it */
		pthread_mutex_unlock(&priv->lock);
		return -ETIMEDOUT;
	}
	ret = w->status;
	if (ret == 0)
		ret = joined(priv, &w->rec, key);
	pthread_mutex_unlock(&priv->lock);
	free(w);
	return ret;
}

/** Join a multicast group through the control thread; see the API. */
int
ipoib_ctrl_mcast_join(struct ipoib_priv *priv, const union hca_gid *mgid,
		      uint16_t *key, unsigned int timeout_ms)
{
	return ipoib_ctrl_join_wait(priv, mgid, HCA_JOIN_FULL, timeout_ms,
				    ipoib_mcast_add, key);
}

/** Leave a multicast group joined through the API. */
int
ipoib_ctrl_mcast_leave(struct ipoib_priv *priv, const union hca_gid *mgid)
{
	unsigned int i;
	int ret = -ENOENT;

	pthread_mutex_lock(&priv->lock);
	for (i = 0; i < RTE_DIM(priv->mcast); i++) {
		struct ipoib_mcast *mc = &priv->mcast[i];

		if (!mc->used || memcmp(&mc->mgid, mgid, sizeof(*mgid)) != 0)
			continue;
		hca_qp_detach_mcast(priv->rxq[0].qp, &mc->mgid, mc->mlid);
		ipoib_peer_remove(priv->peers, mc->key);
		ret = hca_sa_leave_mcast(priv->sa, &mc->mgid, HCA_JOIN_FULL);
		mc->used = false;
		break;
	}
	pthread_mutex_unlock(&priv->lock);
	return ret;
}
