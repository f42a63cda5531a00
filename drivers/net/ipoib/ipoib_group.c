/* SPDX-License-Identifier: BSD-3-Clause */

/**
 * @file
 * The multicast groups of a net_ipoib port, one owner for all of them:
 * the broadcast group of the P_Key (joined at start, created as Linux
 * creates it when the subnet has none), the groups the application joins
 * (the API, and set_mc_addr_list or IGMP/MLD snooping in mode=eth) and
 * the groups joined send-only to send to them. Each joined group turns
 * into a static multicast peer the same way, from its member record
 * (ipoib_group_add_peer()); the receive QP is attached to the groups
 * received from, and attached again after a device recovery.
 *
 * The SA keeps memberships per port GID, not per process: the kernel's
 * ib0 on the same port is normally a full member of the broadcast group
 * and of others. So before every join the SA is asked whether the port
 * is already a member; such a group is "shared" and its Delete is never
 * sent (stop, leave, list change, snooped leave), while the receive QP
 * is still attached and detached (that is local). A membership query
 * that fails makes the group shared too: leaving a group the port may
 * need is worse than keeping one it does not.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_cycles.h>

#include "ipoib.h"
#include "ipoib_group.h"
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

/** How often a waiting join looks for the SA's answer (us). */
#define IPOIB_JOIN_POLL_US 1000

/**
 * What to do once a multicast join succeeded (called under priv->lock).
 *
 * @param priv    the port
 * @param rec     the member record from the SA (its MGID is the one asked)
 * @param shared  the port was a member before: never leave it at the SA
 * @param key     where to put the group's peer key
 * @return 0 or a negative errno
 */
typedef int (*ipoib_joined_fn)(struct ipoib_priv *priv,
			       const struct hca_mcmember_rec *rec,
			       bool shared, uint16_t *key);

/** Argument of an asynchronous multicast join or membership query. */
struct ipoib_join_wait {
	int done;                 /**< atomic */
	int status;
	int abandoned;            /**< the waiter gave up: callback frees */
	bool member;              /**< query: the SA lists the port */
	struct hca_mcmember_rec rec;
};

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
 * Take the answer of a membership query asked before a join: count it,
 * say it. A failed query counts as "a member" (the group is then never
 * left). Under priv->lock, or before the control thread runs.
 *
 * @param priv    the port
 * @param mgid    the group
 * @param status  the query's result: 0, -ENOENT (no records: not a
 *                member) or another negative errno
 * @param member  the answer when status is 0
 * @return whether the group is shared (never to be left at the SA)
 */
static bool
ipoib_group_take_membership(struct ipoib_priv *priv,
			    const union hca_gid *mgid, int status,
			    bool member)
{
	char buf[48];

	if (status == -ENOENT)
		return false;
	hca_gid_to_str(mgid, buf, sizeof(buf));
	if (status != 0) {
		priv->cst.mcast_member_query_failures++;
		IPOIB_LOG(WARNING, "%s: cannot ask the SA whether the port "
			  "is in %s already (%s): the group will not be left",
			  priv->name, buf, hca_sa_strerror(status));
		return true;
	}
	if (member) {
		priv->cst.mcast_found_joined++;
		IPOIB_LOG(NOTICE, "%s: the port is a member of %s already "
			  "(the kernel's ib0 or another process): shared, "
			  "never left", priv->name, buf);
	}
	return member;
}

/**
 * Leave a group at the SA unless it is shared (the port belonged to it
 * before this port joined): then count the Delete not sent.
 *
 * @param priv        the port (SA client open)
 * @param mgid        the group
 * @param join_state  the join state bits to remove
 * @param shared      whether the group is shared
 * @return 0 (and 0 when skipped) or the SA client's error
 */
static int
ipoib_group_sa_leave(struct ipoib_priv *priv, const union hca_gid *mgid,
		     uint8_t join_state, bool shared)
{
	if (shared) {
		priv->cst.mcast_leaves_skipped++;
		return 0;
	}
	return hca_sa_leave_mcast(priv->sa, mgid, join_state);
}

/**
 * Join the broadcast group of the port's P_Key as a full member (before
 * the control thread runs): its Q_Key and MTU become the port's. The SA
 * is asked first whether the port is a member already (the kernel's ib0
 * normally is): then the group is never left.
 */
