/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Basic stats and xstats of a net_ipoib port, both views, from one table
 * (ipoib_xstats[]): every counter's name, where it is kept (per receive
 * or transmit queue, the control thread, the peer cache, the memory
 * registration, the mode=eth
 * state) and what it is: a drop (in ierrors or oerrors), a receive
 * refill failure (imissed), another count, or a gauge (never reset).
 * stats_get, xstats_get_names, xstats_get, stats_reset and xstats_reset
 * all walk that table, in the primary and in a secondary process (every
 * counter lives in shared memory).
 */
#include <stddef.h>
#include <string.h>

#include <ethdev_driver.h>

#include "ipoib.h"
#include "ipoib_eth.h"
#include "ipoib_stats.h"

/** Where a counter is kept. */
enum ipoib_xsrc {
	XS_RXQ,           /**< struct ipoib_rxq_stats, per receive queue */
	XS_TXQ,           /**< struct ipoib_txq_stats, per transmit queue */
	XS_CTRL,          /**< struct ipoib_ctrl_stats of the port */
	XS_MEM,           /**< struct ipoib_mem_stats of the port */
	XS_CACHE,         /**< struct ipoib_peer_cache_stats */
	XS_CACHE_SIZE,    /**< the peer cache's size */
	XS_ETH_RXQ,       /**< struct ipoib_eth_rx_stats, per queue (eth) */
	XS_ETH_TXQ,       /**< struct ipoib_eth_tx_stats, per queue (eth) */
	XS_ETH_MC,        /**< struct ipoib_eth_mc_stats (eth) */
	XS_SA,            /**< struct hca_sa_stats (the SA client's) */
	XS_SA_INBAND,     /**< 1 when the SA is reached in band (sa=) */
};

/** What a counter adds to the basic stats. */
enum ipoib_xkind {
	XK_COUNT,         /**< nothing: an event, not a loss */
	XK_RX_DROP,       /**< a received packet dropped: ierrors */
	XK_TX_DROP,       /**< a packet to send dropped: oerrors */
	XK_RX_MISSED,     /**< a receive buffer not refilled: imissed */
	XK_GAUGE,         /**< a level, not a count: never reset */
};

/** One counter: its xstat name, where it is kept, what it is. */
struct ipoib_xstat {
	const char *name;
	enum ipoib_xsrc src;
	enum ipoib_xkind kind;
	size_t off;       /**< of the uint64_t in its source's struct */
};

#define XRX_(n, f, k) { n, XS_RXQ, k, offsetof(struct ipoib_rxq_stats, f) }
#define XTX_(n, f, k) { n, XS_TXQ, k, offsetof(struct ipoib_txq_stats, f) }
#define XCT_(n, f, k) \
	{ n, XS_CTRL, k, offsetof(struct ipoib_ctrl_stats, f) }
#define XMR_(n, f, k) \
	{ n, XS_MEM, k, offsetof(struct ipoib_mem_stats, f) }
#define ERX_(n, f, k) \
	{ n, XS_ETH_RXQ, k, offsetof(struct ipoib_eth_rx_stats, f) }
#define ETX_(n, f, k) \
	{ n, XS_ETH_TXQ, k, offsetof(struct ipoib_eth_tx_stats, f) }
#define EMC_(n, f, k) \
	{ n, XS_ETH_MC, k, offsetof(struct ipoib_eth_mc_stats, f) }

/* the SA client's counters, added up by the control thread */
#define XSA(n, f) { n, XS_SA, XK_COUNT, offsetof(struct hca_sa_stats, f) }

/* counts */
#define XRX(n, f) XRX_(n, f, XK_COUNT)
#define XTX(n, f) XTX_(n, f, XK_COUNT)
#define XCT(n, f) XCT_(n, f, XK_COUNT)
#define XPC(n, f) \
	{ n, XS_CACHE, XK_COUNT, offsetof(struct ipoib_peer_cache_stats, f) }
