/* SPDX-License-Identifier: BSD-3-Clause */

/**
 * @file
 * ARP translation of mode=eth: Ethernet ARP (hardware type 1, 6-byte
 * addresses, 28 bytes) <-> IPoIB ARP (RFC 4391 section 8: hardware type
 * 32, 20-byte addresses, 56 bytes), IPv4 only. Every length is checked
 * against the packet before a byte is read; nothing is written before
 * every address was translated, so a refused packet is left as it was.
 */

#include <string.h>

#include <rte_arp.h>
#include <rte_byteorder.h>

#include "ipoib_dp.h"
#include "ipoib_eth.h"

/** ARP hardware type of IPoIB (RFC 4391). */
#define IPOIB_ARP_HRD 32
/** ARP hardware address length of IPoIB. */
#define IPOIB_HWADDR_LEN 20
/** Fixed part of an ARP packet (types, lengths, opcode). */
#define IPOIB_ARP_FIXED 8
/** Length of an IPoIB ARP packet for IPv4. */
#define IPOIB_ARP_LEN (IPOIB_ARP_FIXED + 2 * (IPOIB_HWADDR_LEN + 4))
/** Length of an Ethernet ARP packet for IPv4. */
#define IPOIB_ETH_ARP_LEN (IPOIB_ARP_FIXED + 2 * (RTE_ETHER_ADDR_LEN + 4))

/**
 * Check the fixed part of an ARP packet.
 *
 * @param p    the packet's first byte
 * @param hrd  the hardware type expected
 * @param hln  the hardware address length expected
 */
static bool
ipoib_arp_fixed_ok(const uint8_t *p, uint16_t hrd, uint8_t hln)
{
	uint16_t op = (uint16_t)(p[6] << 8 | p[7]);

	return (p[0] << 8 | p[1]) == hrd &&
		(p[2] << 8 | p[3]) == RTE_ETHER_TYPE_IPV4 &&
		p[4] == hln && p[5] == 4 &&
		(op == RTE_ARP_OP_REQUEST || op == RTE_ARP_OP_REPLY);
}

/** Whether n bytes are all zero. */
static bool
ipoib_all_zero(const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] != 0)
			return false;
	return true;
}

/**
 * The MAC of a target hardware address of a received ARP: zero stays
 * zero, our own address is our MAC, a known peer its MAC, anything else
 * zero (an ARP target address is informative only).
 */
static void
ipoib_arp_target_mac(const struct ipoib_eth *eth, const uint8_t *tha,
		     struct rte_ether_addr *mac)
{
	struct ipoib_hwaddr a;

	memcpy(&a, tha, sizeof(a));
	a.flags = 0;
	if (ipoib_all_zero(tha + 1, IPOIB_HWADDR_LEN - 1) ||
	    ipoib_eth_mac_of_addr(eth, &a, mac) < 0)
		memset(mac, 0, sizeof(*mac));
}

enum ipoib_xlate
ipoib_arp_to_eth(const struct ipoib_eth *eth, struct rte_mbuf *m,
		 uint32_t off, struct rte_ether_addr *sender)
{
	uint8_t *p = rte_pktmbuf_mtod_offset(m, uint8_t *, off);
	struct rte_ether_addr tha;
	struct ipoib_hwaddr sha;
	uint8_t spa[4], tpa[4];

	if (m->nb_segs != 1 || m->data_len < off + IPOIB_ARP_LEN ||
	    !ipoib_arp_fixed_ok(p, IPOIB_ARP_HRD, IPOIB_HWADDR_LEN))
		return IPOIB_XLATE_MALFORMED;
	memcpy(&sha, p + 8, sizeof(sha));
	sha.flags = 0; /* connected-mode flag: we speak datagram mode */
	if (ipoib_eth_mac_of_addr(eth, &sha, sender) < 0)
		return IPOIB_XLATE_UNKNOWN;
	ipoib_arp_target_mac(eth, p + 32, &tha);
	memcpy(spa, p + 28, 4);
	memcpy(tpa, p + 52, 4);
	p[1] = RTE_ARP_HRD_ETHER;
	p[4] = RTE_ETHER_ADDR_LEN;
	memcpy(p + 8, sender, RTE_ETHER_ADDR_LEN);
	memcpy(p + 14, spa, 4);
	memcpy(p + 18, &tha, RTE_ETHER_ADDR_LEN);
	memcpy(p + 24, tpa, 4);
	m->data_len = (uint16_t)(off + IPOIB_ETH_ARP_LEN);
	m->pkt_len = m->data_len;
	return IPOIB_XLATE_OK;
}

enum ipoib_xlate
ipoib_arp_to_ib(const struct ipoib_eth *eth, struct rte_mbuf *m,
		uint32_t off)
{
	uint8_t *p = rte_pktmbuf_mtod_offset(m, uint8_t *, off);
	struct rte_ether_addr smac, tmac;
	struct ipoib_hwaddr sha, tha;
	uint8_t spa[4], tpa[4];
	uint32_t need = off + IPOIB_ARP_LEN;

	if (m->nb_segs != 1 || m->data_len < off + IPOIB_ETH_ARP_LEN ||
	    !ipoib_arp_fixed_ok(p, RTE_ARP_HRD_ETHER, RTE_ETHER_ADDR_LEN))
		return IPOIB_XLATE_MALFORMED;
	memcpy(&smac, p + 8, sizeof(smac));
	memcpy(&tmac, p + 18, sizeof(tmac));
	if (ipoib_eth_addr_of_mac(eth, &smac, &sha) < 0)
		return IPOIB_XLATE_UNKNOWN;
	if (rte_is_zero_ether_addr(&tmac) ||
	    rte_is_broadcast_ether_addr(&tmac) ||
	    ipoib_eth_addr_of_mac(eth, &tmac, &tha) < 0)
		memset(&tha, 0, sizeof(tha));
	if (need > m->data_len &&
	    need - m->data_len > rte_pktmbuf_tailroom(m))
		return IPOIB_XLATE_NO_ROOM;
	memcpy(spa, p + 14, 4);
	memcpy(tpa, p + 24, 4);
	p[1] = IPOIB_ARP_HRD;
	p[4] = IPOIB_HWADDR_LEN;
	memcpy(p + 8, &sha, IPOIB_HWADDR_LEN);
	memcpy(p + 28, spa, 4);
	memcpy(p + 32, &tha, IPOIB_HWADDR_LEN);
	memcpy(p + 52, tpa, 4);
	m->data_len = (uint16_t)need;
	m->pkt_len = need;
	return IPOIB_XLATE_OK;
}
