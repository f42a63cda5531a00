/* SPDX-License-Identifier: BSD-3-Clause */

/**
 * @file
 * Watching the subnet manager from the control thread: a port keeps its
 * memberships and its peers' paths right when the SM goes away, comes
 * back, restarts with a blank memory, re-registers its clients or moves
 * LIDs around.
 *
 * The device tells, as a ConnectX does, through port events (the HCA
 * layer's hca_dev_event_poll(), read without blocking every round), and
 * the port reacts as Linux ipoib's ipoib_event() does:
 *  - client re-register (the SM came back, restarted or new, and has
 *    forgotten every membership): resync;
 *  - LID change: the port's own LID is read again and updated, resync;
 *  - port active after a port down: resync;
 *  - P_Key change: the P_Key index is looked up again; when it moved the
 *    queue pairs are reset onto it (the QP error recovery's path); when
 *    the P_Key left the table the link is down until it is back;
 *  - QP error (WQ catastrophic, local WQ access) and CQ error: the queue
 *    of that QP or CQ is marked failed (ipoib_qp_reset.c) and reset by
 *    the QP error recovery (ipoib_recover.c), as
 *    Linux's ipoib flushes and restarts its QP.
 * A resync joins the broadcast group again first, then every group
 * joined through the API or set_mc_addr_list, retries the paths that
 * failed at once, and asks every resolved unicast peer's PathRecord
 * again (a few at a time), its LID updated in place when the SM moved
 * it. Resolved peers keep sending on their cached path meanwhile.
 *
 * A safety net stays, at a slow pace (IPOIB_WATCH_SAFETY_MS): a
 * heartbeat asks the SA whether the port is still a member of its
 * broadcast group (a GetTable of its own MCMemberRecord). A "no" (while
 * no rejoin is under way) is an SM restart the events missed; a failed
 * heartbeat marks the SM lost and the next answer is a recovery; an
 * answer that needed resends (later than 1 s) is one too. A device
 * without events gets the heartbeat every IPOIB_WATCH_MS and its port's
 * LID and SM LID compared at every link poll instead.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>

#include "ipoib.h"
#include "ipoib_log.h"
#include "ipoib_path.h"
#include "ipoib_port.h"
#include "ipoib_qp_reset.h"
#include "ipoib_watch.h"

/** Heartbeat period (ms) of a device without port events. */
#define IPOIB_WATCH_MS 1000
/** Heartbeat period (ms) when the device raises port events. */
#define IPOIB_WATCH_SAFETY_MS 30000
/** Events handled in one round at most (the rest wait a round). */
#define IPOIB_EVENTS_PER_ROUND 16
/**
 * A heartbeat answered later than this (ms) needed resends: the SM was
 * away meanwhile (it may have restarted with a blank memory and new
 * LIDs within one request's retry budget).
 */
#define IPOIB_WATCH_LATE_MS 1000
/** Path refresh queries in flight at most. */
#define IPOIB_REFRESH_INFLIGHT 8

/** Whether the port is stopping (SA callbacks then do nothing). */
static bool
ipoib_watch_stopping(const struct ipoib_priv *priv)
{
	return priv->pctrl == NULL;
}

/**
 * Start a resync: rejoin groups (the broadcast group first), retry failed
 * paths now, refresh every resolved path. Runs under priv->lock.
 *
 * @param priv  the port
 * @param why   for the log
 */
void
ipoib_watch_resync(struct ipoib_priv *priv, const char *why)
{
	IPOIB_LOG(NOTICE, "%s: %s: rejoining groups, refreshing paths",
		  priv->name, why);
	priv->cst.resyncs++;
	priv->watch.rejoin_next = 0;
	priv->watch.rejoin_bcast = true;
	priv->watch.rejoin_pending = true;
	priv->watch.refresh_next = 1;
	priv->watch.refresh_pending = true;
	ipoib_path_retry_now(priv);
}

/* ------------------------------------------------------- heartbeat */

/**
 * SA callback: the heartbeat's membership query answered (or failed).
 * Runs under priv->lock.
 *
 * @param arg     the port
 * @param status  0 or a negative errno
 * @param record  on success, a const bool: the port is still a member
 */