#define ERX(n, f) ERX_(n, f, XK_COUNT)
#define ETX(n, f) ETX_(n, f, XK_COUNT)
#define EMC(n, f) EMC_(n, f, XK_COUNT)
/* drops: a packet the application gave or the wire brought, lost */
#define XRX_DROP(n, f) XRX_(n, f, XK_RX_DROP)
#define XTX_DROP(n, f) XTX_(n, f, XK_TX_DROP)
#define XCT_DROP(n, f) XCT_(n, f, XK_TX_DROP)
#define ERX_DROP(n, f) ERX_(n, f, XK_RX_DROP)
#define ETX_DROP(n, f) ETX_(n, f, XK_TX_DROP)
#define EMC_DROP(n, f) EMC_(n, f, XK_TX_DROP)

/**
 * Every counter of a port. The raw (common) ones first, then those of
 * mode=eth (XS_ETH_*), shown only by a port in that view. Rule: every
 * counter of packets lost is a drop here (XK_RX_DROP, XK_TX_DROP), so
 * that ierrors and oerrors count every loss.
 */
static const struct ipoib_xstat ipoib_xstats[] = {
	XRX_DROP("rx_error_completions", errors),
	XRX_("rx_no_receive_buffer", nombuf, XK_RX_MISSED),
	XRX_DROP("rx_malformed", malformed),
	XRX("rx_own_multicast_loopback", loopback),
	XRX("rx_multicast_packets", mcast),
	XRX("rx_unknown_source", unknown_src),
	XRX("rx_no_grh", no_grh),
	XRX("rx_unknown_lid", unknown_lid),
	XRX("rx_peer_hits", peer_hits),
	XRX("rx_learn_dropped", learn_dropped),
	XTX_DROP("tx_error_completions", errors),
	XTX_DROP("tx_malformed", malformed),
	XTX_DROP("tx_stale_key", stale_key),
	XTX_DROP("tx_untagged", untagged),
	XTX("tx_unresolved_held", unresolved_held),
	XTX_DROP("tx_unresolved_dropped", unresolved_dropped),
	XTX_DROP("tx_unregistered_memory", no_lkey),
	XTX("tx_ring_full", ring_full),
	XTX("tx_peer_hits", peer_hits),
	XTX("tx_peer_misses", peer_misses),
	XTX_DROP("tx_oversized", oversized),
	XTX("tx_shared_copied", shared_copied),
	XTX_DROP("tx_shared_copy_failed", shared_copy_failed),
	XTX("tx_offload_csum", offload_csum),
	XTX("tx_offload_tso", offload_tso),
	XTX_DROP("tx_offload_malformed", offload_malformed),
	XTX_DROP("tx_offload_unsupported", offload_unsupported),
	XCT("path_queries", path_queries),
	XCT("sa_failures", path_failures),
	XCT_DROP("tx_sa_failure_dropped", sa_dropped),
	XCT("tx_held_sent", released),
	XCT_DROP("tx_held_stale_dropped", stale_pending),
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
	XCT("mcast_found_joined", mcast_found_joined),
	XCT("mcast_leaves_skipped", mcast_leaves_skipped),
	XCT("mcast_member_query_failures", mcast_member_query_failures),
	XCT("path_refreshes", path_refreshes),
	XCT("path_refresh_failures", path_refresh_failures),
	XCT("own_lid_changes", own_lid_changes),
	XCT("port_events", events),
	XCT("port_events_active", ev_port_active),
	XCT("port_events_down", ev_port_down),
	XCT("port_events_lid_change", ev_lid_change),
	XCT("port_events_pkey_change", ev_pkey_change),
	XCT("port_events_client_reregister", ev_client_rereg),
	XCT("port_events_other", ev_other),
	XCT("partition_lost", partition_lost),
	XCT("partition_regained", partition_regained),
	XCT("events_qp_error", ev_qp_error),
	XCT("events_cq_error", ev_cq_error),
	XCT("qp_failed_by_event", qp_failed_by_event),
	XCT("dev_lost", dev_lost),
	XCT("dev_recoveries", dev_recoveries),
	XCT("dev_recover_failures", dev_recover_failures),
	XCT("qp_recoveries", qp_recoveries),
	XCT("qp_recover_failures", qp_recover_failures),
	XCT("rx_flushed", rx_flushed),
	XMR_("mr_regions", regions, XK_GAUGE),
	XMR_("mr_registered_by_event", registered, XK_COUNT),
	XMR_("mr_deregistered_by_event", deregistered, XK_COUNT),
	XMR_("mr_event_failures", failures, XK_COUNT),
	XPC("peer_cache_inserts", inserts),
	XPC("peer_cache_evictions", evictions),
	XPC("peer_cache_full", full),
	{ "peer_cache_size", XS_CACHE_SIZE, XK_GAUGE, 0 },
	{ "sa_transport_inband", XS_SA_INBAND, XK_GAUGE, 0 },
	XSA("sa_mads_sent", sent),
	XSA("sa_mads_received", received),
	XSA("sa_mads_dropped", dropped),
	XSA("sa_timeouts", timeouts),
	XSA("sa_rmpp_refused", rmpp_refused),
	/* mode=eth (doc/eth-mode.md) */
	ERX_DROP("rx_eth_unknown_source_dropped", unknown_src),
	ERX_DROP("rx_eth_no_mac", no_mac),
	ERX_DROP("rx_eth_unknown_group", unknown_group),
	ERX("rx_arp_translated", arp),
	ERX_DROP("rx_arp_malformed", arp_malformed),
	ERX("rx_nd_translated", nd),
	ERX_DROP("rx_nd_malformed", nd_malformed),
	ERX_DROP("rx_nd_bad_checksum", nd_bad_checksum),
	ERX("rx_eth_held_for_sender", held),
	ERX_DROP("rx_eth_held_expired", held_expired),
	ERX_DROP("rx_eth_held_full", held_full),
	ETX_DROP("tx_eth_malformed", malformed),
	ETX_DROP("tx_eth_unknown_mac", unknown_mac),
	ETX("tx_arp_translated", arp),
	ETX_DROP("tx_arp_malformed", arp_malformed),
	ETX_DROP("tx_arp_unknown_mac", arp_unknown_mac),
	ETX("tx_nd_translated", nd),
	ETX_DROP("tx_nd_malformed", nd_malformed),
	ETX_DROP("tx_nd_unknown_mac", nd_unknown_mac),
	ETX_DROP("tx_nd_no_room", nd_no_room),
	ETX_DROP("tx_nd_bad_checksum", nd_bad_checksum),
	ETX("tx_mcast_join_held", mc_join_held),
	ETX_DROP("tx_mcast_dropped", mc_dropped),
	ETX_DROP("tx_eth_ring_full", ring_full),
	EMC("mcast_joins", joins),
	EMC("mcast_join_failures", join_failures),
	EMC("mcast_sendonly_joins", sendonly_joins),
	EMC("tx_mcast_held_sent", released),
	EMC_DROP("tx_mcast_join_failed_dropped", dropped),
	EMC("mcast_snoop_joins", snoop_joins),
	EMC("mcast_snoop_leaves", snoop_leaves),
	ETX_DROP("mcast_snoop_malformed", snoop_malformed),
	ETX("mcast_snoop_dropped", snoop_dropped),
	EMC("mcast_leaves", leaves),
};

