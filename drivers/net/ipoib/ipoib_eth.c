/* SPDX-License-Identifier: BSD-3-Clause */

/**
 * @file
 * The state of a port in the Ethernet view (doc/eth-mode.md): its
 * creation and release, its own MAC, and the mapping between MACs and
 * 20-byte IPoIB addresses that the bursts (ipoib_eth_rxtx.c) and the
 * ARP/ND translation use (readers, lock free).
 */

#include <errno.h>
#include <string.h>

#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_malloc.h>

#include "ipoib_dp.h"
#include "ipoib_eth.h"
#include "ipoib_log.h"
#include "rte_pmd_ipoib.h"

/**
 * The mode=eth state of every port of this process, by port id: only to
 * give each port an own MAC no other one has (the bursts reach their
 * state through the port's private data, priv->eth).
 */
static struct ipoib_eth *ipoib_eth_ports[RTE_MAX_ETHPORTS];

/**
 * The mode=eth state of a port, NULL in mode=raw. Read from the port's
 * private data (shared memory), so that it also works in a secondary
 * process, where priv->dev is not this process's device.
 */
struct ipoib_eth *
ipoib_eth_of_priv(const struct ipoib_priv *priv)
{
	return priv->eth;
}

/**
 * Whether another port of this process has this own MAC already.
 *
 * @param self  the port asking
 */
static bool
ipoib_eth_mac_taken(const struct ipoib_eth *self,
		    const struct rte_ether_addr *mac)
{
	unsigned int i;

	for (i = 0; i < RTE_MAX_ETHPORTS; i++)
		if (ipoib_eth_ports[i] != NULL && ipoib_eth_ports[i] != self &&
		    rte_is_same_ether_addr(&ipoib_eth_ports[i]->own_mac, mac))
			return true;
	return false;
}

/**
 * Create the mode=eth state of a port (at probe): its own MAC, which
 * is also written to the port's MAC address table.
 *
 * @return the state, or NULL (out of memory)
 */
struct ipoib_eth *
ipoib_eth_create(struct ipoib_priv *priv)
{
	struct ipoib_eth *eth = rte_zmalloc("ipoib_eth", sizeof(*eth),
					    RTE_CACHE_LINE_SIZE);
	uint32_t salt = 0;

	if (eth == NULL)
		return NULL;
	eth->priv = priv;
	pthread_mutex_init(&eth->mc_lock, NULL);
	do {
		ipoib_mac_own(priv->attr.port.port_guid, priv->name, salt++,
			      &eth->own_mac);
	} while (ipoib_eth_mac_taken(eth, &eth->own_mac) && salt < 64);
	ipoib_eth_ports[priv->dev->data->port_id] = eth;
	priv->eth = eth;
	if (priv->dev->data->mac_addrs != NULL)
		priv->dev->data->mac_addrs[0] = eth->own_mac;
	return eth;
}

/** Free the mode=eth state of a port (at close, after stop). */
void
ipoib_eth_free(struct ipoib_eth *eth)
{
	if (eth == NULL)
		return;
	ipoib_eth_ports[eth->priv->dev->data->port_id] = NULL;
	eth->priv->eth = NULL;
	pthread_mutex_destroy(&eth->mc_lock);
	rte_free(eth);
}

/**
 * Free the packets the receive queues held for unknown senders (at stop,
 * after the multicast thread stopped, before the teardown).
 */
void
ipoib_eth_stop(struct ipoib_eth *eth)
{
	unsigned int q, i;

	if (eth == NULL)
		return;
	for (q = 0; q < IPOIB_MAX_QUEUES; q++) {
		struct ipoib_eth_rxq *e = &eth->rxq[q];

		for (i = 0; i < e->n_held; i++)
			rte_pktmbuf_free(e->held[i]);
		e->n_held = 0;
	}
}

/* ------------------------------------------------- address mapping */

/** Whether an address is the port's own. */
static bool
ipoib_eth_is_own(const struct ipoib_priv *priv,
		 const struct ipoib_hwaddr *addr)
{
	return ipoib_hwaddr_qpn(addr) == priv->qpn &&
		memcmp(&addr->gid, &priv->gid, sizeof(addr->gid)) == 0;
}

/**
 * The MAC of a 20-byte unicast address (flags zero): the own MAC, or the
 * MAC of the peer entry that holds it (reader, lock free).
 *
 * @return 0, or -ENOENT when no peer entry holds it (yet)
 */
int
ipoib_eth_mac_of_addr(const struct ipoib_eth *eth,
		      const struct ipoib_hwaddr *addr,
		      struct rte_ether_addr *mac)
{
	const struct ipoib_priv *priv = eth->priv;
	struct ipoib_peer *p;
	uint64_t tag;
	uint16_t key;

	if (ipoib_eth_is_own(priv, addr)) {
		*mac = eth->own_mac;
		return 0;
	}
	key = ipoib_peer_lookup(priv->peers, addr);
	p = ipoib_peer_get(priv->peers, key);
	if (p == NULL || (p->flags & IPOIB_PEER_F_MCAST))
		return -ENOENT;
	tag = ipoib_peer_tag(p);
	if (ipoib_tag_key(tag) != key ||
	    !ipoib_mac_of_tag(tag, ipoib_peer_tag_base(priv->peers), mac))
		return -ENOENT;
	return 0;
}

/**
 * The 20-byte address a unicast MAC stands for: the own address, or the
 * peer's whose tag the MAC holds, read consistently (reader, lock free).
 *
 * @return 0, or -ENOENT when the MAC stands for nobody
 */
int
ipoib_eth_addr_of_mac(const struct ipoib_eth *eth,
		      const struct rte_ether_addr *mac,
		      struct ipoib_hwaddr *addr)
{
	const struct ipoib_priv *priv = eth->priv;
	uint64_t tag;
	struct ipoib_peer *p;

	if (rte_is_same_ether_addr(mac, &eth->own_mac)) {
		ipoib_hwaddr_make(addr, priv->qpn, &priv->gid);
		return 0;
	}
	tag = ipoib_mac_to_tag(mac, ipoib_peer_tag_base(priv->peers));
	p = ipoib_peer_get_tagged(priv->peers, tag);
	if (p == NULL || (p->flags & IPOIB_PEER_F_MCAST))
		return -ENOENT;
	ipoib_hwaddr_make(addr, p->qpn, &p->gid);
	if (ipoib_peer_tag(p) != tag) /* reused while we read it */
		return -ENOENT;
	return 0;
}
