/* SPDX-License-Identifier: BSD-3-Clause */

/**
 * @file
 * IGMP and MLD snooping of mode=eth: the membership reports and leaves an
 * application transmits (IGMPv1/v2/v3, MLDv1/v2) become joins and leaves
 * of the matching IPoIB groups, as an Ethernet switch follows its hosts'
 * reports. The data path only reads and checks the message (lengths,
 * checksums, record counts) and hands one request per group to the
 * multicast thread through a ring (ipoib_mcast.c), which talks to the
 * SA. Nothing is written to the packet; it is sent on as addressed.
 */

#include <string.h>

#include <rte_byteorder.h>
#include <rte_ip.h>

#include "ipoib_dp.h"
#include "ipoib_eth.h"

#define IPOIB_IPPROTO_IGMP 2
#define IPOIB_IPPROTO_HOPOPTS 0
#define IPOIB_IPPROTO_DSTOPTS 60
#define IPOIB_IPPROTO_ICMPV6 58

#define IPOIB_IGMP_V1_REPORT 0x12
#define IPOIB_IGMP_V2_REPORT 0x16
#define IPOIB_IGMP_LEAVE 0x17
#define IPOIB_IGMP_V3_REPORT 0x22

#define IPOIB_MLD_V1_REPORT 131
#define IPOIB_MLD_V1_DONE 132
#define IPOIB_MLD_V2_REPORT 143

/* group record types (RFC 3376 4.2.12, RFC 3810 5.2.12) */
#define IPOIB_REC_IS_INCLUDE 1
#define IPOIB_REC_IS_EXCLUDE 2
#define IPOIB_REC_TO_INCLUDE 3
#define IPOIB_REC_TO_EXCLUDE 4
#define IPOIB_REC_ALLOW 5

/** What a group record asks for. */
enum ipoib_snoop_want { SNOOP_NONE, SNOOP_JOIN, SNOOP_LEAVE };

/**
 * What a v3/v2 group record asks of the IPoIB group: EXCLUDE (any
 * sources) is a join, INCLUDE or ALLOW of some sources is a join too (IB
 * cannot filter by source), INCLUDE of no sources is a leave; BLOCK and
 * unknown record types change nothing.
 *
 * @param type  the record type
 * @param nsrc  its number of sources
 */
static enum ipoib_snoop_want
ipoib_snoop_record_want(uint8_t type, uint16_t nsrc)
{
	switch (type) {
	case IPOIB_REC_IS_EXCLUDE:
	case IPOIB_REC_TO_EXCLUDE:
		return SNOOP_JOIN;
	case IPOIB_REC_IS_INCLUDE:
	case IPOIB_REC_TO_INCLUDE:
		return nsrc == 0 ? SNOOP_LEAVE : SNOOP_JOIN;
	case IPOIB_REC_ALLOW:
		return nsrc == 0 ? SNOOP_NONE : SNOOP_JOIN;
	default:
		return SNOOP_NONE;
	}
}

/**
 * Hand one join or leave to the multicast thread (a full ring drops the
 * request, counted; the application's next report asks again).
 */
static void
ipoib_snoop_request(struct ipoib_eth *eth, struct ipoib_eth_txq *q,
		    enum ipoib_snoop_want want, const union hca_gid *mgid)
{
	struct ipoib_eth_snoop_req r = {
		.mgid = *mgid,
		.join = want == SNOOP_JOIN,
	};

	if (want == SNOOP_NONE)
		return;
	if (eth->mc_snoop == NULL ||
	    rte_ring_mp_enqueue_elem(eth->mc_snoop, &r, sizeof(r)) != 0)
		q->st.snoop_dropped++;
}

/** Request a join/leave of an IPv4 group (network order); 224/4 only. */
static void
ipoib_snoop_ipv4_group(struct ipoib_eth *eth, struct ipoib_eth_txq *q,
		       enum ipoib_snoop_want want, const uint8_t *group)
{
	union hca_gid mgid;
	uint32_t g;

	memcpy(&g, group, sizeof(g));
	if ((group[0] & 0xf0) != 0xe0)
		return;
	ipoib_mgid_of_ipv4(g, &eth->priv->bcast_mgid, &mgid);
	ipoib_snoop_request(eth, q, want, &mgid);
}

