/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Basic stats and xstats of a net_ipoib port: the per-queue counters
 * summed, the control thread's and the peer cache's counters, and the
 * mode=eth counters (ipoib_eth.c) after them.
 */
#include <stddef.h>
#include <string.h>

#include <ethdev_driver.h>

#include "ipoib.h"
#include "ipoib_eth.h"

/** stats_get: per-queue counters summed. */
int
ipoib_stats_get(struct rte_eth_dev *dev, struct rte_eth_stats *s)
{
	struct ipoib_priv *priv = dev->data->dev_private;
	uint16_t i;

	for (i = 0; i < priv->nb_rxq; i++) {
		const struct ipoib_rxq_stats *r = &priv->rxq[i].st;

		s->ipackets += r->packets;
		s->ibytes += r->bytes;
		s->ierrors += r->errors + r->malformed;
		s->imissed += r->nombuf;
		if (i < RTE_ETHDEV_QUEUE_STAT_CNTRS) {
			s->q_ipackets[i] = r->packets;
			s->q_ibytes[i] = r->bytes;
			s->q_errors[i] = r->errors + r->malformed;
		}
	}
	for (i = 0; i < priv->nb_txq; i++) {
		const struct ipoib_txq_stats *t = &priv->txq[i].st;

		s->opackets += t->packets;
		s->obytes += t->bytes;
		s->oerrors += t->errors + t->malformed + t->stale_key +
			t->untagged + t->unresolved_dropped + t->no_lkey +
			t->oversized;
		if (i < RTE_ETHDEV_QUEUE_STAT_CNTRS) {
			s->q_opackets[i] = t->packets;
			s->q_obytes[i] = t->bytes;
		}
	}
	s->oerrors += priv->cst.sa_dropped + priv->cst.stale_pending;
	s->rx_nombuf = dev->data->rx_mbuf_alloc_failed;
	return 0;
}

/** stats_reset: zero every counter. */
int
ipoib_stats_reset(struct rte_eth_dev *dev)
{
	struct ipoib_priv *priv = dev->data->dev_private;
	uint16_t i;

	for (i = 0; i < IPOIB_MAX_QUEUES; i++) {
		memset(&priv->rxq[i].st, 0, sizeof(priv->rxq[i].st));
		memset(&priv->txq[i].st, 0, sizeof(priv->txq[i].st));
	}
	memset(&priv->cst, 0, sizeof(priv->cst));
	if (priv->peers != NULL)
		memset(&priv->peers->stats, 0, sizeof(priv->peers->stats));
	return 0;
}

/* ---------------------------------------------------------- xstats */

/** Where an xstat comes from. */
enum ipoib_xsrc { XS_RX, XS_TX, XS_CTRL, XS_CACHE, XS_SIZE };

/** One xstat: name, source and offset of its counter. */
struct ipoib_xstat {
	const char *name;
	enum ipoib_xsrc src;
	size_t off;
};

#define XRX(n, f) { n, XS_RX, offsetof(struct ipoib_rxq_stats, f) }
#define XTX(n, f) { n, XS_TX, offsetof(struct ipoib_txq_stats, f) }
#define XCT(n, f) { n, XS_CTRL, offsetof(struct ipoib_ctrl_stats, f) }
#define XPC(n, f) { n, XS_CACHE, offsetof(struct ipoib_peer_cache_stats, f) }

