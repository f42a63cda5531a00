/* SPDX-License-Identifier: BSD-3-Clause */

/**
 * @file
 * The memory a net_ipoib port registers with its device.
 *
 * At start: every populated memseg of every memseg list (runs contiguous
 * in address and file offset, hca_mr_map_add_memsegs()), then the
 * receive queues' mempools (they must be covered) and every other
 * mempool (what external memory they hold). While the port runs, a
 * memory event callback follows the memory DPDK adds (ALLOC: registered
 * before any mbuf of it exists) and frees (FREE: dropped from the table
 * the data path reads; its regions are deregistered once the queues
 * passed a quiescent state of the peer cache's RCU variable, or at
 * close). Memory freed and allocated again at the same address is thus
 * registered afresh, never reached through a mapping of the old pages.
 *
 * The callback runs in the thread that allocates or frees, memory hotplug
 * lock held: it never takes the port's lock nor waits for the data path.
 */

#include <errno.h>
#include <stdio.h>

#include <rte_memory.h>

#include "ipoib.h"
#include "ipoib_log.h"
#include "ipoib_mem.h"

/** The name of a port's memory event callback (unique per port). */
static void
ipoib_mem_cb_name(const struct ipoib_priv *priv, char *name, size_t size)
{
	snprintf(name, size, "net_ipoib_mr_%u", priv->dev->data->port_id);
}

/** Publish the number of regions registered now. */
static void
ipoib_mem_count_regions(struct ipoib_priv *priv)
{
	__atomic_store_n(&priv->mst.regions,
			 priv->mrs != NULL ? hca_mr_map_regions(priv->mrs) : 0,
			 __ATOMIC_RELAXED);
}

/**
 * Memory event callback: register memory DPDK added, stop using memory
 * it is about to free. Runs with the memory hotplug lock held.
 */
static void
ipoib_mem_event(enum rte_mem_event type, const void *addr, size_t len,
		void *arg)
{
	struct ipoib_priv *priv = arg;
	unsigned int n = 0;
	int ret;

	if (type == RTE_MEM_EVENT_ALLOC) {
		ret = hca_mr_map_event_alloc(priv->mrs, addr, len, &n);
		__atomic_fetch_add(&priv->mst.registered, n, __ATOMIC_RELAXED);
	} else {
		ret = hca_mr_map_event_free(priv->mrs, addr, len, &n);
		__atomic_fetch_add(&priv->mst.deregistered, n,
				   __ATOMIC_RELAXED);
	}
	if (ret < 0) {
		__atomic_fetch_add(&priv->mst.failures, 1, __ATOMIC_RELAXED);
		IPOIB_LOG(WARNING, "%s: memory %s of %zu bytes at %p not "
			  "followed: %d%s", priv->name,
			  type == RTE_MEM_EVENT_ALLOC ? "added" : "freed",
			  len, addr, ret, type == RTE_MEM_EVENT_ALLOC ?
			  " (packets from it are dropped)" : "");
	}
	ipoib_mem_count_regions(priv);
}

/** rte_mempool_walk callback: register a mempool's memory. */
static void
ipoib_mem_register_pool(struct rte_mempool *mp, void *arg)
{
	struct ipoib_priv *priv = arg;

	if (hca_mr_map_add_mempool(priv->mrs, mp) < 0)
		IPOIB_LOG(WARNING, "%s: mempool %s not registered: packets "
			  "from it are dropped", priv->name, mp->name);
}

/**
 * Create the port's registration map and register its memory: follow
 * memory events, every memseg, the receive pools (which must succeed),
 * every other mempool.
 *
 * @param priv  the port (PD allocated, peer cache created)
 * @return 0 or a negative errno (release with ipoib_mem_close())
 */
int
ipoib_mem_open(struct ipoib_priv *priv)
{
	char name[RTE_MEM_EVENT_CALLBACK_NAME_LEN];
	uint16_t i;
	int ret;

	priv->mrs = hca_mr_map_create(priv->pd, IPOIB_MR_RANGES_MAX);
	if (priv->mrs == NULL)
		return -ENOMEM;
	if (priv->peers != NULL)
		hca_mr_map_set_rcu(priv->mrs, priv->peers->qsv);
	/* first the callback, then the walk: nothing added in between is
	 * missed (what both see is registered once) */
	ipoib_mem_cb_name(priv, name, sizeof(name));
	if (rte_mem_event_callback_register(name, ipoib_mem_event,
					    priv) < 0) {
		if (rte_errno != ENOTSUP) { /* ENOTSUP: memory never changes */
			IPOIB_LOG(ERR, "%s: cannot follow memory events: %s",
				  priv->name, rte_strerror(rte_errno));
			return -rte_errno;
		}
	} else {
		priv->mem_cb = true;
	}
	ret = hca_mr_map_add_memsegs(priv->mrs);
	if (ret < 0)
		return ret;
	if (ret > 0)
		IPOIB_LOG(WARNING, "%s: %d runs of DPDK memory not registered",
			  priv->name, ret);
	for (i = 0; i < priv->nb_rxq; i++) {
		ret = hca_mr_map_add_mempool(priv->mrs, priv->rxq[i].mp);
		if (ret < 0) {
			IPOIB_LOG(ERR, "%s: cannot register mempool %s: %d",
				  priv->name, priv->rxq[i].mp->name, ret);
			return ret;
		}
	}
	rte_mempool_walk(ipoib_mem_register_pool, priv);
	ipoib_mem_count_regions(priv);
	return 0;
}

/**
 * Stop following memory events, deregister every region and free the
 * map (any part of ipoib_mem_open()).
 *
 * @param priv  the port (data path not running)
 */
void
ipoib_mem_close(struct ipoib_priv *priv)
{
	char name[RTE_MEM_EVENT_CALLBACK_NAME_LEN];

	if (priv->mem_cb) {
		/* waits for a callback under way */
		ipoib_mem_cb_name(priv, name, sizeof(name));
		rte_mem_event_callback_unregister(name, priv);
		priv->mem_cb = false;
	}
	hca_mr_map_destroy(priv->mrs);
	priv->mrs = NULL;
	ipoib_mem_count_regions(priv);
}

/**
 * Release the tables and regions memory events replaced, once the
 * queues passed a quiescent state (control thread, without blocking).
 *
 * @param priv  the port
 */
void
ipoib_mem_reclaim(struct ipoib_priv *priv)
{
	if (priv->mrs != NULL)
		hca_mr_map_reclaim(priv->mrs);
}
