/* SPDX-License-Identifier: BSD-3-Clause */

/**
 * @file
 * The l3 engine of ipoib-fwd: an IPv4 and IPv6 router. Routes live in
 * rte_lpm / rte_lpm6 (written at start, read-only afterwards); their next
 * hops index a table of (port, gateway). Packets are checked, the
 * TTL/hop limit decremented (IPv4 checksum updated incrementally,
 * RFC 1624), the Ethernet header rewritten from the neighbour table
 * (fwd_neigh.c, which hands held and handed-over packets back through
 * the callbacks given at setup).
 */

#include <stdio.h>
#include <string.h>

#include <rte_ethdev.h>
#include <rte_icmp.h>
#include <rte_lpm.h>
#include <rte_lpm6.h>
#include <rte_prefetch.h>

#include "fwd.h"
#include "fwd_addr.h"
#include "fwd_engine.h"
#include "fwd_icmp.h"
#include "fwd_neigh.h"
#include "fwd_port.h"
#include "fwd_tx.h"

static struct rte_lpm *lpm4;
static struct rte_lpm6 *lpm6;
static struct fwd_nexthop nexthops[FWD_MAX_NEXTHOPS];
static unsigned int nb_nexthops;

/**
 * The index of a next hop, added when new.
 *
 * @return the index, or -1 when the table is full
 */
static int
nexthop_index(uint16_t port, bool has_gateway, const uint8_t *gw)
{
	unsigned int i;

	for (i = 0; i < nb_nexthops; i++) {
		const struct fwd_nexthop *nh = &nexthops[i];

		if (nh->port == port && nh->has_gateway == has_gateway &&
		    (!has_gateway || memcmp(nh->gateway, gw, 16) == 0))
			return (int)i;
	}
	if (nb_nexthops == FWD_MAX_NEXTHOPS)
		return -1;
	nexthops[nb_nexthops].port = port;
	nexthops[nb_nexthops].has_gateway = has_gateway;
	if (has_gateway)
		memcpy(nexthops[nb_nexthops].gateway, gw, 16);
	return (int)nb_nexthops++;
}

/**
 * Add a prefix to the LPM table of its family.
 *
 * @return 0 or a negative errno
 */
static int
lpm_add(const struct fwd_addr *prefix, uint32_t nh)
{
	uint32_t ip;

	if (prefix->family == 4) {
		memcpy(&ip, prefix->ip, 4);
		return rte_lpm_add(lpm4, rte_be_to_cpu_32(ip), prefix->depth,
				   nh);
	}
	return rte_lpm6_add(lpm6, prefix->ip, prefix->depth, nh);
}

/**
 * Look a destination up.
 *
 * @param nh  set to the next hop
 * @return 0, or -ENOENT when there is no route
 */
static int
l3_route4(const uint8_t ip[4], struct fwd_nexthop **nh)
{
	uint32_t a, idx;

	memcpy(&a, ip, 4);
	if (rte_lpm_lookup(lpm4, rte_be_to_cpu_32(a), &idx) != 0)
		return -ENOENT;
	*nh = &nexthops[idx];
	return 0;
}

/** As l3_route4(), for IPv6. */
static int
l3_route6(const uint8_t ip[16], struct fwd_nexthop **nh)
{
	uint32_t idx;

	if (rte_lpm6_lookup(lpm6, ip, &idx) != 0)
		return -ENOENT;
	*nh = &nexthops[idx];
	return 0;
}

/**
 * Add the connected routes (every port address's subnet).
 *
 * @return 0, or -1 (message printed)
 */
static int
add_connected_routes(void)
{
	char buf[64];
	unsigned int p, i;
	int nh;

	for (p = 0; p < fwd_cfg.nb_ports; p++) {
		const struct fwd_port *fp = &fwd_cfg.ports[p];
		struct fwd_addr all[2 * FWD_MAX_ADDRS];
		unsigned int n = 0;

		for (i = 0; i < fp->nb_addr4; i++)
			all[n++] = fp->addr4[i];
		for (i = 0; i < fp->nb_addr6; i++)
			all[n++] = fp->addr6[i];
		for (i = 0; i < n; i++) {
			nh = nexthop_index((uint16_t)p, false, NULL);
			if (nh < 0 || lpm_add(&all[i], (uint32_t)nh) != 0) {
				fprintf(stderr, "%s: cannot add the connected "
					"route of %s on port %u\n", FWD_NAME,
					fwd_addr_str(&all[i], buf, sizeof(buf)),
					p);
				return -1;
			}
		}
	}
	return 0;
}

/**
 * The port through which a gateway is reached (its connected route).
 *
 * @return the port, or -1
 */