/** Request a join/leave of an IPv6 group; ff00::/8 only. */
static void
ipoib_snoop_ipv6_group(struct ipoib_eth *eth, struct ipoib_eth_txq *q,
		       enum ipoib_snoop_want want, const uint8_t *group)
{
	union hca_gid mgid;

	if (group[0] != 0xff)
		return;
	ipoib_mgid_of_ipv6(group, &eth->priv->bcast_mgid, &mgid);
	ipoib_snoop_request(eth, q, want, &mgid);
}

/**
 * Walk the group records of an IGMPv3 or MLDv2 report (every length
 * checked against the message before any request is made).
 *
 * @param msg    the report
 * @param len    its length
 * @param glen   length of a group address (4 or 16)
 * @param rec0   offset of the first record (8 for both)
 * @return false when a record does not fit the message
 */
static bool
ipoib_snoop_records(struct ipoib_eth *eth, struct ipoib_eth_txq *q,
		    const uint8_t *msg, uint32_t len, uint32_t glen,
		    uint32_t rec0)
{
	uint16_t nrec = (uint16_t)(msg[6] << 8 | msg[7]);
	uint32_t pos, i, pass;

	for (pass = 0; pass < 2; pass++) {
		pos = rec0;
		for (i = 0; i < nrec; i++) {
			uint16_t nsrc;
			uint32_t rlen;

			if (len - pos < 4 + glen)
				return false;
			nsrc = (uint16_t)(msg[pos + 2] << 8 | msg[pos + 3]);
			rlen = 4 + glen + (uint32_t)nsrc * glen +
				msg[pos + 1] * 4u;
			if (rlen > len - pos)
				return false;
			if (pass == 1) {
				enum ipoib_snoop_want w =
					ipoib_snoop_record_want(msg[pos],
								nsrc);

				if (glen == 4)
					ipoib_snoop_ipv4_group(eth, q, w,
							msg + pos + 4);
				else
					ipoib_snoop_ipv6_group(eth, q, w,
							msg + pos + 4);
			}
			pos += rlen;
		}
	}
	return true;
}

/**
 * Snoop an IPv4 packet: IGMP reports and leaves.
 *
 * @param ip   the IPv4 header
 * @param len  bytes of the frame from it on
 * @return false for a malformed IGMP message
 */
static bool
ipoib_snoop_ipv4(struct ipoib_eth *eth, struct ipoib_eth_txq *q,
		 const uint8_t *ip, uint32_t len)
{
	uint32_t ihl, total, glen;
	const uint8_t *igmp;

	if (len < sizeof(struct rte_ipv4_hdr) || ip[9] != IPOIB_IPPROTO_IGMP)
		return true;
	ihl = (ip[0] & 0xf) * 4u;
	total = (uint32_t)(ip[2] << 8 | ip[3]);
	if ((ip[0] >> 4) != 4 || ihl < sizeof(struct rte_ipv4_hdr) ||
	    total > len || total < ihl + 8 ||
	    rte_raw_cksum(ip, ihl) != 0xffff)
		return false;
	igmp = ip + ihl;
	glen = total - ihl;
	switch (igmp[0]) {
	case IPOIB_IGMP_V1_REPORT:
	case IPOIB_IGMP_V2_REPORT:
	case IPOIB_IGMP_LEAVE:
	case IPOIB_IGMP_V3_REPORT:
		break;
	default:
		return true; /* queries and others: not snooped */
	}
	if (rte_raw_cksum(igmp, glen) != 0xffff)
		return false;
	if (igmp[0] == IPOIB_IGMP_V3_REPORT)
		return ipoib_snoop_records(eth, q, igmp, glen, 4, 8);
	ipoib_snoop_ipv4_group(eth, q, igmp[0] == IPOIB_IGMP_LEAVE ?
			       SNOOP_LEAVE : SNOOP_JOIN, igmp + 4);
	return true;
}

/**
 * Whether an ICMPv6 message's checksum is right (pseudo header with the
 * upper-layer length, RFC 8200 8.1, and next header 58).
 */