/** Whether a counter belongs to the mode=eth view. */
static bool
ipoib_xstat_is_eth(const struct ipoib_xstat *x)
{
	return x->src == XS_ETH_RXQ || x->src == XS_ETH_TXQ ||
		x->src == XS_ETH_MC;
}

/**
 * Whether a port shows a counter: the common ones always, those of
 * mode=eth in that view only.
 */
static bool
ipoib_xstat_shown(const struct ipoib_priv *priv, const struct ipoib_xstat *x)
{
	return !ipoib_xstat_is_eth(x) || priv->eth != NULL;
}

/**
 * How many instances of a counter there are: one per queue for the
 * per-queue ones, else one.
 *
 * @param all  every queue the port may have (to reset), not only the
 *             configured ones (to read)
 */
static uint16_t
ipoib_xstat_instances(const struct ipoib_priv *priv,
		      const struct ipoib_xstat *x, bool all)
{
	switch (x->src) {
	case XS_RXQ:
	case XS_ETH_RXQ:
		return all ? IPOIB_MAX_QUEUES : priv->nb_rxq;
	case XS_TXQ:
	case XS_ETH_TXQ:
		return all ? IPOIB_MAX_QUEUES : priv->nb_txq;
	default:
		return 1;
	}
}

/**
 * Where one instance of a counter is kept.
 *
 * @param q  the queue (per-queue counters), else 0
 * @return the counter, or NULL when its source does not exist (no peer
 *         cache yet, mode=raw) or it is no uint64_t (the cache size)
 */