static int
gateway_port(const struct fwd_route *r)
{
	struct fwd_nexthop *nh;
	int ret;

	ret = r->prefix.family == 4 ? l3_route4(r->gateway, &nh) :
		l3_route6(r->gateway, &nh);
	if (ret != 0 || nh->has_gateway)
		return -1;
	return nh->port;
}

/**
 * Add the configured routes; a gateway must be on a port's subnet.
 *
 * @return 0, or -1 (message printed with the config line)
 */
static int
add_configured_routes(void)
{
	struct fwd_addr gw;
	char where[64], b1[64], b2[64];
	unsigned int i;
	int port, nh;

	for (i = 0; i < fwd_cfg.nb_routes; i++) {
		const struct fwd_route *r = &fwd_cfg.routes[i];

		if (r->line != 0)
			snprintf(where, sizeof(where), "%s:%u",
				 fwd_cfg.config_file, r->line);
		else
			snprintf(where, sizeof(where), "--route");
		port = r->port;
		if (r->has_gateway && r->port == UINT16_MAX)
			port = gateway_port(r);
		memset(&gw, 0, sizeof(gw));
		gw.family = r->prefix.family;
		gw.depth = gw.family == 4 ? 32 : 128;
		memcpy(gw.ip, r->gateway, 16);
		if (port < 0) {
			fprintf(stderr, "%s: %s: gateway %s of %s is on no "
				"port's subnet\n", FWD_NAME, where,
				fwd_addr_str(&gw, b1, sizeof(b1)),
				fwd_addr_str(&r->prefix, b2, sizeof(b2)));
			return -1;
		}
		nh = nexthop_index((uint16_t)port, r->has_gateway, r->gateway);
		if (nh < 0 || lpm_add(&r->prefix, (uint32_t)nh) != 0) {
			fprintf(stderr, "%s: %s: cannot add route %s (table "
				"full?)\n", FWD_NAME, where,
				fwd_addr_str(&r->prefix, b2, sizeof(b2)));
			return -1;
		}
	}
	return 0;
}

/**
 * Create the route tables and fill them.
 *
 * @return 0, or -1 (message printed)
 */
static int
l3_routes_init(void)
{
	struct rte_lpm_config c4 = {
		.max_rules = FWD_MAX_ROUTES * 2,
		.number_tbl8s = 256,
	};
	struct rte_lpm6_config c6 = {
		.max_rules = FWD_MAX_ROUTES * 2,
		.number_tbl8s = 1 << 12,
	};

	lpm4 = rte_lpm_create("fwd_lpm4", (int)rte_socket_id(), &c4);
	lpm6 = rte_lpm6_create("fwd_lpm6", (int)rte_socket_id(), &c6);
	if (lpm4 == NULL || lpm6 == NULL) {
		fprintf(stderr, "%s: cannot create the route tables: %s\n",
			FWD_NAME, rte_strerror(rte_errno));
		return -1;
	}
	if (add_connected_routes() != 0 || add_configured_routes() != 0)
		return -1;
	return 0;
}

/** Free the route tables. */
static void
l3_routes_free(void)
{
	rte_lpm_free(lpm4);
	rte_lpm6_free(lpm6);
	lpm4 = NULL;
	lpm6 = NULL;
}

/**
 * Decrement an IPv4 TTL, updating the header checksum incrementally
 * (RFC 1624: HC' = ~(~HC + ~m + m') over the TTL/protocol word).
 */
static inline void
ipv4_decrement_ttl(struct rte_ipv4_hdr *ip)
{
	uint16_t old = rte_be_to_cpu_16(*(uint16_t *)&ip->time_to_live);
	uint16_t new = (uint16_t)(old - 0x0100);
	uint32_t sum;

	ip->time_to_live--;
	sum = (uint16_t)~rte_be_to_cpu_16(ip->hdr_checksum);
	sum += (uint16_t)~old;
	sum += new;
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	ip->hdr_checksum = rte_cpu_to_be_16((uint16_t)~sum);
}

/**
 * Send a routed packet to a next hop whose MAC is known, or hold it
 * until it is resolved (on the main lcore; other lcores hand it over).
 *
 * Also the neighbour module's "resolved" callback.
 *
 * @param hop  the next hop's address (IPv4 in the first 4 bytes)
 */
static void
l3_send(struct fwd_lcore *lc, struct rte_mbuf *m, uint16_t port,
	int family, const uint8_t *hop)
{
	struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_ether_addr mac;

	if (fwd_neigh_lookup(port, family, hop, &mac) != 0) {
		if (lc->is_main)
			fwd_neigh_hold(lc, m, port, family, hop);
		else
			fwd_neigh_punt(lc, m);
		return;
	}
	if (family == 4)
		ipv4_decrement_ttl((struct rte_ipv4_hdr *)(eh + 1));
	else
		((struct rte_ipv6_hdr *)(eh + 1))->hop_limits--;
	eh->dst_addr = mac;
	eh->src_addr = fwd_cfg.ports[port].mac;
	fwd_tx_enqueue(lc, port, m);
}