int
ipoib_group_join_broadcast(struct ipoib_priv *priv)
{
	struct hca_mcmember_rec create;
	bool member = false;
	char buf[48];
	int ret;

	ipoib_bcast_mgid(priv->args.pkey, &priv->bcast_mgid);
	ret = hca_sa_query_membership(priv->sa, &priv->bcast_mgid, &member);
	priv->bcast_shared = ipoib_group_take_membership(priv,
				&priv->bcast_mgid, ret, member);
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

/**
 * SA callback: a membership query asked before a join answered (or
 * failed). Runs under priv->lock.
 */
static void
ipoib_member_done(void *arg, int status, const void *record)
{
	struct ipoib_join_wait *w = arg;

	if (w->abandoned) {
		free(w);
		return;
	}
	w->status = status;
	if (status == 0)
		w->member = *(const bool *)record;
	__atomic_store_n(&w->done, 1, __ATOMIC_RELEASE);
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

/**
 * Turn a joined group into a static multicast peer: the path to its MLID
 * from the member record, resolved at once. Under priv->lock.
 *
 * @param priv  the port (peer cache created)
 * @param rec   the group's member record
 * @param key   set to the group's key
 * @return 0 or a negative errno
 */
static int
ipoib_group_add_peer(struct ipoib_priv *priv,
		     const struct hca_mcmember_rec *rec, uint16_t *key)
{
	struct ipoib_path path = {
		.lid = rec->mlid, .sl = rec->sl, .rate = rec->rate,
		.mtu = rec->mtu, .hop_limit = rec->hop_limit,
		.tclass = rec->tclass, .flow_label = rec->flow_label,
	};
	struct ipoib_hwaddr addr;
	int ret;

	ipoib_hwaddr_make(&addr, IPOIB_MCAST_QPN, &rec->mgid);
	ret = ipoib_peer_insert(priv->peers, &addr,
				IPOIB_PEER_F_MCAST | IPOIB_PEER_F_STATIC, key);
	if (ret < 0)
		return ret;
	ret = ipoib_peer_resolve(priv->peers, *key, &path, priv->qkey);
	if (ret < 0)
		ipoib_peer_remove(priv->peers, *key);
	return ret;
}

/**
 * The joined-callback of a send-only join: the group's static peer
 * (whether it is shared is the caller's to keep). Under priv->lock.
 */
static int
ipoib_group_add_sendonly(struct ipoib_priv *priv,
			 const struct hca_mcmember_rec *rec,
			 bool shared __rte_unused, uint16_t *key)
{
	return ipoib_group_add_peer(priv, rec, key);
}

/**
 * Attach the receive QP to the broadcast group and give the group its
 * static key (start, once the queues exist).
 *
 * @param priv  the port (broadcast group joined, queues created)
 * @return 0 or a negative errno
 */
int
ipoib_group_add_broadcast_peer(struct ipoib_priv *priv)
{
	int ret;

	ret = hca_qp_attach_mcast(priv->uqp, &priv->bcast_mgid,
				  priv->bcast.mlid);
	if (ret < 0)
		return ret;
	return ipoib_group_add_peer(priv, &priv->bcast, &priv->bcast_key);
}

/**
 * Attach the receive QP again to the broadcast group and to every group
 * the application joined (after the queues were recreated).
 *
 * @param priv  the port (queues created)
 * @return 0 or a negative errno
 */
int
ipoib_group_attach_all(struct ipoib_priv *priv)
{
	unsigned int i;
	int ret;

	ret = hca_qp_attach_mcast(priv->uqp, &priv->bcast_mgid,
				  priv->bcast.mlid);
	for (i = 0; ret == 0 && i < RTE_DIM(priv->mcast); i++)
		if (priv->mcast[i].used)
			ret = hca_qp_attach_mcast(priv->uqp,
						  &priv->mcast[i].mgid,
						  priv->mcast[i].mlid);
	return ret;
}

/**
 * Leave the broadcast group and forget every group (stop): the peer
 * cache that held their keys is freed next.
 *
 * @param priv  the port
 */
void
ipoib_group_forget_all(struct ipoib_priv *priv)
{
	if (priv->sa != NULL && priv->bcast.mlid != 0)
		ipoib_group_sa_leave(priv, &priv->bcast_mgid, HCA_JOIN_FULL,
				     priv->bcast_shared);
	memset(&priv->bcast, 0, sizeof(priv->bcast));
	priv->bcast_shared = false;
	memset(priv->mcast, 0, sizeof(priv->mcast));
}

/**
 * Record a group the application joined as full member: attach the
 * receive QP, give it a static key, remember it for rejoins and
 * recoveries. Under priv->lock.
 */
static int
ipoib_group_add_member(struct ipoib_priv *priv,
		       const struct hca_mcmember_rec *rec, bool shared,
		       uint16_t *key)
{
	unsigned int i;
	int ret;

	for (i = 0; i < RTE_DIM(priv->mcast); i++)
		if (!priv->mcast[i].used)
			break;
	if (i == RTE_DIM(priv->mcast))
		return -ENOSPC;
	ret = hca_qp_attach_mcast(priv->uqp, &rec->mgid, rec->mlid);
	if (ret < 0)
		return ret;
	ret = ipoib_group_add_peer(priv, rec, key);
	if (ret < 0) {
		hca_qp_detach_mcast(priv->uqp, &rec->mgid, rec->mlid);
		return ret;
	}
	priv->mcast[i].mgid = rec->mgid;
	priv->mcast[i].mlid = rec->mlid;
	priv->mcast[i].key = *key;
	priv->mcast[i].shared = shared;
	priv->mcast[i].used = true;
	return 0;
}

/**
 * Wait, without priv->lock, until an SA request of the port completed or
 * a deadline passed; return with priv->lock held either way.
 *
 * @param priv      the port
 * @param w         the request's argument
 * @param deadline  TSC cycles
 * @return 0 when it completed, or -ETIMEDOUT (w is then abandoned: its
 *         callback frees it)
 */
static int
ipoib_group_wait_locked(struct ipoib_priv *priv, struct ipoib_join_wait *w,
			uint64_t deadline)
{
	while (!__atomic_load_n(&w->done, __ATOMIC_ACQUIRE) &&
	       rte_get_tsc_cycles() < deadline)
		usleep(IPOIB_JOIN_POLL_US);
	pthread_mutex_lock(&priv->lock);
	if (__atomic_load_n(&w->done, __ATOMIC_ACQUIRE))
		return 0;
	w->abandoned = 1; /* the callback frees it */
	return -ETIMEDOUT;
}

/**
 * Ask the SA whether the port is a member of a group already, and wait
 * for the answer (bounded). Must be called without priv->lock held.
 *
 * @param priv        the port
 * @param mgid        the group
 * @param timeout_ms  how long to wait for the SA
 * @param shared      set to whether the group is shared (the port is a
 *                    member, or the SA could not tell)
 * @return 0, -ETIMEDOUT (no answer in time: nothing to join), or another
 *         negative errno when the query could not be sent
 */
static int
ipoib_group_ask_member(struct ipoib_priv *priv, const union hca_gid *mgid,
		       unsigned int timeout_ms, bool *shared)
{
	struct ipoib_join_wait *w = calloc(1, sizeof(*w));
	uint64_t deadline = rte_get_tsc_cycles() + ipoib_ms_to_tsc(timeout_ms);
	int ret;

	if (w == NULL)
		return -ENOMEM;
	pthread_mutex_lock(&priv->lock);
	ret = hca_sa_query_membership_async(priv->sa, mgid,
					    ipoib_member_done, w);
	pthread_mutex_unlock(&priv->lock);
	if (ret < 0) {
		free(w);
		return ret;
	}
	ret = ipoib_group_wait_locked(priv, w, deadline);
	if (ret < 0) {
		priv->cst.mcast_member_query_failures++;
		pthread_mutex_unlock(&priv->lock);
		return ret;
	}
	*shared = ipoib_group_take_membership(priv, mgid, w->status,
					      w->member);
	pthread_mutex_unlock(&priv->lock);
	free(w);
	return 0;
}

/**
 * Join a multicast group through the SA and wait for the answer (bounded);
 * a new group is created with the broadcast group's parameters. The SA
 * is asked first whether the port is a member already (each request
 * waited for up to timeout_ms). Must be called without priv->lock held.
 *
 * @param priv        the port
 * @param mgid        the group
 * @param join_state  HCA_JOIN_FULL, HCA_JOIN_SENDONLY_FULL, ...
 * @param timeout_ms  how long to wait for each SA request
 * @param joined      called under priv->lock with the member record once
 *                    joined; its result is returned
 * @param key         passed to @p joined
 * @param shared      when not NULL, set on success to whether the group
 *                    is shared (never to be left at the SA)
 * @return the result of @p joined, the SA's non-zero status, -ETIMEDOUT,
 *         or another negative errno when a request could not be sent
 */
static int
ipoib_group_join_wait(struct ipoib_priv *priv, const union hca_gid *mgid,
		      uint8_t join_state, unsigned int timeout_ms,
		      ipoib_joined_fn joined, uint16_t *key, bool *shared)
{
	struct hca_mcmember_rec create = priv->bcast;
	struct ipoib_join_wait *w;
	bool was_member = true;
	uint64_t deadline;
	int ret;

	ret = ipoib_group_ask_member(priv, mgid, timeout_ms, &was_member);
	if (ret < 0)
		return ret;
	w = calloc(1, sizeof(*w));
	if (w == NULL)
		return -ENOMEM;
	create.mgid = *mgid;
	deadline = rte_get_tsc_cycles() + ipoib_ms_to_tsc(timeout_ms);
	pthread_mutex_lock(&priv->lock);
	ret = hca_sa_join_mcast_async(priv->sa, mgid, join_state, &create,
				      ipoib_join_done, w);
	pthread_mutex_unlock(&priv->lock);
	if (ret < 0) {
		free(w);
		return ret;
	}
	ret = ipoib_group_wait_locked(priv, w, deadline);
	if (ret < 0) {
		pthread_mutex_unlock(&priv->lock);
		return ret;
	}
	ret = w->status;
	if (ret == 0)
		ret = joined(priv, &w->rec, was_member, key);
	pthread_mutex_unlock(&priv->lock);
	free(w);
	if (ret >= 0 && shared != NULL)
		*shared = was_member;
	return ret;
}

/**
 * Join a multicast group as full member and wait for the SA (bounded):
 * the receive QP is attached, the group gets a static key. Must be
 * called without priv->lock held.
 *
 * @param priv        the port
 * @param mgid        the group
 * @param key         set to the group's key
 * @param timeout_ms  how long to wait for the SA
 * @return 0, the SA's non-zero status, -ETIMEDOUT, -ENOSPC (too many
 *         groups) or another negative errno
 */
int
ipoib_group_join(struct ipoib_priv *priv, const union hca_gid *mgid,
		 uint16_t *key, unsigned int timeout_ms)
{
	return ipoib_group_join_wait(priv, mgid, HCA_JOIN_FULL, timeout_ms,
				     ipoib_group_add_member, key, NULL);
}

/**
 * Join a group as send-only full member, to send to it without
 * receiving from it: a static key, no attach. Must be called without
 * priv->lock held.
 *
 * @param priv        the port
 * @param mgid        the group
 * @param key         set to the group's key
 * @param timeout_ms  how long to wait for each SA request
 * @param shared      set on success to whether the port was a member
 *                    before (give it to ipoib_group_leave_sendonly())
 * @return 0 or a negative errno
 */
int
ipoib_group_join_sendonly(struct ipoib_priv *priv, const union hca_gid *mgid,
			  uint16_t *key, unsigned int timeout_ms, bool *shared)
{
	int ret = ipoib_group_join_wait(priv, mgid, HCA_JOIN_SENDONLY_FULL,
					timeout_ms, ipoib_group_add_sendonly,
					key, shared);

	return ret < 0 ? ret : 0;
}

/**
 * Leave a group joined with ipoib_group_join_sendonly(): its peer goes,
 * the SA is told unless the group is shared. Must be called without
 * priv->lock held.
 *
 * @param priv    the port
 * @param mgid    the group
 * @param key     its peer key
 * @param shared  what ipoib_group_join_sendonly() said
 * @return 0 or the SA client's error
 */
int
ipoib_group_leave_sendonly(struct ipoib_priv *priv, const union hca_gid *mgid,
			   uint16_t key, bool shared)
{
	int ret;

	pthread_mutex_lock(&priv->lock);
	ipoib_peer_remove(priv->peers, key);
	ret = ipoib_group_sa_leave(priv, mgid, HCA_JOIN_SENDONLY_FULL,
				   shared);
	pthread_mutex_unlock(&priv->lock);
	return ret;
}

/**
 * Leave a group joined with ipoib_group_join(): the receive QP is
 * detached, the SA is told unless the group is shared.
 *
 * @param priv  the port
 * @param mgid  the group
 * @return 0, -ENOENT when not joined, or the SA client's error
 */
int
ipoib_group_leave(struct ipoib_priv *priv, const union hca_gid *mgid)
{
	unsigned int i;
	int ret = -ENOENT;

	pthread_mutex_lock(&priv->lock);
	for (i = 0; i < RTE_DIM(priv->mcast); i++) {
		struct ipoib_mcast *mc = &priv->mcast[i];

		if (!mc->used || memcmp(&mc->mgid, mgid, sizeof(*mgid)) != 0)
			continue;
		hca_qp_detach_mcast(priv->uqp, &mc->mgid, mc->mlid);
		ipoib_peer_remove(priv->peers, mc->key);
		ret = ipoib_group_sa_leave(priv, &mc->mgid, HCA_JOIN_FULL,
					   mc->shared);
		mc->used = false;
		mc->shared = false;
		break;
	}
	pthread_mutex_unlock(&priv->lock);
	return ret;
}
