/* SPDX-License-Identifier: BSD-3-Clause */

/**
 * @file
 * eth_peer's frames and counters: Ethernet frames built, sent and waited
 * for on the port under test, IPv6 frames and their checksums, and the
 * port's xstats read by name.
 */

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

#include "eth_peer.h"
/** Print a MAC with a label. */
void
mac_print(const char *what, const struct rte_ether_addr *m)
{
	char b[RTE_ETHER_ADDR_FMT_SIZE];

	rte_ether_format_addr(b, sizeof(b), m);
	printf("%s %s\n", what, b);
}

/** A new frame of len bytes with an Ethernet header; data zeroed. */
struct rte_mbuf *
frame_new(const struct rte_ether_addr *dst, uint16_t type, uint16_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	struct rte_ether_hdr *eh;

	if (m == NULL)
		return NULL;
	eh = (struct rte_ether_hdr *)rte_pktmbuf_append(m, len);
	memset(eh, 0, len);
	eh->dst_addr = *dst;
	eh->src_addr = own;
	eh->ether_type = rte_cpu_to_be_16(type);
	return m;
}

/** Send one frame (retrying a full ring for a while). */
void
frame_send(struct rte_mbuf *m)
{
	int tries = 1000;

	while (rte_eth_tx_burst(port, 0, &m, 1) == 0 && --tries > 0)
		usleep(100);
	if (tries == 0)
		rte_pktmbuf_free(m);
}

/* See eth_peer.h. */
void
frame_flush(void)
{
	struct rte_mbuf *none[1];

	rte_eth_tx_burst(port, 0, none, 0);
}

/**
 * Receive frames until match() accepts one or ms pass; while nothing
 * arrives, the frames the PMD held for a destination it was resolving
 * go out (frame_flush()).
 *
 * @return the frame accepted (caller frees), or NULL
 */
struct rte_mbuf *
frame_wait(bool (*match)(struct rte_mbuf *m, void *arg), void *arg,
	   unsigned int ms)
{
	uint64_t end = rte_get_timer_cycles() + rte_get_timer_hz() * ms / 1000;
	struct rte_mbuf *b[32];
	struct rte_mbuf *found = NULL;
	uint16_t n, i;

	while (found == NULL && rte_get_timer_cycles() < end) {
		n = rte_eth_rx_burst(port, 0, b, 32);
		for (i = 0; i < n; i++) {
			if (found == NULL && match(b[i], arg))
				found = b[i];
			else
				rte_pktmbuf_free(b[i]);
		}
		if (n == 0) {
			frame_flush();
			usleep(200);
		}
	}
	return found;
}

/** The solicited-node group of an IPv6 address and its MAC. */
void
solicited(const uint8_t ip[16], uint8_t grp[16], struct rte_ether_addr *mac)
{
	static const uint8_t pre[13] = { 0xff, 0x02, 0, 0, 0, 0, 0, 0,
					 0, 0, 0, 1, 0xff };

	memcpy(grp, pre, 13);
	memcpy(grp + 13, ip + 13, 3);
	mac->addr_bytes[0] = 0x33;
	mac->addr_bytes[1] = 0x33;
	memcpy(&mac->addr_bytes[2], grp + 12, 4);
}

/** Build an IPv6 frame with an upper-layer payload of plen bytes. */
struct rte_mbuf *
ip6_frame(const struct rte_ether_addr *dst, const uint8_t src_ip[16],
	  const uint8_t dst_ip[16], uint8_t proto, uint16_t plen,
	  uint8_t **payload)
{
	struct rte_mbuf *m = frame_new(dst, RTE_ETHER_TYPE_IPV6,
		sizeof(struct rte_ether_hdr) + sizeof(struct rte_ipv6_hdr) +
		plen);
	struct rte_ipv6_hdr *ip;

	if (m == NULL)
		return NULL;
	ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv6_hdr *,
				     sizeof(struct rte_ether_hdr));
	ip->vtc_flow = rte_cpu_to_be_32(6u << 28);
	ip->payload_len = rte_cpu_to_be_16(plen);
	ip->proto = proto;
	ip->hop_limits = 255;
	memcpy(ip->src_addr, src_ip, 16);
	memcpy(ip->dst_addr, dst_ip, 16);
	*payload = (uint8_t *)(ip + 1);
	return m;
}

/** Set the checksum of an IPv6 frame's ICMPv6/UDP payload. */
void
ip6_cksum(struct rte_mbuf *m, unsigned int cks_off)
{
	struct rte_ipv6_hdr *ip = rte_pktmbuf_mtod_offset(m,
		struct rte_ipv6_hdr *, sizeof(struct rte_ether_hdr));
	uint8_t *l4 = (uint8_t *)(ip + 1);

	l4[cks_off] = 0;
	l4[cks_off + 1] = 0;
	*(uint16_t *)(l4 + cks_off) = rte_ipv6_udptcp_cksum(ip, l4);
}

/** The value of an xstat by name (absent: a failure, UINT64_MAX). */
uint64_t
xstat(const char *name)
{
	return ipoib_test_xstat(port, name);
}

/** Print every xstat that is not zero. */
void
xstats_print(void)
{
	struct rte_eth_xstat_name names[128];
	struct rte_eth_xstat xs[128];
	int n = rte_eth_xstats_get_names(port, names, 128), i;

	if (n > 128 || rte_eth_xstats_get(port, xs, n) != n)
		return;
	for (i = 0; i < n; i++)
		if (xs[i].value != 0)
			printf("xstat %s %" PRIu64 "\n", names[i].name,
			       xs[i].value);
}
