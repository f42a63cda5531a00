/* SPDX-License-Identifier: BSD-3-Clause */

/**
 * @file
 * eth_peer's "malformed" and "snoop" runs: broken ARP/ND frames dropped
 * and counted on transmit (and xstats_reset zeroing them); IGMP and MLD
 * reports and leaves, good and broken, and the joins and leaves they
 * cause.
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
/** The port's oerrors (UINT64_MAX, a failure, when unreadable). */
static uint64_t
oerrors(void)
{
	struct rte_eth_stats st;

	if (rte_eth_stats_get(port, &st) != 0) {
		CHECK(false, "rte_eth_stats_get");
		return UINT64_MAX;
	}
	return st.oerrors;
}

/**
 * After xstats_reset every xstat reads 0 but the gauges peer_cache_size
 * (the peers known now), sa_transport_inband and mr_regions (the memory
 * regions registered now). A counter the control thread may bump right
 * after the reset (an SM heartbeat) could make one read non-zero: the
 * reset and the reading are tried 3 times, a counter the reset leaves
 * fails all 3.
 */
static void
check_xstats_reset(void)
{
	struct rte_eth_xstat_name names[256];
	struct rte_eth_xstat xs[256];
	int try, n, i, left = -1;

	for (try = 0; try < 3 && left != 0; try++) {
		CHECK(rte_eth_xstats_reset(port) == 0, "xstats_reset");
		n = rte_eth_xstats_get_names(port, names, RTE_DIM(names));
		CHECK(n > 0 && n <= (int)RTE_DIM(names) &&
		      rte_eth_xstats_get(port, xs, n) == n, "xstats_get %d",
		      n);
		if (n <= 0 || n > (int)RTE_DIM(names))
			return;
		left = 0;
		for (i = 0; i < n; i++) {
			if (xs[i].value == 0 ||
			    strcmp(names[i].name, "peer_cache_size") == 0 ||
			    strcmp(names[i].name, "sa_transport_inband") == 0 ||
			    strcmp(names[i].name, "mr_regions") == 0)
				continue;
			printf("after reset %d: %s %" PRIu64 "\n", try + 1,
			       names[i].name, xs[i].value);
			left++;
		}
	}
	CHECK(left == 0, "%d xstats not zeroed by xstats_reset", left);
}

/**
 * Broken ARP and ND frames are dropped and counted on transmit, in
 * their xstats and in oerrors; xstats_reset zeroes them all.
 */
