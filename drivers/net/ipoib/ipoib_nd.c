/* SPDX-License-Identifier: BSD-3-Clause */

/**
 * @file
 * IPv6 neighbour discovery translation of mode=eth: the source and target
 * link-layer address options of router solicitations and advertisements,
 * neighbour solicitations and advertisements and redirects are rewritten
 * between the Ethernet form (RFC 4861: type, length 1, 6-byte MAC) and
 * the IPoIB form (RFC 4391 section 9.1.1: type, length 3, 2 zero bytes,
 * 20-byte address); the IPv6 payload length and the ICMPv6 checksum are
 * fixed. Options are walked with every length checked against the
 * packet; nothing is written before the whole message was translated.
 */

#include <string.h>

#include <rte_byteorder.h>
#include <rte_ip.h>

#include "ipoib_dp.h"
#include "ipoib_eth.h"

#define IPOIB_ICMPV6 58
#define IPOIB_ND_RS 133
#define IPOIB_ND_REDIRECT 137
#define IPOIB_ND_OPT_SLLA 1
#define IPOIB_ND_OPT_TLLA 2
/** Largest ICMPv6 message translated (an IB MTU and the options' growth). */
#define IPOIB_ND_MAX 4160

/** Where the options start in each ND message (RS..redirect). */
static const uint16_t ipoib_nd_opts_at[] = { 8, 16, 24, 24, 40 };

/**
 * Locate an ND message in a packet.
 *
 * @param off   offset of the IPv6 header
 * @param plen  set to the IPv6 payload length
 * @return IPOIB_XLATE_OK with *is_nd true for ND, OK with it false for
 *         other packets, MALFORMED for a broken ND message
 */
static enum ipoib_xlate
ipoib_nd_find(const struct rte_mbuf *m, uint32_t off, uint32_t *plen,
	      bool *is_nd)
{
	const struct rte_ipv6_hdr *ip;
	const uint8_t *icmp;

	*is_nd = false;
	if (m->data_len < off + sizeof(*ip) + 1)
		return IPOIB_XLATE_OK;
	ip = rte_pktmbuf_mtod_offset(m, const struct rte_ipv6_hdr *, off);
	if (ip->proto != IPOIB_ICMPV6)
		return IPOIB_XLATE_OK;
	icmp = (const uint8_t *)(ip + 1);
	if (icmp[0] < IPOIB_ND_RS || icmp[0] > IPOIB_ND_REDIRECT)
		return IPOIB_XLATE_OK;
	*is_nd = true;
	*plen = rte_be_to_cpu_16(ip->payload_len);
	if (m->nb_segs != 1 ||
	    off + sizeof(*ip) + *plen > m->data_len ||
	    *plen < ipoib_nd_opts_at[icmp[0] - IPOIB_ND_RS])
		return IPOIB_XLATE_MALFORMED;
	return IPOIB_XLATE_OK;
}

/**
 * Put a translated ICMPv6 message back into the packet: grow or shrink
 * it, set the payload length, recompute the checksum.
 */
static enum ipoib_xlate
ipoib_nd_commit(struct rte_mbuf *m, uint32_t off, const uint8_t *msg,
		uint32_t len)
{
	struct rte_ipv6_hdr *ip =
		rte_pktmbuf_mtod_offset(m, struct rte_ipv6_hdr *, off);
	uint32_t total = off + sizeof(*ip) + len;
	uint8_t *icmp = (uint8_t *)(ip + 1);

	if (total > m->data_len &&
	    total - m->data_len > rte_pktmbuf_tailroom(m))
		return IPOIB_XLATE_NO_ROOM;
	memcpy(icmp, msg, len);
	m->data_len = (uint16_t)total;
	m->pkt_len = total;
	ip->payload_len = rte_cpu_to_be_16((uint16_t)len);
	icmp[2] = 0;
	icmp[3] = 0;
	*(uint16_t *)(icmp + 2) = rte_ipv6_udptcp_cksum(ip, icmp);
	return IPOIB_XLATE_OK;
}

/**
 * Rewrite one link-layer address option of an ND message (the option's
 * length is already checked against the message).
 *
 * @param eth     the port's Ethernet view
 * @param icmp    the ICMPv6 message
 * @param pos     offset of the option in it
 * @param len     the option's length in bytes
 * @param out     the output buffer (IPOIB_ND_MAX bytes)
 * @param olen    bytes in out: advanced by the rewritten option
 * @param sender  set to the sender's MAC where the option gives it
 *                (NULL when not wanted)
 * @return IPOIB_XLATE_OK or the reason the option cannot be translated
 */
typedef enum ipoib_xlate (*ipoib_nd_lla_fn)(const struct ipoib_eth *eth,
		const uint8_t *icmp, uint32_t pos, uint32_t len, uint8_t *out,
		uint32_t *olen, struct rte_ether_addr *sender);

/**
 * Translate an ND message: copy its fixed part and every option but the
 * link-layer address ones unchanged, rewrite those with @p lla, then put
 * the result back into the packet. A well-formed message whose ICMPv6
 * checksum is wrong is refused (BAD_CKSUM) before anything is written.
 *
 * @param m       the packet, its ND message found by ipoib_nd_find()
 * @param off     offset of the IPv6 header
 * @param plen    the IPv6 payload length (checked against the packet)
 * @param lla     rewrites one link-layer address option
 * @param sender  passed to @p lla
 * @return IPOIB_XLATE_OK, or MALFORMED, NO_ROOM, UNKNOWN, BAD_CKSUM
 */