/** Whether an address belongs to any port. */
static bool
is_local(int family, const uint8_t *ip)
{
	unsigned int p;

	for (p = 0; p < fwd_cfg.nb_ports; p++)
		if (fwd_port_owns((uint16_t)p, family, ip))
			return true;
	return false;
}

/**
 * Answer a packet to the router itself: echo requests get a reply,
 * anything else is dropped (local).
 */
static void
l3_local(struct fwd_lcore *lc, struct rte_mbuf *m, uint16_t port, int family)
{
	struct rte_mbuf *r = fwd_icmp_echo_reply(m, port, family);

	if (r == NULL) {
		fwd_drop(lc, m, FWD_DROP_LOCAL);
		return;
	}
	lc->cnt.event[FWD_EV_ECHO_REPLIES]++;
	fwd_tx_enqueue(lc, port, r);
}

/**
 * Check an IPv4 header: version, length, checksum; trims link padding.
 *
 * @return true when it may be routed
 */
static bool
ipv4_valid(struct rte_mbuf *m, struct rte_ipv4_hdr *ip)
{
	uint32_t avail = m->data_len - RTE_ETHER_HDR_LEN;
	uint32_t ihl = (ip->version_ihl & 0xf) * 4u;
	uint32_t tot = rte_be_to_cpu_16(ip->total_length);

	if (avail < sizeof(*ip) || (ip->version_ihl >> 4) != 4 ||
	    ihl < sizeof(*ip) || ihl > avail || tot < ihl ||
	    tot > m->pkt_len - RTE_ETHER_HDR_LEN)
		return false;
	if (rte_raw_cksum(ip, ihl) != 0xffff)
		return false;
	if (m->pkt_len > tot + RTE_ETHER_HDR_LEN)
		rte_pktmbuf_trim(m, m->pkt_len - tot - RTE_ETHER_HDR_LEN);
	return true;
}

/**
 * Route one IPv4 packet.
 */
static void
l3_ipv4(struct fwd_lcore *lc, struct rte_mbuf *m, uint16_t port)
{
	struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m,
		struct rte_ipv4_hdr *, RTE_ETHER_HDR_LEN);
	uint8_t *dst = (uint8_t *)&ip->dst_addr;
	uint8_t *src = (uint8_t *)&ip->src_addr;
	struct fwd_nexthop *nh;

	if (!ipv4_valid(m, ip)) {
		fwd_drop(lc, m, FWD_DROP_MALFORMED);
		return;
	}
	if (is_local(4, dst)) {
		l3_local(lc, m, port, 4);
		return;
	}
	if (dst[0] >= 224 || src[0] >= 224 || dst[0] == 0 || src[0] == 127 ||
	    dst[0] == 127) {
		fwd_drop(lc, m, FWD_DROP_NOT_FORWARDED);
		return;
	}
	if (ip->time_to_live <= 1) {
		fwd_icmp_error(lc, m, port, 4, FWD_ICMP_TIME_EXCEEDED, 0);
		fwd_drop(lc, m, FWD_DROP_TTL_EXCEEDED);
		return;
	}
	if (l3_route4(dst, &nh) != 0) {
		fwd_icmp_error(lc, m, port, 4, FWD_ICMP_DEST_UNREACH, 0);
		fwd_drop(lc, m, FWD_DROP_NO_ROUTE);
		return;
	}
	l3_send(lc, m, nh->port, 4, nh->has_gateway ? nh->gateway : dst);
}

/** Whether an IPv6 address is link-local (fe80::/10). */
static inline bool
ipv6_link_local(const uint8_t *a)
{
	return a[0] == 0xfe && (a[1] & 0xc0) == 0x80;
}

/** Whether an IPv6 packet is neighbour discovery (ICMPv6 133..137). */
static inline bool
ipv6_is_nd(struct rte_mbuf *m, const struct rte_ipv6_hdr *ip6)
{
	const uint8_t *icmp = (const uint8_t *)(ip6 + 1);

	return ip6->proto == IPPROTO_ICMPV6 &&
		m->data_len >= RTE_ETHER_HDR_LEN + sizeof(*ip6) + 4 &&
		icmp[0] >= 133 && icmp[0] <= 137;
}

/**
 * Route one IPv6 packet (neighbour discovery goes to the main lcore).
 */