void
run_malformed(void)
{
	uint64_t oerrors0 = oerrors();
	struct rte_ether_addr bc;
	uint8_t ip6[16] = { 0xfe, 0x80 }, grp[16];
	struct rte_ether_addr gmac;
	struct rte_mbuf *m;
	uint8_t *p;

	memset(&bc, 0xff, sizeof(bc));
	/* ARP with hardware length 20 in an Ethernet frame */
	m = frame_new(&bc, RTE_ETHER_TYPE_ARP, 14 + 28);
	p = rte_pktmbuf_mtod_offset(m, uint8_t *, 14);
	p[1] = 1; p[2] = 8; p[4] = 20; p[5] = 4; p[7] = 1;
	frame_send(m);
	/* ARP cut short */
	m = frame_new(&bc, RTE_ETHER_TYPE_ARP, 14 + 10);
	p = rte_pktmbuf_mtod_offset(m, uint8_t *, 14);
	p[1] = 1; p[2] = 8; p[4] = 6; p[5] = 4; p[7] = 1;
	frame_send(m);
	/* ARP of hardware type 6 */
	m = frame_new(&bc, RTE_ETHER_TYPE_ARP, 14 + 28);
	p = rte_pktmbuf_mtod_offset(m, uint8_t *, 14);
	p[1] = 6; p[2] = 8; p[4] = 6; p[5] = 4; p[7] = 1;
	frame_send(m);
	CHECK(xstat("tx_arp_malformed") == 3, "tx_arp_malformed %" PRIu64,
	      xstat("tx_arp_malformed"));
	/* NS whose option runs past the end */
	ip6[15] = 9;
	solicited(ip6, grp, &gmac);
	m = ip6_frame(&gmac, ip6, grp, 58, 32, &p);
	p[0] = 135;
	p[24] = 1;
	p[25] = 2; /* 16 bytes, only 8 there */
	frame_send(m);
	/* NS with a zero-length option */
	m = ip6_frame(&gmac, ip6, grp, 58, 32, &p);
	p[0] = 135;
	p[24] = 1;
	p[25] = 0;
	frame_send(m);
	/* NS whose payload length says more than the frame holds */
	m = ip6_frame(&gmac, ip6, grp, 58, 32, &p);
	p[0] = 135;
	rte_pktmbuf_mtod_offset(m, struct rte_ipv6_hdr *, 14)->payload_len =
		rte_cpu_to_be_16(200);
	frame_send(m);
	CHECK(xstat("tx_nd_malformed") == 3, "tx_nd_malformed %" PRIu64,
	      xstat("tx_nd_malformed"));
	/* unicast to a MAC that stands for nobody */
	bc.addr_bytes[0] = 0x02;
	m = frame_new(&bc, RTE_ETHER_TYPE_IPV4, 60);
	frame_send(m);
	/* a runt */
	m = frame_new(&bc, RTE_ETHER_TYPE_IPV4, 14);
	m->data_len = m->pkt_len = 10;
	frame_send(m);
	CHECK(xstat("tx_eth_unknown_mac") == 1, "tx_eth_unknown_mac");
	CHECK(xstat("tx_eth_malformed") == 1, "tx_eth_malformed");
	/* 3 ARP + 3 ND + unknown MAC + runt: all drops */
	CHECK(oerrors() == oerrors0 + 8, "oerrors %" PRIu64 ", want %" PRIu64,
	      oerrors(), oerrors0 + 8);
	check_xstats_reset();
	CHECK(oerrors() == 0, "oerrors %" PRIu64 " after reset", oerrors());
}

/** Wait (15 s at most) for an xstat to reach want; true when it did. */
static bool
xstat_wait(const char *name, uint64_t want)
{
	uint64_t end = rte_get_timer_cycles() + rte_get_timer_hz() * 15;
	uint64_t v;

	do {
		v = xstat(name);
		if (v == want)
			return true;
		usleep(10000);
	} while (rte_get_timer_cycles() < end && v != UINT64_MAX);
	printf("xstat %s: %" PRIu64 ", want %" PRIu64 "\n", name, v, want);
	return false;
}

/** The group MAC of an IPv4 group (network order). */
static void
mac_of_ipv4(const uint8_t g[4], struct rte_ether_addr *mac)
{
	mac->addr_bytes[0] = 0x01;
	mac->addr_bytes[1] = 0x00;
	mac->addr_bytes[2] = 0x5e;
	mac->addr_bytes[3] = g[1] & 0x7f;
	mac->addr_bytes[4] = g[2];
	mac->addr_bytes[5] = g[3];
}

/**
 * Send an IGMP message to dst (IPv4 header with router alert, as Linux
 * sends them): msg of len bytes, its checksum set unless bad_cksum.
 */
static void
igmp_send(const uint8_t dst[4], const uint8_t *msg, uint16_t len,
	  bool bad_cksum)
{
	struct rte_ether_addr mac;
	struct rte_mbuf *m;
	uint8_t *ip, *igmp;
	uint16_t ck;

	mac_of_ipv4(dst, &mac);
	m = frame_new(&mac, RTE_ETHER_TYPE_IPV4, 14 + 24 + len);
	if (m == NULL)
		return;
	ip = rte_pktmbuf_mtod_offset(m, uint8_t *, 14);
	ip[0] = 0x46;
	ip[2] = (uint8_t)((24 + len) >> 8);
	ip[3] = (uint8_t)(24 + len);
	ip[8] = 1;
	ip[9] = 2;
	ip[12] = 10; ip[13] = 9; ip[15] = 1;
	memcpy(ip + 16, dst, 4);
	ip[20] = 0x94; ip[21] = 4;
	ck = (uint16_t)~rte_raw_cksum(ip, 24);
	memcpy(ip + 10, &ck, 2);
	igmp = ip + 24;
	memcpy(igmp, msg, len);
	igmp[2] = igmp[3] = 0;
	ck = (uint16_t)~rte_raw_cksum(igmp, len);
	if (bad_cksum)
		ck ^= 0x100;
	memcpy(igmp + 2, &ck, 2);
	frame_send(m);
}