static uint64_t *
ipoib_xstat_counter(struct ipoib_priv *priv, const struct ipoib_xstat *x,
		    uint16_t q)
{
	void *base = NULL;

	switch (x->src) {
	case XS_RXQ:
		base = &priv->rxq[q].st;
		break;
	case XS_TXQ:
		base = &priv->txq[q].st;
		break;
	case XS_CTRL:
		base = &priv->cst;
		break;
	case XS_MEM:
		base = &priv->mst;
		break;
	case XS_CACHE:
		if (priv->peers != NULL)
			base = &priv->peers->stats;
		break;
	case XS_CACHE_SIZE:
	case XS_SA_INBAND:
		break;
	case XS_SA:
		base = &priv->sa_stats;
		break;
	case XS_ETH_RXQ:
		if (priv->eth != NULL)
			base = &priv->eth->rxq[q].st;
		break;
	case XS_ETH_TXQ:
		if (priv->eth != NULL)
			base = &priv->eth->txq[q].st;
		break;
	case XS_ETH_MC:
		if (priv->eth != NULL)
			base = &priv->eth->mst;
		break;
	}
	return base != NULL ? (uint64_t *)((char *)base + x->off) : NULL;
}

/**
 * The value of one instance of a counter (0 when its source does not
 * exist).
 */
static uint64_t
ipoib_xstat_read(struct ipoib_priv *priv, const struct ipoib_xstat *x,
		 uint16_t q)
{
	const uint64_t *c;

	if (x->src == XS_CACHE_SIZE)
		return priv->peers != NULL ? priv->peers->size : 0;
	if (x->src == XS_SA_INBAND)
		return priv->args.sa == HCA_SA_TRANSPORT_INBAND;
	c = ipoib_xstat_counter(priv, x, q);
	return c != NULL ? *c : 0;
}

/** The value of one counter, summed over its instances. */
static uint64_t
ipoib_xstat_value(struct ipoib_priv *priv, const struct ipoib_xstat *x)
{
	uint16_t q, n = ipoib_xstat_instances(priv, x, false);
	uint64_t v = 0;

	for (q = 0; q < n; q++)
		v += ipoib_xstat_read(priv, x, q);
	return v;
}

/**
 * Add a drop counter's instances to the basic stats: ierrors (and the
 * receive queue's q_errors), oerrors or imissed.
 */
static void
ipoib_xstat_add_drops(struct ipoib_priv *priv, const struct ipoib_xstat *x,
		      struct rte_eth_stats *s)
{
	uint16_t q, n = ipoib_xstat_instances(priv, x, false);

	for (q = 0; q < n; q++) {
		uint64_t v = ipoib_xstat_read(priv, x, q);

		switch (x->kind) {
		case XK_RX_DROP:
			s->ierrors += v;
			if ((x->src == XS_RXQ || x->src == XS_ETH_RXQ) &&
			    q < RTE_ETHDEV_QUEUE_STAT_CNTRS)
				s->q_errors[q] += v;
			break;
		case XK_TX_DROP:
			s->oerrors += v;
			break;
		case XK_RX_MISSED:
			s->imissed += v;
			break;
		default:
			break;
		}
	}
}

/**
 * stats_get: packets and bytes per queue; ierrors, oerrors and imissed
 * from the drops of the table (ipoib_xstats[]).
 *
 * @param dev  the port (primary or secondary process)
 * @param s    filled (ethdev zeroed it)
 * @return 0
 */