static void
ipoib_heartbeat_done(void *arg, int status, const void *record)
{
	struct ipoib_priv *priv = arg;

	if (ipoib_watch_stopping(priv))
		return;
	priv->watch.hb_busy = false;
	if (status != 0) {
		/*
		 * Silence and a refusal alike: an SM that refuses the
		 * query may have just restarted without the port's
		 * memberships, so the next answer starts a resync.
		 */
		priv->cst.heartbeat_failures++;
		if (!priv->watch.sm_lost) {
			priv->watch.sm_lost = true;
			priv->cst.sm_lost++;
			IPOIB_LOG(WARNING, "%s: subnet manager %s: resolved "
				  "peers keep their paths, new ones wait",
				  priv->name, status == -ETIMEDOUT ?
				  "not answering" : hca_sa_strerror(status));
		}
		return;
	}
	if (priv->watch.sm_lost) {
		priv->watch.sm_lost = false;
		priv->cst.sm_recoveries++;
		ipoib_watch_resync(priv, "subnet manager back");
	} else if (!*(const bool *)record && !priv->watch.rejoin_pending) {
		priv->cst.sm_lost++;
		priv->cst.sm_recoveries++;
		ipoib_watch_resync(priv, "the subnet manager forgot the "
				   "port's membership (it restarted)");
	} else if (rte_get_tsc_cycles() - priv->watch.hb_sent_tsc >
		   ipoib_ms_to_tsc(IPOIB_WATCH_LATE_MS)) {
		priv->cst.sm_lost++;
		priv->cst.sm_recoveries++;
		ipoib_watch_resync(priv, "subnet manager answered late (it "
				   "was away)");
	}
}

/** Send the heartbeat query when due and none is in flight. */
static void
ipoib_heartbeat(struct ipoib_priv *priv, uint64_t now)
{
	int ret;

	if (priv->watch.hb_busy || now < priv->watch.hb_tsc)
		return;
	priv->watch.hb_tsc = now + ipoib_ms_to_tsc(priv->watch.events ?
		IPOIB_WATCH_SAFETY_MS : IPOIB_WATCH_MS);
	ret = hca_sa_query_membership_async(priv->sa, &priv->bcast_mgid,
					    ipoib_heartbeat_done, priv);
	if (ret == 0) {
		priv->watch.hb_sent_tsc = now;
		priv->watch.hb_busy = true;
		priv->cst.heartbeats++;
	}
}

/* ------------------------------------------------------ rejoin */

/**
 * SA callback: a group joined again. Runs under priv->lock.
 *
 * @param arg     the port
 * @param status  0 or a negative errno
 * @param record  the member record on success
 */
static void
ipoib_rejoin_done(void *arg, int status, const void *record)
{
	struct ipoib_priv *priv = arg;
	const struct hca_mcmember_rec *rec = record;
	char buf[48];

	if (ipoib_watch_stopping(priv))
		return;
	priv->watch.rejoin_busy = false;
	if (status != 0) {
		priv->cst.rejoin_failures++;
		IPOIB_LOG(WARNING, "%s: rejoin failed: %s (retried at the "
			  "next resync)", priv->name, hca_sa_strerror(status));
		return;
	}
	priv->cst.rejoins++;
	if (memcmp(rec->mgid.raw, priv->bcast_mgid.raw, HCA_GID_LEN) == 0 &&
	    rec->mlid != priv->bcast.mlid)
		IPOIB_LOG(WARNING, "%s: broadcast MLID changed 0x%04x -> "
			  "0x%04x (not followed)", priv->name,
			  priv->bcast.mlid, rec->mlid);
	IPOIB_LOG(INFO, "%s: rejoined %s (MLID 0x%04x)", priv->name,
		  hca_gid_to_str(&rec->mgid, buf, sizeof(buf)), rec->mlid);
}

/**
 * Join the next group again (one at a time): the broadcast group first,
 * then those of priv->mcast.
 */
