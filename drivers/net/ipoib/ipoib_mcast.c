/* SPDX-License-Identifier: BSD-3-Clause */

/**
 * @file
 * Multicast of mode=eth: the groups of set_mc_addr_list (full member
 * joins through the SA) and send-only joins for groups the application
 * sends to without having joined them. Transmit queues hand such packets
 * to a bounded ring; a thread of the port joins the group (send-only full
 * member, created with the broadcast group's parameters as Linux does)
 * and gives the packets to the control thread, which sends them through
 * queue 0. The same thread serves the joins and leaves snooped from
 * IGMP/MLD reports (ipoib_snoop.c); a group stays joined while either
 * set_mc_addr_list lists it or the reports want it. The joins themselves
 * are the port's group module's (ipoib_group.c). Nothing here runs on
 * the data path.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_lcore.h>
#include <rte_ring.h>

#include "ipoib_dp.h"
#include "ipoib_eth.h"
#include "ipoib_group.h"
#include "ipoib_log.h"
#include "ipoib_mcast.h"
#include "rte_pmd_ipoib.h"

/** Period of the multicast thread (us). */
#define IPOIB_MC_PERIOD_US 2000
/** No new join of a group before this after a failure (ms). */
#define IPOIB_MC_RETRY_MS 1000
/** A snooped join failing again waits up to 2^this times as long. */
#define IPOIB_MC_RETRY_SHIFT_MAX 6

/** The group entry of an MGID, or a free one (add), or NULL. */
static struct ipoib_eth_group *
ipoib_mc_group(struct ipoib_eth *eth, const union hca_gid *mgid, bool add)
{
	struct ipoib_eth_group *free_g = NULL;
	unsigned int i;

	for (i = 0; i < IPOIB_ETH_MC_MAX; i++) {
		struct ipoib_eth_group *g = &eth->groups[i];

		if (g->join_state != 0 &&
		    memcmp(&g->mgid, mgid, sizeof(*mgid)) == 0)
			return g;
		if (g->join_state == 0 && free_g == NULL)
			free_g = g;
	}
	if (!add || free_g == NULL)
		return NULL;
	memset(free_g, 0, sizeof(*free_g));
	free_g->mgid = *mgid;
	return free_g;
}

/**
 * Send a held packet now that its group is joined: key and tag set, then
 * through the control thread's pending ring to queue 0.
 */
static void
ipoib_mc_release(struct ipoib_eth *eth, struct rte_mbuf *m, uint16_t key)
{
	struct ipoib_priv *priv = eth->priv;
	struct ipoib_peer *p = ipoib_peer_get(priv->peers, key);
	uint64_t tag = p != NULL ? ipoib_peer_tag(p) : 0;

	if (p == NULL || ipoib_tag_key(tag) != key) {
		eth->mst.dropped++;
		rte_pktmbuf_free(m);
		return;
	}
	rte_pmd_ipoib_set_key(m, key);
	ipoib_mbuf_set_tag(m, tag);
	__atomic_fetch_add(&p->pending, 1, __ATOMIC_ACQ_REL);
	if (rte_ring_mp_enqueue(priv->pending, m) != 0) {
		__atomic_fetch_sub(&p->pending, 1, __ATOMIC_RELEASE);
		eth->mst.dropped++;
		rte_pktmbuf_free(m);
		return;
	}
	eth->mst.released++;
}

/** Join (send-only) the group of one held packet if needed, send it. */
static void
ipoib_mc_serve(struct ipoib_eth *eth, struct ipoib_eth_mc_wait *w)
{
	struct ipoib_eth_group *g;
	uint64_t now = rte_get_tsc_cycles();
	uint16_t key = 0;
	int ret;

	pthread_mutex_lock(&eth->mc_lock);
	g = ipoib_mc_group(eth, &w->mgid, true);
	if (g == NULL || (!g->joined && now < g->retry_tsc)) {
		pthread_mutex_unlock(&eth->mc_lock);
		eth->mst.dropped++;
		rte_pktmbuf_free(w->m);
		return;
	}
	if (!g->joined) {
		g->join_state = HCA_JOIN_SENDONLY_FULL;
		ret = ipoib_group_join_sendonly(eth->priv, &w->mgid,
						&g->key, IPOIB_ETH_JOIN_MS,
						&g->shared);
		if (ret < 0) {
			eth->mst.join_failures++;
			g->retry_tsc = now + ipoib_ms_to_tsc(IPOIB_MC_RETRY_MS);
			IPOIB_LOG(WARNING, "%s: send-only join failed: %d",
				  eth->priv->name, ret);
		} else {
			eth->mst.sendonly_joins++;
			g->joined = true;
		}
	}
	key = g->joined ? g->key : 0;
	pthread_mutex_unlock(&eth->mc_lock);
	if (key == 0) {
		eth->mst.dropped++;
		rte_pktmbuf_free(w->m);
		return;
	}
	ipoib_mc_release(eth, w->m, key);
}

