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
 * @param priv  the port
 * @param rec   the member record from the SA (its MGID is the one asked)
 * @param key   where to put the group's peer key
 * @return 0 or a negative errno
 */
typedef int (*ipoib_joined_fn)(struct ipoib_priv *priv,
			       const struct hca_mcmember_rec *rec,
			       uint16_t *key);

/** Argument of an asynchronous multicast join. */
struct ipoib_join_wait {
	int done;                 /**< atomic */
	int status;
	int abandoned;            /**< the waiter gave up: callback frees */
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
 * Join the broadcast group of the port's P_Key as a full member (before
 * the control thread runs): its Q_Key and MTU become the port's.
 */
int
ipoib_group_join_broadcast(struct ipoib_priv *priv)
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
		hca_sa_leave_mcast(priv->sa, &priv->bcast_mgid, HCA_JOIN_FULL);
	memset(&priv->bcast, 0, sizeof(priv->bcast));
	memset(priv->mcast, 0, sizeof(priv->mcast));
}

/**
 * Record a group the application joined as full member: attach the
 * receive QP, give it a static key, remember it for rejoins and
 * recoveries. Under priv->lock.
 */
static int
ipoib_group_add_member(struct ipoib_priv *priv,
		       const struct hca_mcmember_rec *rec, uint16_t *key)
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
static int
ipoib_group_join_wait(struct ipoib_priv *priv, const union hca_gid *mgid,
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
		usleep(IPOIB_JOIN_POLL_US);
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
				     ipoib_group_add_member, key);
}

/**
 * Join a group as send-only full member, to send to it without
 * receiving from it: a static key, no attach. Must be called without
 * priv->lock held.
 *
 * @param priv        the port
 * @param mgid        the group
 * @param key         set to the group's key
 * @param timeout_ms  how long to wait for the SA
 * @return 0 or a negative errno
 */
int
ipoib_group_join_sendonly(struct ipoib_priv *priv, const union hca_gid *mgid,
			  uint16_t *key, unsigned int timeout_ms)
{
	int ret = ipoib_group_join_wait(priv, mgid, HCA_JOIN_SENDONLY_FULL,
					timeout_ms, ipoib_group_add_peer,
					key);

	return ret < 0 ? ret : 0;
}

/**
 * Leave a group joined with ipoib_group_join().
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
		ret = hca_sa_leave_mcast(priv->sa, &mc->mgid, HCA_JOIN_FULL);
		mc->used = false;
		break;
	}
	pthread_mutex_unlock(&priv->lock);
	return ret;
}