int
ipoib_stats_get(struct rte_eth_dev *dev, struct rte_eth_stats *s)
{
	struct ipoib_priv *priv = dev->data->dev_private;
	unsigned int i;
	uint16_t q;

	for (q = 0; q < priv->nb_rxq; q++) {
		const struct ipoib_rxq_stats *r = &priv->rxq[q].st;

		s->ipackets += r->packets;
		s->ibytes += r->bytes;
		if (q < RTE_ETHDEV_QUEUE_STAT_CNTRS) {
			s->q_ipackets[q] = r->packets;
			s->q_ibytes[q] = r->bytes;
		}
	}
	for (q = 0; q < priv->nb_txq; q++) {
		const struct ipoib_txq_stats *t = &priv->txq[q].st;

		s->opackets += t->packets;
		s->obytes += t->bytes;
		if (q < RTE_ETHDEV_QUEUE_STAT_CNTRS) {
			s->q_opackets[q] = t->packets;
			s->q_obytes[q] = t->bytes;
		}
	}
	for (i = 0; i < RTE_DIM(ipoib_xstats); i++)
		if (ipoib_xstats[i].kind != XK_COUNT &&
		    ipoib_xstats[i].kind != XK_GAUGE)
			ipoib_xstat_add_drops(priv, &ipoib_xstats[i], s);
	s->rx_nombuf = dev->data->rx_mbuf_alloc_failed;
	return 0;
}

/**
 * stats_reset and xstats_reset: zero packets and bytes of every queue
 * and every counter of the table but the gauges, in both views.
 *
 * @param dev  the port (primary or secondary process)
 * @return 0
 */
int
ipoib_stats_reset(struct rte_eth_dev *dev)
{
	struct ipoib_priv *priv = dev->data->dev_private;
	unsigned int i;
	uint16_t q;

	for (q = 0; q < IPOIB_MAX_QUEUES; q++) {
		priv->rxq[q].st.packets = 0;
		priv->rxq[q].st.bytes = 0;
		priv->txq[q].st.packets = 0;
		priv->txq[q].st.bytes = 0;
	}
	dev->data->rx_mbuf_alloc_failed = 0;
	for (i = 0; i < RTE_DIM(ipoib_xstats); i++) {
		const struct ipoib_xstat *x = &ipoib_xstats[i];
		uint16_t n = ipoib_xstat_instances(priv, x, true);

		if (x->kind == XK_GAUGE)
			continue;
		for (q = 0; q < n; q++) {
			uint64_t *c = ipoib_xstat_counter(priv, x, q);

			if (c != NULL)
				*c = 0;
		}
	}
	return 0;
}

/**
 * xstats_get_names: the names of the counters the port shows.
 *
 * @param names  filled up to its room; NULL to count
 * @param size   its room
 * @return how many there are
 */
int
ipoib_xstats_get_names(struct rte_eth_dev *dev,
		       struct rte_eth_xstat_name *names, unsigned int size)
{
	const struct ipoib_priv *priv = dev->data->dev_private;
	unsigned int i, n = 0;

	for (i = 0; i < RTE_DIM(ipoib_xstats); i++) {
		if (!ipoib_xstat_shown(priv, &ipoib_xstats[i]))
			continue;
		if (names != NULL && n < size)
			strlcpy(names[n].name, ipoib_xstats[i].name,
				sizeof(names[n].name));
		n++;
	}
	return (int)n;
}

/**
 * xstats_get: the values of the counters the port shows, in the order
 * of their names.
 *
 * @param xs    filled when it has room for all; NULL to count
 * @param size  its room
 * @return how many there are
 */
int
ipoib_xstats_get(struct rte_eth_dev *dev, struct rte_eth_xstat *xs,
		 unsigned int size)
{
	struct ipoib_priv *priv = dev->data->dev_private;
	unsigned int i, n = 0;

	for (i = 0; i < RTE_DIM(ipoib_xstats); i++)
		if (ipoib_xstat_shown(priv, &ipoib_xstats[i]))
			n++;
	if (xs == NULL || size < n)
		return (int)n;
	n = 0;
	for (i = 0; i < RTE_DIM(ipoib_xstats); i++) {
		if (!ipoib_xstat_shown(priv, &ipoib_xstats[i]))
			continue;
		xs[n].id = n;
		xs[n].value = ipoib_xstat_value(priv, &ipoib_xstats[i]);
		n++;
	}
	return (int)n;
}
