/* SPDX-License-Identifier: BSD-3-Clause */

/**
 * @file
 * ICMP and ICMPv6 messages of ipoib-fwd: errors (time exceeded,
 * destination unreachable) rate-limited per lcore by a token bucket,
 * and echo replies for the router's own addresses.
 *
 * An error goes back out of the port the packet came in on, to the
 * Ethernet source of that packet (the previous hop), from the port's
 * address on the source's subnet (else its first address).
 */

#include <string.h>

#include <rte_cycles.h>
#include <rte_icmp.h>
#include <rte_ip.h>

#include "fwd.h"
#include "fwd_icmp.h"
#include "fwd_port.h"
#include "fwd_tx.h"

#define ICMP4_MAX_QUOTE 548       /* 576 - IPv4 header - ICMP header */
#define ICMP6_MAX_QUOTE 1232      /* 1280 - IPv6 header - ICMPv6 header */
#define ICMP_BURST 10             /* tokens at most */

/**
 * Take a token from the lcore's ICMP bucket (refilled at --icmp-rate per
 * second, at most ICMP_BURST).
 *
 * @return true when an error may be sent now
 */
static bool
icmp_allowed(struct fwd_lcore *lc)
{
	uint64_t hz = rte_get_timer_hz(), now = rte_get_timer_cycles();
	uint64_t cap = (uint64_t)ICMP_BURST * hz;

	if (fwd_cfg.icmp_rate == 0)
		return false;
	if (lc->icmp_last == 0) {
		lc->icmp_tokens = cap;
	} else {
		lc->icmp_tokens += (now - lc->icmp_last) * fwd_cfg.icmp_rate;
		if (lc->icmp_tokens > cap)
			lc->icmp_tokens = cap;
	}
	lc->icmp_last = now;
	if (lc->icmp_tokens < hz)
		return false;
	lc->icmp_tokens -= hz;
	return true;
}

/**
 * Whether an IPv4 packet may be answered with an error: not itself an
 * ICMP error, not a later fragment, from a unicast source.
 */
static bool
ipv4_error_allowed(const struct rte_ipv4_hdr *ip, uint32_t avail)
{
	uint32_t ihl = (ip->version_ihl & 0xf) * 4u;
	const uint8_t *src = (const uint8_t *)&ip->src_addr;
	const struct rte_icmp_hdr *ic;

	if (src[0] == 0 || src[0] >= 224 || src[0] == 127)
		return false;
	if ((rte_be_to_cpu_16(ip->fragment_offset) &
	     RTE_IPV4_HDR_OFFSET_MASK) != 0)
		return false;
	if (ip->next_proto_id != IPPROTO_ICMP)
		return true;
	if (avail < ihl + sizeof(*ic))
		return false;
	ic = (const struct rte_icmp_hdr *)((const uint8_t *)ip + ihl);
	return ic->icmp_type == RTE_IP_ICMP_ECHO_REQUEST ||
		ic->icmp_type == RTE_IP_ICMP_ECHO_REPLY;
}

/**
 * Whether an IPv6 packet may be answered with an error: not an ICMPv6
 * error, from a unicast source.
 */
static bool
ipv6_error_allowed(const struct rte_ipv6_hdr *ip6, uint32_t avail)
{
	static const uint8_t zero[16];
	const uint8_t *icmp = (const uint8_t *)(ip6 + 1);

	if (ip6->src_addr[0] == 0xff || memcmp(ip6->src_addr, zero, 16) == 0)
		return false;
	if (ip6->proto != IPPROTO_ICMPV6)
		return true;
	return avail >= sizeof(*ip6) + 4 && icmp[0] >= 128;
}

/**
 * Build the Ethernet header of a reply to a packet: back to its source.
 */
static void
reply_ether(struct rte_ether_hdr *out, const struct rte_ether_hdr *in,
	    uint16_t port, uint16_t type)
{
	out->dst_addr = in->src_addr;
	out->src_addr = fwd_cfg.ports[port].mac;
	out->ether_type = rte_cpu_to_be_16(type);
}