/**
 * Send an MLD message from fe80::9 to dst behind a hop-by-hop header
 * with router alert (as Linux sends them): msg of len bytes; plen_add
 * is added to the IPv6 payload length (a lie when not 0).
 */
static void
mld_send(const uint8_t dst[16], const uint8_t *msg, uint16_t len,
	 int plen_add)
{
	static const uint8_t src[16] = { 0xfe, 0x80, [15] = 9 };
	struct rte_ether_addr mac = { { 0x33, 0x33 } };
	struct rte_mbuf *m;
	uint8_t *p, *icmp;
	struct {
		rte_be32_t len;
		uint8_t zero[3];
		uint8_t nh;
	} ph = { .len = rte_cpu_to_be_32(len), .nh = 58 };
	uint32_t sum;
	uint16_t ck;

	memcpy(&mac.addr_bytes[2], dst + 12, 4);
	m = ip6_frame(&mac, src, dst, 0, (uint16_t)(8 + len), &p);
	if (m == NULL)
		return;
	p[0] = 58;      /* hop-by-hop: next header ICMPv6 */
	p[2] = 5;       /* router alert, MLD */
	p[3] = 2;
	p[6] = 1;       /* PadN */
	icmp = p + 8;
	memcpy(icmp, msg, len);
	icmp[2] = icmp[3] = 0;
	sum = __rte_raw_cksum(p - 32, 32, 0);
	sum = __rte_raw_cksum(&ph, sizeof(ph), sum);
	sum = __rte_raw_cksum(icmp, len, sum);
	ck = (uint16_t)~__rte_raw_cksum_reduce(sum);
	memcpy(icmp + 2, &ck, 2);
	rte_pktmbuf_mtod_offset(m, struct rte_ipv6_hdr *, 14)->payload_len =
		rte_cpu_to_be_16((uint16_t)(8 + len + plen_add));
	frame_send(m);
}

/**
 * IGMP/MLD snooping on transmit: broken reports are dropped and counted,
 * IGMPv2/v3 and MLDv1/v2 joins and leaves become full-member joins and
 * leaves of the IPoIB groups (mcast_joins, mcast_leaves), a group that
 * set_mc_addr_list lists too stays joined until neither wants it.
 */