static const struct ipoib_xstat ipoib_xstats[] = {
	XRX("rx_error_completions", errors),
	XRX("rx_no_receive_buffer", nombuf),
	XRX("rx_malformed", malformed),
	XRX("rx_own_multicast_loopback", loopback),
	XRX("rx_multicast_packets", mcast),
	XRX("rx_unknown_source", unknown_src),
	XRX("rx_no_grh", no_grh),
	XRX("rx_unknown_lid", unknown_lid),
	XRX("rx_peer_hits", peer_hits),
	XRX("rx_learn_dropped", learn_dropped),
	XTX("tx_error_completions", errors),
	XTX("tx_malformed", malformed),
	XTX("tx_stale_key", stale_key),
	XTX("tx_untagged", untagged),
	XTX("tx_unresolved_held", unresolved_held),
	XTX("tx_unresolved_dropped", unresolved_dropped),
	XTX("tx_unregistered_memory", no_lkey),
	XTX("tx_ring_full", ring_full),
	XTX("tx_peer_hits", peer_hits),
	XTX("tx_peer_misses", peer_misses),
	XTX("tx_oversized", oversized),
	XTX("tx_shared_copied", shared_copied),
	XTX("tx_shared_copy_failed", shared_copy_failed),
	XCT("path_queries", path_queries),
	XCT("sa_failures", path_failures),
	XCT("tx_sa_failure_dropped", sa_dropped),
	XCT("tx_held_sent", released),
	XCT("tx_held_stale_dropped", stale_pending),
	XCT("peers_learned", learned),
	XCT("lid_queries", lid_queries),
	XCT("lid_query_failures", lid_failures),
	XCT("peers_learned_by_lid", lid_learned),
	XCT("peer_lid_changes", lid_changes),
	XCT("lid_mismatch", lid_mismatch),
	XCT("path_confirms", path_confirms),
	XCT("lid_refuted", lid_refuted),
	XCT("sm_heartbeats", heartbeats),
	XCT("sm_heartbeat_failures", heartbeat_failures),
	XCT("sm_lost", sm_lost),
	XCT("sm_recoveries", sm_recoveries),
	XCT("sm_resyncs", resyncs),
	XCT("mcast_rejoins", rejoins),
	XCT("mcast_rejoin_failures", rejoin_failures),
	XCT("path_refreshes", path_refreshes),
	XCT("path_refresh_failures", path_refresh_failures),
	XCT("own_lid_changes", own_lid_changes),
	XCT("dev_lost", dev_lost),
	XCT("dev_recoveries", dev_recoveries),
	XCT("dev_recover_failures", dev_recover_failures),
	XCT("qp_recoveries", qp_recoveries),
	XCT("qp_recover_failures", qp_recover_failures),
	XCT("rx_flushed", rx_flushed),
	XPC("peer_cache_inserts", inserts),
	XPC("peer_cache_evictions", evictions),
	XPC("peer_cache_full", full),
	{ "peer_cache_size", XS_SIZE, 0 },
};

/** The value of one xstat. */
static uint64_t
ipoib_xstat_value(const struct ipoib_priv *priv, const struct ipoib_xstat *x)
{
	uint64_t v = 0;
	uint16_t i;

	switch (x->src) {
	case XS_RX:
		for (i = 0; i < priv->nb_rxq; i++)
			v += *(const uint64_t *)((const char *)&priv->rxq[i].st
						 + x->off);
		break;
	case XS_TX:
		for (i = 0; i < priv->nb_txq; i++)
			v += *(const uint64_t *)((const char *)&priv->txq[i].st
						 + x->off);
		break;
	case XS_CTRL:
		v = *(const uint64_t *)((const char *)&priv->cst + x->off);
		break;
	case XS_CACHE:
		if (priv->peers != NULL)
			v = *(const uint64_t *)((const char *)
						&priv->peers->stats + x->off);
		break;
	case XS_SIZE:
		v = priv->peers ? priv->peers->size : 0;
		break;
	}
	return v;
}

/** xstats_get_names. */
int
ipoib_xstats_get_names(struct rte_eth_dev *dev,
		       struct rte_eth_xstat_name *names, unsigned int size)
{
	const struct ipoib_priv *priv = dev->data->dev_private;
	unsigned int i, n = RTE_DIM(ipoib_xstats);
	unsigned int ne = ipoib_eth_xstats_names(priv, NULL, 0);

	if (names == NULL || size < n + ne)
		return (int)(n + ne);
	for (i = 0; i < n; i++)
		strlcpy(names[i].name, ipoib_xstats[i].name,
			sizeof(names[i].name));
	ipoib_eth_xstats_names(priv, names + n, ne);
	return (int)(n + ne);
}

/** xstats_get. */
int
ipoib_xstats_get(struct rte_eth_dev *dev, struct rte_eth_xstat *xs,
		 unsigned int size)
{
	const struct ipoib_priv *priv = dev->data->dev_private;
	unsigned int i, n = RTE_DIM(ipoib_xstats);
	unsigned int ne = ipoib_eth_xstats_names(priv, NULL, 0);

	if (xs == NULL || size < n + ne)
		return (int)(n + ne);
	for (i = 0; i < n; i++) {
		xs[i].id = i;
		xs[i].value = ipoib_xstat_value(priv, &ipoib_xstats[i]);
	}
	ipoib_eth_xstats_values(priv, xs + n, n, ne);
	return (int)(n + ne);
}