/**
 * Build an ICMPv4 error about packet m into r.
 *
 * @return 0, or -1 when the port has no IPv4 address
 */
static int
icmp4_build(struct rte_mbuf *r, const struct rte_mbuf *m, uint16_t port,
	    uint8_t type, uint8_t code)
{
	const struct rte_ether_hdr *ein =
		rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	const struct rte_ipv4_hdr *in = (const void *)(ein + 1);
	uint32_t quote = m->data_len - RTE_ETHER_HDR_LEN;
	const struct fwd_addr *src;
	struct rte_ether_hdr *eh;
	struct rte_ipv4_hdr *ip;
	struct rte_icmp_hdr *ic;
	uint32_t len;

	src = fwd_port_addr_for(port, 4, (const uint8_t *)&in->src_addr);
	if (src == NULL)
		return -1;
	quote = RTE_MIN(quote, (uint32_t)ICMP4_MAX_QUOTE);
	len = RTE_ETHER_HDR_LEN + sizeof(*ip) + sizeof(*ic) + quote;
	eh = (struct rte_ether_hdr *)rte_pktmbuf_append(r, (uint16_t)len);
	if (eh == NULL)
		return -1;
	reply_ether(eh, ein, port, RTE_ETHER_TYPE_IPV4);
	ip = (struct rte_ipv4_hdr *)(eh + 1);
	memset(ip, 0, sizeof(*ip));
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->total_length =
		rte_cpu_to_be_16((uint16_t)(len - RTE_ETHER_HDR_LEN));
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_ICMP;
	memcpy(&ip->src_addr, src->ip, 4);
	ip->dst_addr = in->src_addr;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	ic = (struct rte_icmp_hdr *)(ip + 1);
	memset(ic, 0, sizeof(*ic));
	ic->icmp_type = type;
	ic->icmp_code = code;
	memcpy(ic + 1, in, quote);
	ic->icmp_cksum = (uint16_t)~rte_raw_cksum(ic, sizeof(*ic) + quote);
	return 0;
}

/**
 * Build an ICMPv6 error about packet m into r.
 *
 * @return 0, or -1 when the port has no IPv6 address
 */
static int
icmp6_build(struct rte_mbuf *r, const struct rte_mbuf *m, uint16_t port,
	    uint8_t type, uint8_t code)
{
	const struct rte_ether_hdr *ein =
		rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	const struct rte_ipv6_hdr *in = (const void *)(ein + 1);
	uint32_t quote = m->data_len - RTE_ETHER_HDR_LEN;
	const struct fwd_addr *src;
	struct rte_ether_hdr *eh;
	struct rte_ipv6_hdr *ip6;
	uint8_t *ic;
	uint32_t len;

	src = fwd_port_addr_for(port, 6, in->src_addr);
	if (src == NULL)
		return -1;
	quote = RTE_MIN(quote, (uint32_t)ICMP6_MAX_QUOTE);
	len = RTE_ETHER_HDR_LEN + sizeof(*ip6) + 8 + quote;
	eh = (struct rte_ether_hdr *)rte_pktmbuf_append(r, (uint16_t)len);
	if (eh == NULL)
		return -1;
	reply_ether(eh, ein, port, RTE_ETHER_TYPE_IPV6);
	ip6 = (struct rte_ipv6_hdr *)(eh + 1);
	ip6->vtc_flow = rte_cpu_to_be_32(6u << 28);
	ip6->payload_len = rte_cpu_to_be_16((uint16_t)(8 + quote));
	ip6->proto = IPPROTO_ICMPV6;
	ip6->hop_limits = 64;
	memcpy(ip6->src_addr, src->ip, 16);
	memcpy(ip6->dst_addr, in->src_addr, 16);
	ic = (uint8_t *)(ip6 + 1);
	memset(ic, 0, 8);
	ic[0] = type;
	ic[1] = code;
	memcpy(ic + 8, in, quote);
	*(uint16_t *)(ic + 2) = rte_ipv6_udptcp_cksum(ip6, ic);
	return 0;
}