static int ipoib_mc_join_full(struct ipoib_eth *eth,
			      struct ipoib_eth_group *g);
static void ipoib_mc_leave(struct ipoib_eth *eth, struct ipoib_eth_group *g);

/**
 * Full-member join of a snooped group (under mc_lock); after a failure
 * the next attempt waits 1 s, doubling up to 64 s while it fails.
 */
static void
ipoib_mc_join_snooped(struct ipoib_eth *eth, struct ipoib_eth_group *g)
{
	unsigned int shift = RTE_MIN(g->snoop_fails,
				     IPOIB_MC_RETRY_SHIFT_MAX);

	g->join_state = HCA_JOIN_FULL;
	if (ipoib_mc_join_full(eth, g) == 0) {
		g->snoop_fails = 0;
		return;
	}
	g->retry_tsc = rte_get_tsc_cycles() +
		(ipoib_ms_to_tsc(IPOIB_MC_RETRY_MS) << shift);
	if (g->snoop_fails < UINT8_MAX)
		g->snoop_fails++;
}

/**
 * Serve a join or leave snooped from an IGMP/MLD message: a join makes
 * the group a full member one (upgrading a send-only join); a leave
 * leaves it unless set_mc_addr_list lists it too.
 */
static void
ipoib_mc_snooped(struct ipoib_eth *eth, const struct ipoib_eth_snoop_req *r)
{
	struct ipoib_eth_group *g;

	pthread_mutex_lock(&eth->mc_lock);
	if (r->join)
		eth->mst.snoop_joins++;
	else
		eth->mst.snoop_leaves++;
	g = ipoib_mc_group(eth, &r->mgid, r->join);
	if (g == NULL) {
		if (r->join) {
			eth->mst.join_failures++;
			IPOIB_LOG(WARNING, "%s: snooped join: group table full",
				  eth->priv->name);
		}
	} else if (r->join) {
		g->snooped = true;
		if (!g->joined || g->join_state != HCA_JOIN_FULL) {
			if (g->joined)
				ipoib_mc_leave(eth, g);
			ipoib_mc_join_snooped(eth, g);
		}
	} else if (g->snooped) {
		g->snooped = false;
		if (!g->listed && g->join_state == HCA_JOIN_FULL) {
			ipoib_mc_leave(eth, g);
			memset(g, 0, sizeof(*g));
		}
	}
	pthread_mutex_unlock(&eth->mc_lock);
}

/**
 * Join again the snooped groups whose join failed, when their wait is
 * over (hosts report a group only a few times).
 */
static void
ipoib_mc_retry_snooped(struct ipoib_eth *eth)
{
	uint64_t now = rte_get_tsc_cycles();
	unsigned int i;

	pthread_mutex_lock(&eth->mc_lock);
	for (i = 0; i < IPOIB_ETH_MC_MAX; i++) {
		struct ipoib_eth_group *g = &eth->groups[i];

		if (g->snooped && !g->joined && now >= g->retry_tsc)
			ipoib_mc_join_snooped(eth, g);
	}
	pthread_mutex_unlock(&eth->mc_lock);
}

/**
 * The multicast thread: serve snooped joins and leaves, then held
 * packets (so that a report sent to its own group finds it joined),
 * until stopped.
 */
