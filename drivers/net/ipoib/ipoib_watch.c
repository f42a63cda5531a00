/* SPDX-License-Identifier: BSD-3-Clause */

/**
 * @file
 * Watching the subnet manager from the control thread: a port keeps its
 * memberships and its peers' paths right when the SM goes away, comes
 * back, restarts with a blank memory, re-registers its clients or moves
 * LIDs around.
 *
 * Without verbs async events (under ibsim nothing reports a
 * ClientReregister or a LID change to a libibumad client), the port
 * watches two things:
 *  - a heartbeat: every IPOIB_WATCH_MS the port asks the SA whether it
 *    is still a member of its broadcast group (a GetTable of its own
 *    MCMemberRecord). An SM that restarted has forgotten every
 *    membership, however short its absence was: a "no" (while no
 *    rejoin is under way) is an SM restart. A heartbeat that fails (timed out, or refused by an SM
 *    that is starting again) marks the SM lost; the first answer after
 *    that is an SM recovery, and so is an answer that needed resends
 *    (later than 1 s: the SM was away meanwhile).
 *  - the port's attributes (LID, SM LID, read with the link poll).
 * An SM restart or recovery, an SM LID change or a change of the port's
 * own LID start a resync: the broadcast group and every group joined
 * through the API or set_mc_addr_list are joined again, paths that
 * failed are retried at once, and every resolved unicast peer's
 * PathRecord is asked again (a few at a time), its LID updated in place
 * when the SM moved it. Resolved peers keep sending on their cached path
 * meanwhile.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>

#include "ipoib.h"
#include "ipoib_log.h"
#include "ipoib_path.h"
#include "ipoib_watch.h"

/** Heartbeat period (ms). */
#define IPOIB_WATCH_MS 1000
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
	priv->watch.hb_tsc = now + ipoib_ms_to_tsc(IPOIB_WATCH_MS);
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
 * One round of the watch (control thread, under priv->lock): heartbeat,
 * pending rejoins and path refreshes.
 *
 * @param priv  the port
 */
void
ipoib_watch_round(struct ipoib_priv *priv)
{
	uint64_t now = rte_get_tsc_cycles();

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
	priv->watch.hb_tsc = rte_get_tsc_cycles() +
		ipoib_ms_to_tsc(IPOIB_WATCH_MS);
}