/**
 * Send an ICMP (family 4) or ICMPv6 (6) error about a packet back out of
 * the port it came in on, within the rate limit. The packet itself is
 * not consumed.
 */
void
fwd_icmp_error(struct fwd_lcore *lc, struct rte_mbuf *m, uint16_t port,
	       int family, uint8_t type, uint8_t code)
{
	const void *l3 = rte_pktmbuf_mtod_offset(m, const void *,
						 RTE_ETHER_HDR_LEN);
	uint32_t avail = m->data_len - RTE_ETHER_HDR_LEN;
	struct rte_mbuf *r;
	int ret;

	if (family == 4 ? !ipv4_error_allowed(l3, avail) :
	    !ipv6_error_allowed(l3, avail))
		return;
	if (!icmp_allowed(lc)) {
		lc->cnt.event[FWD_EV_ICMP_LIMITED]++;
		return;
	}
	r = rte_pktmbuf_alloc(fwd_pool);
	if (r == NULL) {
		lc->cnt.drop[FWD_DROP_NO_MBUF]++;
		return;
	}
	ret = family == 4 ? icmp4_build(r, m, port, type, code) :
		icmp6_build(r, m, port, type, code);
	if (ret != 0) {
		rte_pktmbuf_free(r);
		return;
	}
	lc->cnt.event[FWD_EV_ICMP_SENT]++;
	fwd_tx_enqueue(lc, port, r);
}

/**
 * Turn an echo request to one of the router's addresses into the reply,
 * in place.
 *
 * @return the reply (m itself), or NULL when m is not an echo request
 */
struct rte_mbuf *
fwd_icmp_echo_reply(struct rte_mbuf *m, uint16_t port, int family)
{
	struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_ether_addr mac = eh->src_addr;
	uint32_t avail = m->data_len - RTE_ETHER_HDR_LEN, tmp, ihl;
	uint8_t a6[16], *ic;

	if (family == 4) {
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eh + 1);

		ihl = (ip->version_ihl & 0xf) * 4u;
		ic = (uint8_t *)ip + ihl;
		if (ip->next_proto_id != IPPROTO_ICMP || avail < ihl + 8 ||
		    rte_be_to_cpu_16(ip->total_length) > avail ||
		    ic[0] != RTE_IP_ICMP_ECHO_REQUEST)
			return NULL;
		tmp = ip->src_addr;
		ip->src_addr = ip->dst_addr;
		ip->dst_addr = tmp;
		ip->time_to_live = 64;
		ip->hdr_checksum = 0;
		ip->hdr_checksum = rte_ipv4_cksum(ip);
		ic[0] = RTE_IP_ICMP_ECHO_REPLY;
		*(uint16_t *)(ic + 2) = 0;
		*(uint16_t *)(ic + 2) = (uint16_t)~rte_raw_cksum(ic,
			rte_be_to_cpu_16(ip->total_length) - ihl);
	} else {
		struct rte_ipv6_hdr *ip6 = (struct rte_ipv6_hdr *)(eh + 1);

		ic = (uint8_t *)(ip6 + 1);
		if (ip6->proto != IPPROTO_ICMPV6 || avail < sizeof(*ip6) + 8 ||
		    rte_be_to_cpu_16(ip6->payload_len) + sizeof(*ip6) > avail ||
		    ic[0] != 128)
			return NULL;
		memcpy(a6, ip6->src_addr, 16);
		memcpy(ip6->src_addr, ip6->dst_addr, 16);
		memcpy(ip6->dst_addr, a6, 16);
		ip6->hop_limits = 64;
		ic[0] = 129;
		*(uint16_t *)(ic + 2) = 0;
		*(uint16_t *)(ic + 2) = rte_ipv6_udptcp_cksum(ip6, ic);
	}
	eh->dst_addr = mac;
	eh->src_addr = fwd_cfg.ports[port].mac;
	return m;
}