static void *
ipoib_mc_main(void *arg)
{
	struct ipoib_eth *eth = arg;
	struct ipoib_eth_mc_wait w[8];
	struct ipoib_eth_snoop_req r[8];
	uint64_t next_retry = 0;
	unsigned int n, ns, i;

	while (!__atomic_load_n(&eth->mc_stop, __ATOMIC_ACQUIRE)) {
		ns = rte_ring_sc_dequeue_burst_elem(eth->mc_snoop, r,
						    sizeof(r[0]), RTE_DIM(r),
						    NULL);
		for (i = 0; i < ns; i++)
			ipoib_mc_snooped(eth, &r[i]);
		n = rte_ring_sc_dequeue_burst_elem(eth->mc_wait, w,
						   sizeof(w[0]), RTE_DIM(w),
						   NULL);
		for (i = 0; i < n; i++)
			ipoib_mc_serve(eth, &w[i]);
		if (n == 0 && ns == 0 && rte_get_tsc_cycles() > next_retry) {
			ipoib_mc_retry_snooped(eth);
			next_retry = rte_get_tsc_cycles() + ipoib_ms_to_tsc(IPOIB_MC_RETRY_MS);
		}
		if (n == 0 && ns == 0)
			usleep(IPOIB_MC_PERIOD_US);
	}
	return NULL;
}

/** Full-member join of a listed group (port started); under mc_lock. */
static int
ipoib_mc_join_full(struct ipoib_eth *eth, struct ipoib_eth_group *g)
{
	uint16_t key;
	int ret = ipoib_group_join(eth->priv, &g->mgid, &key,
					IPOIB_ETH_JOIN_MS);

	if (ret < 0) {
		eth->mst.join_failures++;
		IPOIB_LOG(ERR, "%s: multicast join failed: %d",
			  eth->priv->name, ret);
		return ret;
	}
	eth->mst.joins++;
	g->join_state = HCA_JOIN_FULL;
	g->joined = true;
	g->key = key;
	return 0;
}

/**
 * Leave a group this port joined (the SA is not told when the port was
 * a member before: ipoib_group.c); under mc_lock.
 */
static void
ipoib_mc_leave(struct ipoib_eth *eth, struct ipoib_eth_group *g)
{
	struct ipoib_priv *priv = eth->priv;

	if (!g->joined)
		return;
	if (g->join_state == HCA_JOIN_FULL) {
		ipoib_group_leave(priv, &g->mgid);
		eth->mst.leaves++;
	} else {
		ipoib_group_leave_sendonly(priv, &g->mgid, g->key,
					   g->shared);
	}
	g->joined = false;
	g->shared = false;
}

/**
 * set_mc_addr_list: join (full member) the group of every multicast MAC
 * of the list, leave the groups of MACs no longer listed. Joins wait for
 * the SA (IPOIB_ETH_JOIN_MS at most each); before start, the list is
 * kept and joined at start.
 *
 * @return 0, -EINVAL for a MAC that maps to no group, -ENOSPC for too
 *         many groups, or the first join error
 */
int
ipoib_mcast_set_list(struct ipoib_eth *eth, const struct rte_ether_addr *macs,
		     uint32_t n)
{
	union hca_gid mgids[IPOIB_ETH_MC_MAX];
	unsigned int i;
	int ret = 0;

	if (n > IPOIB_ETH_MC_MAX)
		return -ENOSPC;
	for (i = 0; i < n; i++)
		if (ipoib_mgid_of_mac(&macs[i], &eth->priv->bcast_mgid,
				      &mgids[i]) < 0 ||
		    rte_is_broadcast_ether_addr(&macs[i]))
			return -EINVAL;
	pthread_mutex_lock(&eth->mc_lock);
	for (i = 0; i < IPOIB_ETH_MC_MAX; i++)
		eth->groups[i].listed = false;
	for (i = 0; i < n; i++) {
		struct ipoib_eth_group *g = ipoib_mc_group(eth, &mgids[i],
							   true);

		if (g == NULL) {
			ret = -ENOSPC;
			break;
		}
		if (g->join_state == 0)
			g->join_state = HCA_JOIN_FULL;
		g->listed = true;
	}
	for (i = 0; i < IPOIB_ETH_MC_MAX; i++) {
		struct ipoib_eth_group *g = &eth->groups[i];

		if (g->join_state == HCA_JOIN_FULL && !g->listed &&
		    !g->snooped) {
			ipoib_mc_leave(eth, g);
			memset(g, 0, sizeof(*g));
		} else if (g->listed && eth->priv->started &&
			   (!g->joined || g->join_state != HCA_JOIN_FULL) &&
			   ret == 0) {
			if (g->joined)
				ipoib_mc_leave(eth, g);
			ret = ipoib_mc_join_full(eth, g);
		}
	}
	pthread_mutex_unlock(&eth->mc_lock);
	return ret;
}