static bool
ipoib_snoop_icmp6_cksum_ok(const uint8_t *ip, const uint8_t *icmp,
			   uint32_t len)
{
	struct {
		rte_be32_t len;
		uint8_t zero[3];
		uint8_t nh;
	} ph = { .len = rte_cpu_to_be_32(len), .nh = IPOIB_IPPROTO_ICMPV6 };
	uint32_t sum;

	sum = __rte_raw_cksum(ip + 8, 32, 0);   /* source, destination */
	sum = __rte_raw_cksum(&ph, sizeof(ph), sum);
	sum = __rte_raw_cksum(icmp, len, sum);
	return __rte_raw_cksum_reduce(sum) == 0xffff;
}

/**
 * Snoop an IPv6 packet: MLD reports and dones behind hop-by-hop and
 * destination options headers.
 *
 * @param ip   the IPv6 header
 * @param len  bytes of the frame from it on
 * @return false for a malformed MLD message (or its headers)
 */
static bool
ipoib_snoop_ipv6(struct ipoib_eth *eth, struct ipoib_eth_txq *q,
		 const uint8_t *ip, uint32_t len)
{
	uint32_t plen, pos = sizeof(struct rte_ipv6_hdr), end, lim, mlen;
	uint8_t nh;
	const uint8_t *mld;

	if (len < sizeof(struct rte_ipv6_hdr))
		return true;
	nh = ip[6];
	if (nh != IPOIB_IPPROTO_HOPOPTS && nh != IPOIB_IPPROTO_ICMPV6)
		return true;
	plen = (uint32_t)(ip[4] << 8 | ip[5]);
	end = pos + plen;
	lim = RTE_MIN(end, len);
	while (nh == IPOIB_IPPROTO_HOPOPTS || nh == IPOIB_IPPROTO_DSTOPTS) {
		uint32_t hlen;

		if (lim < pos + 8 || lim < pos + (ip[pos + 1] + 1u) * 8)
			return end > len; /* broken, or beyond the segment */
		hlen = (ip[pos + 1] + 1u) * 8;
		nh = ip[pos];
		pos += hlen;
	}
	if (nh != IPOIB_IPPROTO_ICMPV6 || lim < pos + 1)
		return true;
	if (ip[pos] != IPOIB_MLD_V1_REPORT && ip[pos] != IPOIB_MLD_V1_DONE &&
	    ip[pos] != IPOIB_MLD_V2_REPORT)
		return true;
	if (end > len) /* truncated, or not in the first segment */
		return false;
	mld = ip + pos;
	mlen = end - pos;
	if (mlen < (mld[0] == IPOIB_MLD_V2_REPORT ? 8u : 24u) ||
	    !ipoib_snoop_icmp6_cksum_ok(ip, mld, mlen))
		return false;
	if (mld[0] == IPOIB_MLD_V2_REPORT)
		return ipoib_snoop_records(eth, q, mld, mlen, 16, 8);
	ipoib_snoop_ipv6_group(eth, q, mld[0] == IPOIB_MLD_V1_DONE ?
			       SNOOP_LEAVE : SNOOP_JOIN, mld + 8);
	return true;
}

/**
 * Snoop a multicast frame being sent (data path: reads only; a request
 * per group record into a ring, never a wait).
 *
 * @param m  the Ethernet frame (at least an Ethernet header long)
 * @return false when it holds a malformed IGMP/MLD message (counted;
 *         the caller drops it)
 */
bool
ipoib_snoop_tx(struct ipoib_eth *eth, struct ipoib_eth_txq *q,
	       const struct rte_mbuf *m)
{
	const struct rte_ether_hdr *eh =
		rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	const uint8_t *l3 = (const uint8_t *)(eh + 1);
	uint32_t len = m->data_len - RTE_ETHER_HDR_LEN;
	bool ok = true;

	if (eh->ether_type == RTE_BE16(RTE_ETHER_TYPE_IPV4))
		ok = ipoib_snoop_ipv4(eth, q, l3, len);
	else if (eh->ether_type == RTE_BE16(RTE_ETHER_TYPE_IPV6))
		ok = ipoib_snoop_ipv6(eth, q, l3, len);
	if (!ok)
		q->st.snoop_malformed++;
	return ok;
}