void
run_snoop(void)
{
	static const uint8_t g4[4] = { 224, 1, 2, 3 }; /* its MAC: the same */
	static const uint8_t all_routers[4] = { 224, 0, 0, 2 };
	static const uint8_t v3_dst[4] = { 224, 0, 0, 22 };
	static const uint8_t g6[16] = { 0xff, 0x05, [13] = 1, [15] = 3 };
	static const uint8_t mld_dst[16] = { 0xff, 0x02, [15] = 0x16 };
	uint8_t msg[64];
	struct rte_ether_addr gmac;
	uint64_t malformed = 0;

	/* broken: IGMPv2 report with a wrong checksum */
	memset(msg, 0, sizeof(msg));
	msg[0] = 0x16;
	memcpy(msg + 4, g4, 4);
	igmp_send(g4, msg, 8, true);
	malformed++;
	/* broken: IGMPv3 report with 2 records, 1 there */
	memset(msg, 0, sizeof(msg));
	msg[0] = 0x22;
	msg[7] = 2;
	msg[8] = 4;
	memcpy(msg + 12, g4, 4);
	igmp_send(v3_dst, msg, 16, false);
	malformed++;
	/* broken: IGMPv3 record whose sources run past the end */
	msg[7] = 1;
	msg[11] = 5;
	igmp_send(v3_dst, msg, 16, false);
	malformed++;
	/* broken: MLDv1 report cut to 16 bytes */
	memset(msg, 0, sizeof(msg));
	msg[0] = 131;
	memcpy(msg + 8, g6, 8);
	mld_send(g6, msg, 16, 0);
	malformed++;
	/* broken: MLDv2 report whose payload length is past the frame */
	memset(msg, 0, sizeof(msg));
	msg[0] = 143;
	msg[7] = 1;
	msg[8] = 4;
	memcpy(msg + 12, g6, 16);
	mld_send(mld_dst, msg, 28, 64);
	malformed++;
	/* broken: MLDv2 with 3 records, 1 there */
	msg[7] = 3;
	mld_send(mld_dst, msg, 28, 0);
	malformed++;
	CHECK(xstat("mcast_snoop_malformed") == malformed,
	      "mcast_snoop_malformed %" PRIu64 ", want %" PRIu64,
	      xstat("mcast_snoop_malformed"), malformed);
	CHECK(xstat("mcast_snoop_joins") == 0, "no snooped join yet");

	/* IGMPv2 report: join 239.1.2.3 */
	memset(msg, 0, sizeof(msg));
	msg[0] = 0x16;
	memcpy(msg + 4, g4, 4);
	igmp_send(g4, msg, 8, false);
	CHECK(xstat_wait("mcast_joins", 1), "IGMPv2 report: joined");
	/* the same group listed too: no second join */
	mac_of_ipv4(g4, &gmac);
	CHECK(rte_eth_dev_set_mc_addr_list(port, &gmac, 1) == 0,
	      "set_mc_addr_list");
	/* IGMPv2 leave (to all-routers): still listed, stays joined */
	msg[0] = 0x17;
	igmp_send(all_routers, msg, 8, false);
	CHECK(xstat_wait("mcast_snoop_leaves", 1), "leave snooped");
	usleep(200000);
	CHECK(xstat("mcast_leaves") == 0 &&
	      xstat("mcast_joins") == 1, "listed group kept: joins %"
	      PRIu64 " leaves %" PRIu64, xstat("mcast_joins"),
	      xstat("mcast_leaves"));
	/* IGMPv3 CHANGE_TO_EXCLUDE {} : join again (nothing to do) */
	memset(msg, 0, sizeof(msg));
	msg[0] = 0x22;
	msg[7] = 1;
	msg[8] = 4;
	memcpy(msg + 12, g4, 4);
	igmp_send(v3_dst, msg, 16, false);
	CHECK(xstat_wait("mcast_snoop_joins", 2), "IGMPv3 join snooped");
	/* unlisted: still snooped, stays joined */
	CHECK(rte_eth_dev_set_mc_addr_list(port, NULL, 0) == 0,
	      "set_mc_addr_list empty");
	CHECK(xstat("mcast_leaves") == 0, "snooped group kept: leaves %"
	      PRIu64, xstat("mcast_leaves"));
	/* IGMPv3 CHANGE_TO_INCLUDE {} : neither wants it, left */
	msg[8] = 3;
	igmp_send(v3_dst, msg, 16, false);
	CHECK(xstat_wait("mcast_leaves", 1), "IGMPv3 leave: left");

	/* MLDv2 CHANGE_TO_EXCLUDE {} of ff05::1:3, then MLDv1 done */
	memset(msg, 0, sizeof(msg));
	msg[0] = 143;
	msg[7] = 1;
	msg[8] = 4;
	memcpy(msg + 12, g6, 16);
	mld_send(mld_dst, msg, 28, 0);
	CHECK(xstat_wait("mcast_joins", 2), "MLDv2 report: joined");
	memset(msg, 0, sizeof(msg));
	msg[0] = 132;
	memcpy(msg + 8, g6, 16);
	mld_send(mld_dst, msg, 24, 0);
	CHECK(xstat_wait("mcast_leaves", 2), "MLDv1 done: left");
	/* MLDv1 report: joined again */
	msg[0] = 131;
	mld_send(g6, msg, 24, 0);
	CHECK(xstat_wait("mcast_joins", 3), "MLDv1 report: joined");
	CHECK(xstat("mcast_snoop_malformed") == malformed,
	      "no more malformed");
	CHECK(xstat("mcast_snoop_dropped") == 0, "no request lost");
	printf("mcast_join_failures %" PRIu64 " (retried)\n",
	       xstat("mcast_join_failures"));
}