/** Start: join the listed groups, start the thread (port started). */
int
ipoib_mcast_start(struct ipoib_eth *eth)
{
	struct ipoib_priv *priv = eth->priv;
	char name[RTE_RING_NAMESIZE];
	unsigned int i;
	int ret;

	snprintf(name, sizeof(name), "ipoib_mcw_%u", priv->dev->data->port_id);
	eth->mc_wait = rte_ring_create_elem(name,
		sizeof(struct ipoib_eth_mc_wait), IPOIB_ETH_MC_HELD,
		priv->dev->device->numa_node, RING_F_SC_DEQ);
	if (eth->mc_wait == NULL)
		return -rte_errno;
	snprintf(name, sizeof(name), "ipoib_mcs_%u", priv->dev->data->port_id);
	eth->mc_snoop = rte_ring_create_elem(name,
		sizeof(struct ipoib_eth_snoop_req), IPOIB_ETH_SNOOP_RING,
		priv->dev->device->numa_node, RING_F_SC_DEQ);
	if (eth->mc_snoop == NULL) {
		ret = -rte_errno;
		rte_ring_free(eth->mc_wait);
		eth->mc_wait = NULL;
		return ret;
	}
	pthread_mutex_lock(&eth->mc_lock);
	for (i = 0; i < IPOIB_ETH_MC_MAX; i++) {
		struct ipoib_eth_group *g = &eth->groups[i];

		g->joined = false;
		if (!g->listed && !g->snooped) {
			memset(g, 0, sizeof(*g));
			continue;
		}
		g->join_state = HCA_JOIN_FULL;
		ipoib_mc_join_full(eth, g); /* failures are logged */
	}
	pthread_mutex_unlock(&eth->mc_lock);
	__atomic_store_n(&eth->mc_stop, 0, __ATOMIC_RELEASE);
	snprintf(name, sizeof(name), "ipoib-mc-%u", priv->dev->data->port_id);
	ret = rte_ctrl_thread_create(&eth->mc_tid, name, NULL, ipoib_mc_main,
				     eth);
	if (ret != 0) {
		rte_ring_free(eth->mc_wait);
		eth->mc_wait = NULL;
		rte_ring_free(eth->mc_snoop);
		eth->mc_snoop = NULL;
		return -ret;
	}
	eth->mc_running = true;
	return 0;
}

/** Stop: stop the thread, drop what it held, leave every group. */
void
ipoib_mcast_stop(struct ipoib_eth *eth)
{
	struct ipoib_eth_mc_wait w;
	unsigned int i;

	if (eth->mc_running) {
		__atomic_store_n(&eth->mc_stop, 1, __ATOMIC_RELEASE);
		pthread_join(eth->mc_tid, NULL);
		eth->mc_running = false;
	}
	if (eth->mc_wait != NULL) {
		while (rte_ring_sc_dequeue_elem(eth->mc_wait, &w,
						sizeof(w)) == 0)
			rte_pktmbuf_free(w.m);
		rte_ring_free(eth->mc_wait);
		eth->mc_wait = NULL;
	}
	rte_ring_free(eth->mc_snoop); /* requests: nothing to free */
	eth->mc_snoop = NULL;
	pthread_mutex_lock(&eth->mc_lock);
	for (i = 0; i < IPOIB_ETH_MC_MAX; i++) {
		struct ipoib_eth_group *g = &eth->groups[i];

		ipoib_mc_leave(eth, g);
		if (!g->listed && !g->snooped)
			memset(g, 0, sizeof(*g));
	}
	pthread_mutex_unlock(&eth->mc_lock);
}