static void
ipoib_rejoin_next(struct ipoib_priv *priv)
{
	struct hca_mcmember_rec create = priv->bcast;
	struct ipoib_mcast *mc;

	if (!priv->watch.rejoin_pending || priv->watch.rejoin_busy)
		return;
	if (priv->watch.rejoin_bcast) {
		if (hca_sa_join_mcast_async(priv->sa, &priv->bcast_mgid,
					    HCA_JOIN_FULL, &create,
					    ipoib_rejoin_done, priv) < 0)
			return; /* table full: next round */
		priv->watch.rejoin_busy = true;
		priv->watch.rejoin_bcast = false;
		return;
	}
	while (priv->watch.rejoin_next < RTE_DIM(priv->mcast) &&
	       !priv->mcast[priv->watch.rejoin_next].used)
		priv->watch.rejoin_next++;
	if (priv->watch.rejoin_next >= RTE_DIM(priv->mcast)) {
		priv->watch.rejoin_pending = false;
		return;
	}
	mc = &priv->mcast[priv->watch.rejoin_next];
	create.mgid = mc->mgid;
	if (hca_sa_join_mcast_async(priv->sa, &mc->mgid, HCA_JOIN_FULL,
				    &create, ipoib_rejoin_done, priv) < 0)
		return; /* table full: next round */
	priv->watch.rejoin_busy = true;
	priv->watch.rejoin_next++;
}

/* ------------------------------------------------- path refresh */

/** Argument of a refresh query: the peer asked about. */
struct ipoib_refresh_arg {
	struct ipoib_priv *priv;
	uint64_t tag;
};

/**
 * SA callback: a resolved peer's path asked again; follow a new LID.
 * Runs under priv->lock.
 *
 * @param arg     a struct ipoib_refresh_arg (freed here)
 * @param status  0 or a negative errno
 * @param record  the struct hca_path_rec on success
 */
static void
ipoib_refresh_done(void *arg, int status, const void *record)
{
	struct ipoib_refresh_arg *a = arg;
	struct ipoib_priv *priv = a->priv;
	const struct hca_path_rec *r = record;
	struct ipoib_peer *p;

	p = ipoib_watch_stopping(priv) ? NULL :
		ipoib_peer_get_tagged(priv->peers, a->tag);
	free(a);
	if (ipoib_watch_stopping(priv))
		return;
	priv->watch.refresh_inflight--;
	if (p == NULL)
		return; /* gone meanwhile */
	if (status != 0) {
		priv->cst.path_refresh_failures++;
		return; /* keep the cached path */
	}
	priv->cst.path_refreshes++;
	if (r->dlid != p->path.lid &&
	    ipoib_peer_set_lid(priv->peers, p->key, r->dlid) == 0) {
		priv->cst.lid_changes++;
		IPOIB_LOG(INFO, "%s: peer QPN 0x%06x moved to LID 0x%04x",
			  priv->name, p->qpn, r->dlid);
	}
}

/** Ask the PathRecords of the next resolved unicast peers again. */
static void
ipoib_refresh_next(struct ipoib_priv *priv)
{
	struct ipoib_peer_cache *pc = priv->peers;
	struct ipoib_refresh_arg *a;

	while (priv->watch.refresh_pending &&
	       priv->watch.refresh_inflight < IPOIB_REFRESH_INFLIGHT) {
		uint32_t slot = priv->watch.refresh_next;
		struct ipoib_peer *p;

		if (slot > pc->slot_mask) {
			priv->watch.refresh_pending = false;
			return;
		}
		p = ipoib_peer_get(pc, pc->peers[slot].key);
		if (p == NULL || !ipoib_peer_is_resolved(p) ||
		    (p->flags & (IPOIB_PEER_F_MCAST | IPOIB_PEER_F_STATIC))) {
			priv->watch.refresh_next++;
			continue;
		}
		a = malloc(sizeof(*a));
		if (a == NULL)
			return;
		a->priv = priv;
		a->tag = ipoib_peer_tag(p);
		if (hca_sa_query_path_async(priv->sa, &p->gid,
				priv->args.pkey | IPOIB_PKEY_FULL_MEMBER,
				ipoib_refresh_done, a) < 0) {
			free(a);
			return; /* table full: next round */
		}
		priv->watch.refresh_inflight++;
		priv->watch.refresh_next++;
	}
}