static enum ipoib_xlate
ipoib_nd_rewrite(const struct ipoib_eth *eth, struct rte_mbuf *m,
		 uint32_t off, uint32_t plen, ipoib_nd_lla_fn lla,
		 struct rte_ether_addr *sender)
{
	uint8_t out[IPOIB_ND_MAX];
	const struct rte_ipv6_hdr *ip =
		rte_pktmbuf_mtod_offset(m, const struct rte_ipv6_hdr *, off);
	const uint8_t *icmp =
		rte_pktmbuf_mtod_offset(m, const uint8_t *, off + 40);
	uint32_t pos = ipoib_nd_opts_at[icmp[0] - IPOIB_ND_RS];
	uint32_t olen = pos;
	enum ipoib_xlate r;

	memcpy(out, icmp, pos);
	while (pos < plen) {
		uint32_t len;

		if (plen - pos < 2 || icmp[pos + 1] == 0)
			return IPOIB_XLATE_MALFORMED;
		len = icmp[pos + 1] * 8u;
		if (len > plen - pos)
			return IPOIB_XLATE_MALFORMED;
		if (icmp[pos] == IPOIB_ND_OPT_SLLA ||
		    icmp[pos] == IPOIB_ND_OPT_TLLA) {
			r = lla(eth, icmp, pos, len, out, &olen, sender);
			if (r != IPOIB_XLATE_OK)
				return r;
		} else {
			if (olen + len > sizeof(out))
				return IPOIB_XLATE_NO_ROOM;
			memcpy(out + olen, icmp + pos, len);
			olen += len;
		}
		pos += len;
	}
	/* the commit recomputes the checksum: a corrupt message must not
	 * come out with a valid one
	 */
	if (rte_ipv6_udptcp_cksum_verify(ip, icmp) != 0)
		return IPOIB_XLATE_BAD_CKSUM;
	return ipoib_nd_commit(m, off, out, olen);
}

/**
 * Rewrite an IPoIB link-layer address option (20-byte address) into the
 * Ethernet form (the peer's MAC); see ipoib_nd_lla_fn.
 */
static enum ipoib_xlate
ipoib_nd_lla_to_eth(const struct ipoib_eth *eth, const uint8_t *icmp,
		    uint32_t pos, uint32_t len, uint8_t *out, uint32_t *olen,
		    struct rte_ether_addr *sender)
{
	struct ipoib_hwaddr a;
	struct rte_ether_addr mac; /* the option's MAC is not 2-aligned */

	if (len != 24)
		return IPOIB_XLATE_MALFORMED;
	memcpy(&a, icmp + pos + 4, sizeof(a));
	a.flags = 0;
	out[*olen] = icmp[pos];
	out[*olen + 1] = 1;
	if (ipoib_eth_mac_of_addr(eth, &a, &mac) < 0)
		return IPOIB_XLATE_UNKNOWN;
	memcpy(&out[*olen + 2], &mac, RTE_ETHER_ADDR_LEN);
	if (icmp[pos] == IPOIB_ND_OPT_SLLA ||
	    icmp[0] == IPOIB_ND_RS + 3) /* NA: TLLA is the sender's */
		memcpy(sender, &out[*olen + 2], RTE_ETHER_ADDR_LEN);
	*olen += 8;
	return IPOIB_XLATE_OK;
}

/**
 * Rewrite an Ethernet link-layer address option (a MAC) into the IPoIB
 * form (the peer's 20-byte address); see ipoib_nd_lla_fn.
 */
static enum ipoib_xlate
ipoib_nd_lla_to_ib(const struct ipoib_eth *eth, const uint8_t *icmp,
		   uint32_t pos, uint32_t len, uint8_t *out, uint32_t *olen,
		   struct rte_ether_addr *sender)
{
	struct ipoib_hwaddr a;
	struct rte_ether_addr mac; /* the option's MAC is not 2-aligned */

	RTE_SET_USED(sender);
	if (len != 8)
		return IPOIB_XLATE_MALFORMED;
	if (*olen + 24 > IPOIB_ND_MAX)
		return IPOIB_XLATE_NO_ROOM;
	memcpy(&mac, icmp + pos + 2, RTE_ETHER_ADDR_LEN);
	if (ipoib_eth_addr_of_mac(eth, &mac, &a) < 0)
		return IPOIB_XLATE_UNKNOWN;
	out[*olen] = icmp[pos];
	out[*olen + 1] = 3;
	out[*olen + 2] = 0;
	out[*olen + 3] = 0;
	memcpy(out + *olen + 4, &a, sizeof(a));
	*olen += 24;
	return IPOIB_XLATE_OK;
}

enum ipoib_xlate
ipoib_nd_to_eth(const struct ipoib_eth *eth, struct rte_mbuf *m,
		uint32_t off, struct rte_ether_addr *sender, bool *is_nd)
{
	uint32_t plen = 0;
	enum ipoib_xlate r = ipoib_nd_find(m, off, &plen, is_nd);

	if (r != IPOIB_XLATE_OK || !*is_nd)
		return r;
	if (plen > IPOIB_ND_MAX)
		return IPOIB_XLATE_MALFORMED;
	return ipoib_nd_rewrite(eth, m, off, plen, ipoib_nd_lla_to_eth,
				sender);
}

enum ipoib_xlate
ipoib_nd_to_ib(const struct ipoib_eth *eth, struct rte_mbuf *m,
	       uint32_t off, bool *is_nd)
{
	uint32_t plen = 0;
	enum ipoib_xlate r = ipoib_nd_find(m, off, &plen, is_nd);

	if (r != IPOIB_XLATE_OK || !*is_nd)
		return r;
	return ipoib_nd_rewrite(eth, m, off, plen, ipoib_nd_lla_to_ib, NULL);
}