static void
l3_ipv6(struct fwd_lcore *lc, struct rte_mbuf *m, uint16_t port)
{
	struct rte_ipv6_hdr *ip6 = rte_pktmbuf_mtod_offset(m,
		struct rte_ipv6_hdr *, RTE_ETHER_HDR_LEN);
	uint32_t plen, avail = m->pkt_len - RTE_ETHER_HDR_LEN;
	struct fwd_nexthop *nh;

	if (m->data_len < RTE_ETHER_HDR_LEN + sizeof(*ip6) ||
	    (rte_be_to_cpu_32(ip6->vtc_flow) >> 28) != 6) {
		fwd_drop(lc, m, FWD_DROP_MALFORMED);
		return;
	}
	plen = rte_be_to_cpu_16(ip6->payload_len);
	if (plen + sizeof(*ip6) > avail || ip6->src_addr[0] == 0xff) {
		fwd_drop(lc, m, FWD_DROP_MALFORMED);
		return;
	}
	if (avail > plen + sizeof(*ip6))
		rte_pktmbuf_trim(m, avail - plen - (uint32_t)sizeof(*ip6));
	if (ipv6_is_nd(m, ip6)) {
		fwd_neigh_punt(lc, m);
		return;
	}
	if (is_local(6, ip6->dst_addr)) {
		l3_local(lc, m, port, 6);
		return;
	}
	if (ip6->dst_addr[0] == 0xff || ipv6_link_local(ip6->dst_addr) ||
	    ipv6_link_local(ip6->src_addr)) {
		fwd_drop(lc, m, FWD_DROP_NOT_FORWARDED);
		return;
	}
	if (ip6->hop_limits <= 1) {
		fwd_icmp_error(lc, m, port, 6, 3, 0);
		fwd_drop(lc, m, FWD_DROP_TTL_EXCEEDED);
		return;
	}
	if (l3_route6(ip6->dst_addr, &nh) != 0) {
		fwd_icmp_error(lc, m, port, 6, 1, 0);
		fwd_drop(lc, m, FWD_DROP_NO_ROUTE);
		return;
	}
	l3_send(lc, m, nh->port, 6,
		nh->has_gateway ? nh->gateway : ip6->dst_addr);
}

/**
 * Route one packet received on a port.
 */
static void
l3_one(struct fwd_lcore *lc, struct rte_mbuf *m, uint16_t port)
{
	struct rte_ether_hdr *eh;

	if (m->data_len < RTE_ETHER_HDR_LEN) {
		fwd_drop(lc, m, FWD_DROP_MALFORMED);
		return;
	}
	eh = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	switch (rte_be_to_cpu_16(eh->ether_type)) {
	case RTE_ETHER_TYPE_IPV4:
		l3_ipv4(lc, m, port);
		break;
	case RTE_ETHER_TYPE_IPV6:
		l3_ipv6(lc, m, port);
		break;
	case RTE_ETHER_TYPE_ARP:
		fwd_neigh_punt(lc, m);
		break;
	default:
		fwd_drop(lc, m, FWD_DROP_UNSUPPORTED);
	}
}

/**
 * Route a packet another lcore handed over (the neighbour module's
 * "input" callback), as received on its port.
 */
static void
l3_input(struct fwd_lcore *lc, struct rte_mbuf *m)
{
	l3_one(lc, m, m->port);
}

/**
 * l3 mode: route a burst received on a port.
 */
static void
l3_burst(struct fwd_lcore *lc, uint16_t port, struct rte_mbuf **m,
	 unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n && i < 4; i++)
		rte_prefetch0(rte_pktmbuf_mtod(m[i], void *));
	for (i = 0; i < n; i++) {
		if (i + 4 < n)
			rte_prefetch0(rte_pktmbuf_mtod(m[i + 4], void *));
		l3_one(lc, m[i], port);
	}
}

/**
 * Set the router up (the ports are up): join the IPv6 groups, build the
 * route tables, create the neighbour table.
 *
 * @return 0, or -1 (message printed)
 */
static int
l3_setup(void)
{
	static const struct fwd_neigh_ops neigh_ops = {
		.resolved = l3_send,
		.input = l3_input,
	};

	fwd_ports_join_nd_groups();
	if (l3_routes_init() != 0 || fwd_neigh_init(&neigh_ops) != 0)
		return -1;
	return 0;
}

/** Free the route and neighbour tables. */
static void
l3_teardown(void)
{
	l3_routes_free();
	fwd_neigh_free();
}

/** The l3 engine: a router with ARP/ND on the main lcore. */
const struct fwd_engine fwd_engine_l3 = {
	.name = "l3",
	.ethernet = true,
	.setup = l3_setup,
	.burst = l3_burst,
	.control = fwd_neigh_control,
	.drain = fwd_neigh_drain,
	.teardown = l3_teardown,
};