/* ------------------------------------------------------- events */

/**
 * Look the port's P_Key up again after a P_Key change, as Linux ipoib
 * checks its P_Key's presence:
 *  - gone from the table: the port has left its partition; the link
 *    poll reports the link down (the device refuses its traffic anyway);
 *  - back: the link comes up again at the next link poll and the port
 *    resyncs (its memberships were dropped with the partition);
 *  - at another index: every queue pair is marked failed so that the QP
 *    error recovery (ipoib_recover.c) resets it onto the new index.
 *
 * @param priv  the port
 * @param attr  the device's attributes now
 */
static void
ipoib_watch_pkey(struct ipoib_priv *priv, const struct hca_dev_attr *attr)
{
	struct hca_port_info *pi = &priv->attr.port;
	uint16_t old = priv->pkey_index;
	uint32_t mask = 0;
	unsigned int i;

	pi->pkey_count = attr->port.pkey_count;
	memcpy(pi->pkeys, attr->port.pkeys, sizeof(pi->pkeys));
	if (ipoib_port_find_pkey(priv) < 0) {
		if (!priv->watch.pkey_lost) {
			priv->watch.pkey_lost = true;
			priv->cst.partition_lost++;
			IPOIB_LOG(ERR, "%s: P_Key 0x%04x left the port's "
				  "table: link down until it is back",
				  priv->name, priv->args.pkey);
		}
		return;
	}
	if (priv->watch.pkey_lost) {
		priv->watch.pkey_lost = false;
		priv->cst.partition_regained++;
		IPOIB_LOG(NOTICE, "%s: P_Key 0x%04x is back (index %u)",
			  priv->name, priv->args.pkey, priv->pkey_index);
		ipoib_watch_resync(priv, "P_Key back in the table");
	}
	if (priv->pkey_index == old)
		return;
	IPOIB_LOG(NOTICE, "%s: P_Key 0x%04x moved from index %u to %u: "
		  "resetting the queue pairs", priv->name, priv->args.pkey,
		  old, priv->pkey_index);
	for (i = 0; i < IPOIB_MAX_QUEUES; i++)
		if (priv->rxq[i].qp != NULL)
			mask |= UINT32_C(1) << i;
	__atomic_fetch_or(&priv->qp_failed, mask, __ATOMIC_RELEASE);
}

/**
 * React to one port event (Linux ipoib_event(): flush and rejoin).
 *
 * @param priv  the port
 * @param ev    the event
 */
static void
ipoib_watch_event(struct ipoib_priv *priv, const struct hca_event *ev)
{
	struct hca_dev_attr attr;
	bool have_attr = hca_dev_query(priv->hca, &attr) == 0;

	priv->cst.events++;
	IPOIB_LOG(INFO, "%s: port event %u (entry type 0x%02x subtype "
		  "0x%02x, port %u)", priv->name, ev->type, ev->eqe_type,
		  ev->eqe_sub_type, ev->port_num);
	switch (ev->type) {
	case HCA_EVENT_PORT_DOWN:
		priv->cst.ev_port_down++;
		priv->watch.port_down = true;
		break;
	case HCA_EVENT_PORT_ACTIVE:
		priv->cst.ev_port_active++;
		if (have_attr)
			ipoib_watch_port(priv, &attr);
		if (priv->watch.port_down) {
			priv->watch.port_down = false;
			ipoib_watch_resync(priv, "port active again");
		}
		break;
	case HCA_EVENT_LID_CHANGE:
		priv->cst.ev_lid_change++;
		if (have_attr)
			ipoib_watch_port(priv, &attr);
		break;
	case HCA_EVENT_PKEY_CHANGE:
		priv->cst.ev_pkey_change++;
		if (have_attr)
			ipoib_watch_pkey(priv, &attr);
		break;
	case HCA_EVENT_QP_FATAL:
	case HCA_EVENT_QP_ACCESS_ERR:
		priv->cst.ev_qp_error++;
		ipoib_qp_mark_failed(priv, ev);
		break;
	case HCA_EVENT_CQ_ERR:
		priv->cst.ev_cq_error++;
		ipoib_qp_mark_failed(priv, ev);
		break;
	case HCA_EVENT_CLIENT_REREGISTER:
		priv->cst.ev_client_rereg++;
		priv->cst.sm_recoveries++;
		priv->watch.sm_lost = false;
		if (have_attr)
			ipoib_watch_port(priv, &attr);
		ipoib_watch_resync(priv, "client re-register (the subnet "
				   "manager is back)");
		break;
	default:
		priv->cst.ev_other++;
		break;
	}
}

