/* SPDX-License-Identifier: BSD-3-Clause */

/**
 * @file
 * The control thread of a net_ipoib port: one loop that runs, under
 * priv->lock, the rounds of the control plane's modules: the SA client's
 * answers, path resolution (ipoib_path.c), peer reclaim, the link and
 * device watch (ipoib_recover.c), queue pair resets and the subnet
 * manager watch (ipoib_watch.c). It also keeps the ethdev link status.
 *
 * Writers are serialized by priv->lock, which the API functions take too;
 * the data path never takes it.
 */

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_lcore.h>

#include "ipoib.h"
#include "ipoib_ctrl.h"
#include "ipoib_mem.h"
#include "ipoib_path.h"
#include "ipoib_recover.h"
#include "ipoib_watch.h"

/** Pause of the control loop between rounds. */
#define IPOIB_CTRL_PERIOD_US 1000
/** Link poll period. */
#define IPOIB_LINK_POLL_MS 500

/**
 * Update the ethdev link from the port's attributes: up while the port
 * is active, started, and its P_Key is in the port's table.
 */
void
ipoib_link_update_from(struct ipoib_priv *priv,
		       const struct hca_dev_attr *attr)
{
	struct rte_eth_link link;

	memset(&link, 0, sizeof(link));
	link.link_status = attr->port.state == HCA_PORT_ACTIVE &&
		priv->started && !priv->watch.pkey_lost ?
		RTE_ETH_LINK_UP : RTE_ETH_LINK_DOWN;
	link.link_speed = link.link_status ?
		(attr->port.rate ? attr->port.rate * 1000u :
		 RTE_ETH_SPEED_NUM_UNKNOWN) : RTE_ETH_SPEED_NUM_NONE;
	link.link_duplex = RTE_ETH_LINK_FULL_DUPLEX;
	link.link_autoneg = RTE_ETH_LINK_FIXED;
	rte_eth_linkstatus_set(priv->dev, &link);
}

/**
 * Poll the port state now and then (the link status); on a device
 * without port events, compare its LID and SM LID too.
 */
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
	else if (!ipoib_watch_has_events(priv))
		ipoib_watch_port(priv, &attr);
	ipoib_link_update_from(priv, &attr);
}

/**
 * Add what the SA client counted since the last round to the port's SA
 * counters (which xstats_reset zeroes; the client's own never go back).
 */
static void
ipoib_ctrl_sa_stats(struct ipoib_priv *priv)
{
	uint64_t *sum = (uint64_t *)&priv->sa_stats;
	uint64_t *seen = (uint64_t *)&priv->sa_seen;
	struct hca_sa_stats now;
	const uint64_t *cur = (const uint64_t *)&now;
	size_t i;

	if (hca_sa_get_stats(priv->sa, &now) != 0)
		return;
	for (i = 0; i < sizeof(now) / sizeof(uint64_t); i++) {
		sum[i] += cur[i] - seen[i];
		seen[i] = cur[i];
	}
}

/** One round of the control thread. */
static void
ipoib_ctrl_round(struct ipoib_priv *priv)
{
	pthread_mutex_lock(&priv->lock);
	hca_sa_poll(priv->sa, 0);
	ipoib_ctrl_sa_stats(priv);
	ipoib_path_learn(priv);
	ipoib_path_take_pending(priv);
	ipoib_path_retry(priv);
	ipoib_peer_reclaim(priv->peers);
	ipoib_mem_reclaim(priv);
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

/** Start the control thread (after the queues exist). */
int
ipoib_ctrl_start(struct ipoib_priv *priv)
{
	char tname[RTE_MAX_THREAD_NAME_LEN];
	int ret;

	ret = ipoib_path_start(priv);
	if (ret < 0) {
		ipoib_ctrl_stop(priv);
		return ret;
	}
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

/** Stop the control thread and free what it held. */
void
ipoib_ctrl_stop(struct ipoib_priv *priv)
{
	if (priv->ctrl_running) {
		__atomic_store_n(&priv->ctrl_stop, 1, __ATOMIC_RELEASE);
		pthread_join(priv->ctrl_tid, NULL);
		priv->ctrl_running = false;
	}
	ipoib_path_stop(priv);
}
