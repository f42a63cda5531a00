/* SPDX-License-Identifier: BSD-3-Clause */

/**
 * @file
 * Path resolution of a net_ipoib port (control thread, under priv->lock):
 * it learns the new sources the receive path reported (by address, or by
 * (SLID, QPN) through a NodeRecord query), holds packets for unresolved
 * destinations (IPOIB_MAX_HELD per peer) while a PathRecord query runs,
 * hands them to transmit queue 0 once resolved, confirms sources seen
 * from another LID and retries failed queries with backoff. It owns the
 * rings between the data path and the control thread (learn, pending,
 * ready).
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_malloc.h>

#include "ipoib.h"
#include "ipoib_dp.h"
#include "ipoib_log.h"
#include "ipoib_path.h"
#include "rte_pmd_ipoib.h"

/** First retry delay of a failed path query, then doubled. */
#define IPOIB_RETRY_MS 500
/** Longest retry delay. */
#define IPOIB_RETRY_MAX_MS 8000
/** Shortest time between two confirmations of one peer's LID. */
#define IPOIB_CONFIRM_MS 1000
/** Period of the scan for peers whose retry is due. */
#define IPOIB_RETRY_SCAN_MS 100

/** Argument of a NodeRecord query for an unknown (SLID, QPN). */
struct ipoib_lid_arg {
	struct ipoib_priv *priv;
	unsigned int idx;         /**< in priv->lidq */
};

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

/** The control state of the slot of a key. */
static struct ipoib_peer_ctrl *
ipoib_pctrl(struct ipoib_priv *priv, uint16_t key)
{
	return &priv->pctrl[key & priv->peers->slot_mask];
}

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

/** Insert the sources the receive path did not know. */
void
ipoib_path_learn(struct ipoib_priv *priv)
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
void
ipoib_path_take_pending(struct ipoib_priv *priv)
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
void
ipoib_path_retry(struct ipoib_priv *priv)
{
	uint64_t now = rte_get_tsc_cycles();
	uint32_t slot;

	if (now < priv->retry_scan_tsc)
		return;
	priv->retry_scan_tsc = now + ipoib_ms_to_tsc(IPOIB_RETRY_SCAN_MS);
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
ipoib_path_retry_now(struct ipoib_priv *priv)
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

/** Resolve an address to a tag, starting a path query when new. */
int
ipoib_path_resolve_tag(struct ipoib_priv *priv,
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
ipoib_path_resolve(struct ipoib_priv *priv,
		   const struct ipoib_hwaddr *addr, uint16_t *key)
{
	uint64_t tag = 0;
	int ret = ipoib_path_resolve_tag(priv, addr, &tag);

	*key = ipoib_tag_key(tag);
	return ret;
}

/**
 * Get path resolution ready on a started port's queues: the control
 * state of every peer slot and the rings between the data path and the
 * control thread.
 *
 * @param priv  the port (peer cache and queues created)
 * @return 0 or -ENOMEM (what was made is freed by ipoib_path_stop())
 */
int
ipoib_path_start(struct ipoib_priv *priv)
{
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
	memset(priv->lidq, 0, sizeof(priv->lidq));
	if (priv->pctrl == NULL || priv->learn == NULL ||
	    priv->pending == NULL ||
	    (priv->nb_txq > 0 && priv->txq[0].ready == NULL))
		return -ENOMEM;
	return 0;
}

/**
 * Free what path resolution held: the packets waiting for a path
 * (counted as sa_dropped), the rings and the slots' control state. The
 * control thread is not running.
 *
 * @param priv  the port
 */
void
ipoib_path_stop(struct ipoib_priv *priv)
{
	uint32_t slot;

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