/**
 * Read the device's events without blocking and react to each.
 * A device without an event channel falls back to the fast heartbeat.
 *
 * @param priv  the port
 */
static void
ipoib_watch_events(struct ipoib_priv *priv)
{
	struct hca_event ev;
	unsigned int n;
	int ret;

	if (priv->hca == NULL)
		return; /* lost: ipoib_recover.c reopens it */
	ret = hca_dev_event_fd(priv->hca);
	if (ret == -ENOTSUP) {
		priv->watch.events = false;
		return;
	}
	priv->watch.events = ret >= 0;
	for (n = 0; n < IPOIB_EVENTS_PER_ROUND; n++) {
		ret = hca_dev_event_poll(priv->hca, &ev);
		if (ret <= 0)
			return; /* none, or the device is going */
		ipoib_watch_event(priv, &ev);
	}
}

/* -------------------------------------------------- entry points */

/**
 * Compare the port's attributes with what the port knew: its own LID or
 * the SM's LID changed means paths and memberships must be refreshed.
 * Runs under priv->lock with attributes just read from the device.
 *
 * @param priv  the port
 * @param attr  the device's attributes now
 */
void
ipoib_watch_port(struct ipoib_priv *priv, const struct hca_dev_attr *attr)
{
	const struct hca_port_info *pi = &attr->port;

	if (pi->state != HCA_PORT_ACTIVE || pi->lid == 0)
		return;
	if (pi->lid != priv->lid) {
		IPOIB_LOG(NOTICE, "%s: port LID changed 0x%04x -> 0x%04x",
			  priv->name, priv->lid, pi->lid);
		priv->lid = pi->lid;
		priv->cst.own_lid_changes++;
		priv->watch.sm_lid = pi->sm_lid;
		ipoib_watch_resync(priv, "port LID changed");
	} else if (pi->sm_lid != priv->watch.sm_lid) {
		if (priv->watch.sm_lid != 0)
			ipoib_watch_resync(priv, "SM LID changed");
		priv->watch.sm_lid = pi->sm_lid;
	}
}

/**
 * Whether the port follows the device's events (else the link poll
 * compares the port's attributes itself).
 *
 * @param priv  the port
 */
bool
ipoib_watch_has_events(const struct ipoib_priv *priv)
{
	return priv->watch.events;
}

/**
 * One round of the watch (control thread, under priv->lock): port
 * events, the heartbeat when due, pending rejoins and path refreshes.
 *
 * @param priv  the port
 */
void
ipoib_watch_round(struct ipoib_priv *priv)
{
	uint64_t now = rte_get_tsc_cycles();

	ipoib_watch_events(priv);
	ipoib_heartbeat(priv, now);
	ipoib_rejoin_next(priv);
	ipoib_refresh_next(priv);
}

/**
 * Reset the watch at start (the port just joined its broadcast group).
 *
 * @param priv  the port
 */
void
ipoib_watch_init(struct ipoib_priv *priv)
{
	memset(&priv->watch, 0, sizeof(priv->watch));
	priv->watch.sm_lid = priv->attr.port.sm_lid;
	priv->watch.events = priv->hca != NULL &&
		hca_dev_event_fd(priv->hca) >= 0;
	priv->watch.hb_tsc = rte_get_tsc_cycles() +
		ipoib_ms_to_tsc(priv->watch.events ? IPOIB_WATCH_SAFETY_MS :
				IPOIB_WATCH_MS);
}
