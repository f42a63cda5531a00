/* SPDX-License-Identifier: BSD-3-Clause */

/**
 * @file
 * The l3 roles of fwd_host: a source that resolves its gateway (ARP and
 * ND), sends malformed packets, UDP over IPv4 and IPv6 to the sinks,
 * packets with TTL/hop limit 1 and to unrouted destinations (checking
 * the ICMP errors that come back) and pings the gateway; a sink that
 * checks every packet that arrives (addresses, TTL, checksums, payload).
 */

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <rte_arp.h>
#include <rte_ethdev.h>
#include <rte_icmp.h>
#include <rte_udp.h>

#include "fwd_host.h"

static struct rte_ether_addr gw_mac, gw6_mac;

/** What an expectation waits for. */
struct want {
	int family;
	uint8_t type, code;
	const uint8_t *quoted_dst;   /* errors: the quoted packet's dst */
	bool got;
};

/** Handler: an ARP reply from the gateway. */
static bool
got_arp_reply(struct rte_mbuf *m, void *arg)
{
	struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_arp_hdr *arp = (struct rte_arp_hdr *)(eh + 1);
	bool ok = false;

	(void)arg;
	if (eh->ether_type == rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP) &&
	    m->data_len >= sizeof(*eh) + sizeof(*arp) &&
	    memcmp(&arp->arp_data.arp_sip, host.gw, 4) == 0) {
		CHECK(memcmp(&arp->arp_data.arp_tip, host.ip, 4) == 0,
		      "ARP reply target is not us");
		CHECK(rte_is_same_ether_addr(&arp->arp_data.arp_tha,
					     &host_mac), "ARP reply THA");
		gw_mac = arp->arp_data.arp_sha;
		ok = true;
	}
	rte_pktmbuf_free(m);
	return ok;
}

/** Handler: a neighbour advertisement for the IPv6 gateway. */
static bool
got_na(struct rte_mbuf *m, void *arg)
{
	struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_ipv6_hdr *ip6 = (struct rte_ipv6_hdr *)(eh + 1);
	uint8_t *ic = (uint8_t *)(ip6 + 1);
	bool ok = false;

	(void)arg;
	if (eh->ether_type == rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV6) &&
	    m->data_len >= sizeof(*eh) + sizeof(*ip6) + 32 &&
	    ip6->proto == IPPROTO_ICMPV6 && ic[0] == 136 &&
	    memcmp(ic + 8, host.gw6, 16) == 0) {
		CHECK(ip6->hop_limits == 255, "NA hop limit");
		CHECK(host_cksum6(ip6, ic, rte_be_to_cpu_16(ip6->payload_len))
		      == 0, "NA checksum");
		CHECK(ic[24] == 2 && ic[25] == 1, "NA without TLLA option");
		memcpy(&gw6_mac, ic + 26, 6);
		CHECK(rte_is_same_ether_addr(&gw6_mac, &eh->src_addr),
		      "NA TLLA is not the frame's source");
		ok = true;
	}
	rte_pktmbuf_free(m);
	return ok;
}

/** Send an ARP request for the gateway. */
static void
send_arp_request(void)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(host_pool);
	struct rte_ether_hdr *eh;
	struct rte_arp_hdr *arp;

	if (m == NULL)
		return;
	eh = (struct rte_ether_hdr *)rte_pktmbuf_append(m,
		sizeof(*eh) + sizeof(*arp));
	memset(&eh->dst_addr, 0xff, 6);
	eh->src_addr = host_mac;
	eh->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP);
	arp = (struct rte_arp_hdr *)(eh + 1);
	arp->arp_hardware = rte_cpu_to_be_16(RTE_ARP_HRD_ETHER);
	arp->arp_protocol = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	arp->arp_hlen = 6;
	arp->arp_plen = 4;
	arp->arp_opcode = rte_cpu_to_be_16(RTE_ARP_OP_REQUEST);
	arp->arp_data.arp_sha = host_mac;
	memcpy(&arp->arp_data.arp_sip, host.ip, 4);
	memset(&arp->arp_data.arp_tha, 0, 6);
	memcpy(&arp->arp_data.arp_tip, host.gw, 4);
	host_send(m);
}

/** Send a neighbour solicitation for the IPv6 gateway. */
static void
send_ns(void)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(host_pool);
	struct rte_ether_hdr *eh;
	struct rte_ipv6_hdr *ip6;
	uint8_t *ic;

	if (m == NULL)
		return;
	eh = (struct rte_ether_hdr *)rte_pktmbuf_append(m,
		sizeof(*eh) + sizeof(*ip6) + 32);
	eh->dst_addr = (struct rte_ether_addr){ { 0x33, 0x33, 0xff,
		host.gw6[13], host.gw6[14], host.gw6[15] } };
	eh->src_addr = host_mac;
	eh->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV6);
	ip6 = (struct rte_ipv6_hdr *)(eh + 1);
	ip6->vtc_flow = rte_cpu_to_be_32(6u << 28);
	ip6->payload_len = rte_cpu_to_be_16(32);
	ip6->proto = IPPROTO_ICMPV6;
	ip6->hop_limits = 255;
	memcpy(ip6->src_addr, host.ip6, 16);
	memset(ip6->dst_addr, 0, 16);
	ip6->dst_addr[0] = 0xff;
	ip6->dst_addr[1] = 0x02;
	ip6->dst_addr[11] = 1;
	ip6->dst_addr[12] = 0xff;
	memcpy(ip6->dst_addr + 13, host.gw6 + 13, 3);
	ic = (uint8_t *)(ip6 + 1);
	memset(ic, 0, 32);
	ic[0] = 135;
	memcpy(ic + 8, host.gw6, 16);
	ic[24] = 1;
	ic[25] = 1;
	memcpy(ic + 26, &host_mac, 6);
	*(uint16_t *)(ic + 2) = host_cksum6(ip6, ic, 32);
	host_send(m);
}

/**
 * Resolve the gateways (ARP, and ND when we have IPv6), asking every
 * 300 ms.
 *
 * @return 0 or -1
 */
static int
resolve_gateways(void)
{
	unsigned int i, tries = host.timeout * 1000 / 300 + 1;
	bool ok = false;

	for (i = 0; i < tries && !ok; i++) {
		send_arp_request();
		ok = host_poll(got_arp_reply, NULL, 300);
	}
	CHECK(ok, "no ARP reply from the gateway");
	if (!ok)
		return -1;
	printf("source: ARP resolved the gateway after %u request(s)\n", i);
	if (!host.has_ip6)
		return 0;
	ok = false;
	for (i = 0; i < tries && !ok; i++) {
		send_ns();
		ok = host_poll(got_na, NULL, 300);
	}
	CHECK(ok, "no neighbour advertisement from the IPv6 gateway");
	if (ok)
		printf("source: ND resolved the gateway after %u NS\n", i);
	return ok ? 0 : -1;
}

/**
 * Handler: the ICMP/ICMPv6 message an expectation waits for (from the
 * gateway, to us, checksums right, quoting our packet).
 */
static bool
got_icmp(struct rte_mbuf *m, void *arg)
{
	struct want *w = arg;
	struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	uint32_t len = m->data_len - sizeof(*eh);
	bool ok = false;

	if (w->family == 4 &&
	    eh->ether_type == rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4)) {
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eh + 1);
		uint8_t *ic = (uint8_t *)(ip + 1);
		uint32_t tot = rte_be_to_cpu_16(ip->total_length);

		if (ip->next_proto_id == IPPROTO_ICMP && tot <= len &&
		    tot >= 28 && ic[0] == w->type) {
			CHECK(ic[1] == w->code, "ICMP code %u", ic[1]);
			CHECK(rte_raw_cksum(ip, 20) == 0xffff, "ICMP IP csum");
			CHECK(rte_raw_cksum(ic, tot - 20) == 0xffff,
			      "ICMP checksum");
			CHECK(memcmp(&ip->src_addr, host.gw, 4) == 0,
			      "ICMP not from the gateway");
			CHECK(memcmp(&ip->dst_addr, host.ip, 4) == 0,
			      "ICMP not to us");
			if (w->quoted_dst != NULL)
				CHECK(tot >= 28 + 20 && memcmp(ic + 8 + 16,
				      w->quoted_dst, 4) == 0,
				      "ICMP does not quote our packet");
			ok = true;
		}
	} else if (w->family == 6 &&
		   eh->ether_type == rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV6)) {
		struct rte_ipv6_hdr *ip6 = (struct rte_ipv6_hdr *)(eh + 1);
		uint8_t *ic = (uint8_t *)(ip6 + 1);
		uint32_t plen = rte_be_to_cpu_16(ip6->payload_len);

		if (ip6->proto == IPPROTO_ICMPV6 && plen + 40 <= len &&
		    plen >= 8 && ic[0] == w->type) {
			CHECK(ic[1] == w->code, "ICMPv6 code %u", ic[1]);
			CHECK(host_cksum6(ip6, ic, plen) == 0,
			      "ICMPv6 checksum");
			CHECK(memcmp(ip6->src_addr, host.gw6, 16) == 0,
			      "ICMPv6 not from the gateway");
			if (w->quoted_dst != NULL)
				CHECK(plen >= 8 + 40 && memcmp(ic + 8 + 24,
				      w->quoted_dst, 16) == 0,
				      "ICMPv6 does not quote our packet");
			ok = true;
		}
	}
	rte_pktmbuf_free(m);
	return ok;
}

/**
 * Send a packet and wait (3 s) for the ICMP message it should cause.
 */
static void
expect_icmp(struct rte_mbuf *m, struct want *w, const char *what)
{
	if (m == NULL || host_send(m) != 0) {
		CHECK(0, "%s: not sent", what);
		return;
	}
	w->got = host_poll(got_icmp, w, 3000);
	CHECK(w->got, "%s: no ICMP%s type %u came back", what,
	      w->family == 6 ? "v6" : "", w->type);
	if (w->got)
		printf("source: %s -> ICMP%s type %u code %u\n", what,
		       w->family == 6 ? "v6" : "", w->type, w->code);
}

/** Build an echo request to the gateway (ICMP or ICMPv6). */
static struct rte_mbuf *
echo_request(int family)
{
	struct rte_mbuf *m;
	uint8_t *ic;

	if (family == 4) {
		struct rte_ipv4_hdr *ip;

		m = host_udp4(&gw_mac, host.gw, 64, 24);
		if (m == NULL)
			return NULL;
		ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, 14);
		ip->next_proto_id = IPPROTO_ICMP;
		ip->hdr_checksum = 0;
		ip->hdr_checksum = rte_ipv4_cksum(ip);
		ic = (uint8_t *)(ip + 1);
		memset(ic, 0, 8);
		ic[0] = RTE_IP_ICMP_ECHO_REQUEST;
		*(uint16_t *)(ic + 2) = (uint16_t)~rte_raw_cksum(ic, 32);
	} else {
		struct rte_ipv6_hdr *ip6;

		m = host_udp6(&gw6_mac, host.gw6, 64, 24);
		if (m == NULL)
			return NULL;
		ip6 = rte_pktmbuf_mtod_offset(m, struct rte_ipv6_hdr *, 14);
		ip6->proto = IPPROTO_ICMPV6;
		ic = (uint8_t *)(ip6 + 1);
		memset(ic, 0, 8);
		ic[0] = 128;
		*(uint16_t *)(ic + 2) = host_cksum6(ip6, ic, 32);
	}
	return m;
}

/**
 * Send malformed packets toward the first destination; the router must
 * drop (and count) them all: the sink checks that none arrives.
 *
 * @return how many were sent
 */
static unsigned int
send_malformed(void)
{
	struct rte_ipv4_hdr *ip;
	struct rte_ipv6_hdr *ip6;
	struct rte_mbuf *m;
	unsigned int sent = 0, k;

	for (k = 0; k < 5 && host.nb_dst > 0; k++) {
		m = host_udp4(&gw_mac, host.dst[0], 64, 32);
		if (m == NULL)
			break;
		ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, 14);
		switch (k) {
		case 0:              /* bad header checksum */
			ip->hdr_checksum ^= 0x5555;
			break;
		case 1:              /* IHL 4 */
			ip->version_ihl = 0x44;
			break;
		case 2:              /* version 5 */
			ip->version_ihl = 0x55;
			break;
		case 3:              /* total length beyond the frame */
			ip->total_length = rte_cpu_to_be_16(1400);
			break;
		case 4:              /* truncated inside the header */
			rte_pktmbuf_trim(m, m->pkt_len - 14 - 12);
			break;
		}
		if (k != 0 && k != 4) {
			ip->hdr_checksum = 0;
			ip->hdr_checksum = rte_ipv4_cksum(ip);
		}
		sent += host_send(m) == 0;
	}
	if (host.has_ip6 && host.nb_dst6 > 0) {
		m = host_udp6(&gw6_mac, host.dst6[0], 64, 32);
		if (m != NULL) {
			ip6 = rte_pktmbuf_mtod_offset(m, struct rte_ipv6_hdr *,
						      14);
			ip6->payload_len = rte_cpu_to_be_16(1000);
			sent += host_send(m) == 0;
		}
	}
	m = rte_pktmbuf_alloc(host_pool);   /* ARP with a 5-byte MAC */
	if (m != NULL) {
		struct rte_ether_hdr *eh = (struct rte_ether_hdr *)
			rte_pktmbuf_append(m, sizeof(*eh) +
					   sizeof(struct rte_arp_hdr));
		struct rte_arp_hdr *arp = (struct rte_arp_hdr *)(eh + 1);

		memset(eh, 0, m->data_len);
		eh->dst_addr = gw_mac;
		eh->src_addr = host_mac;
		eh->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP);
		arp->arp_hardware = rte_cpu_to_be_16(RTE_ARP_HRD_ETHER);
		arp->arp_protocol = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
		arp->arp_hlen = 5;
		arp->arp_plen = 4;
		arp->arp_opcode = rte_cpu_to_be_16(RTE_ARP_OP_REQUEST);
		sent += host_send(m) == 0;
	}
	printf("source: sent %u malformed packets\n", sent);
	return sent;
}

/**
 * Send count UDP packets to every destination (IPv4 and IPv6).
 */
static void
send_udp(void)
{
	struct rte_mbuf *m;
	unsigned int d, i, sent = 0;

	/*
	 * One packet to each destination first, so that the router has
	 * resolved them before the burst: it holds only a few packets per
	 * unresolved next hop (the rest are dropped and counted).
	 */
	for (d = 0; d < host.nb_dst; d++) {
		m = host_udp4(&gw_mac, host.dst[d], 64, 18);
		sent += m != NULL && host_send(m) == 0;
	}
	for (d = 0; d < host.nb_dst6 && host.has_ip6; d++) {
		m = host_udp6(&gw6_mac, host.dst6[d], 64, 18);
		sent += m != NULL && host_send(m) == 0;
	}
	host_poll(NULL, NULL, 1500);

	for (d = 0; d < host.nb_dst; d++)
		for (i = 0; i < host.count; i++) {
			m = host_udp4(&gw_mac, host.dst[d], 64,
				      (uint16_t)(18 + i % 200));
			sent += m != NULL && host_send(m) == 0;
			if (i % 16 == 15)
				host_poll(NULL, NULL, 1);
		}
	for (d = 0; d < host.nb_dst6 && host.has_ip6; d++)
		for (i = 0; i < host.count; i++) {
			m = host_udp6(&gw6_mac, host.dst6[d], 64,
				      (uint16_t)(18 + i % 200));
			sent += m != NULL && host_send(m) == 0;
			if (i % 16 == 15)
				host_poll(NULL, NULL, 1);
		}
	printf("source: sent %u UDP packets\n", sent);
}

/**
 * The source role.
 *
 * @return 0 when every check passed
 */
int
host_run_source(void)
{
	struct want w;

	if (resolve_gateways() != 0)
		return 1;
	send_malformed();
	send_udp();
	if (host.nb_dst > 0) {
		w = (struct want){ 4, 11, 0, host.dst[0], false };
		expect_icmp(host_udp4(&gw_mac, host.dst[0], 1, 20), &w,
			    "TTL 1");
	}
	if (host.has_ip6 && host.nb_dst6 > 0) {
		w = (struct want){ 6, 3, 0, host.dst6[0], false };
		expect_icmp(host_udp6(&gw6_mac, host.dst6[0], 1, 20), &w,
			    "hop limit 1");
	}
	if (host.has_unrouted) {
		w = (struct want){ 4, 3, 0, host.unrouted, false };
		expect_icmp(host_udp4(&gw_mac, host.unrouted, 64, 20), &w,
			    "unrouted");
	}
	if (host.has_unrouted6 && host.has_ip6) {
		w = (struct want){ 6, 1, 0, host.unrouted6, false };
		expect_icmp(host_udp6(&gw6_mac, host.unrouted6, 64, 20), &w,
			    "unrouted IPv6");
	}
	if (host.has_unresolved) {
		w = (struct want){ 4, 3, 1, host.unresolved, false };
		expect_icmp(host_udp4(&gw_mac, host.unresolved, 64, 20), &w,
			    "next hop not answering");
	}
	w = (struct want){ 4, RTE_IP_ICMP_ECHO_REPLY, 0, NULL, false };
	expect_icmp(echo_request(4), &w, "ping gateway");
	if (host.has_ip6) {
		w = (struct want){ 6, 129, 0, NULL, false };
		expect_icmp(echo_request(6), &w, "ping6 gateway");
	}
	host_poll(NULL, NULL, 300);
	return host_failures == 0 ? 0 : 1;
}

/** What the sink counted. */
struct sink_counts {
	unsigned int good4, good6, bad;
};

/**
 * Handler: check a packet that reached the sink.
 *
 * @return true when everything expected has arrived
 */
static bool
sink_packet(struct rte_mbuf *m, void *arg)
{
	struct sink_counts *c = arg;
	struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	uint32_t len = m->data_len - sizeof(*eh);

	if (eh->ether_type == rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4)) {
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eh + 1);

		if (host_udp4_valid(ip, len) && ip->time_to_live == host.ttl &&
		    memcmp(&ip->src_addr, host.expect_src, 4) == 0 &&
		    memcmp(&ip->dst_addr, host.ip, 4) == 0 &&
		    rte_is_same_ether_addr(&eh->dst_addr, &host_mac)) {
			c->good4++;
		} else {
			c->bad++;
			printf("sink: bad IPv4 packet (ttl %u, %u bytes)\n",
			       ip->time_to_live, len);
		}
	} else if (eh->ether_type == rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV6)) {
		struct rte_ipv6_hdr *ip6 = (struct rte_ipv6_hdr *)(eh + 1);

		if (ip6->proto == IPPROTO_ICMPV6) {
			/* neighbour discovery for others */
		} else if (host_udp6_valid(ip6, len) &&
			   ip6->hop_limits == host.ttl &&
			   memcmp(ip6->src_addr, host.expect_src6, 16) == 0 &&
			   memcmp(ip6->dst_addr, host.ip6, 16) == 0) {
			c->good6++;
		} else {
			c->bad++;
			printf("sink: bad IPv6 packet (hop %u, %u bytes)\n",
			       ip6->hop_limits, len);
		}
	}
	rte_pktmbuf_free(m);
	return c->good4 >= host.count &&
		(!host.has_ip6 || c->good6 >= host.count);
}

/**
 * The sink role: wait for count good IPv4 (and IPv6) packets, then 1 s
 * more for anything that should not come.
 *
 * @return 0 when every check passed
 */
int
host_run_sink(void)
{
	struct sink_counts c = { 0, 0, 0 };
	bool all;

	host_write_ready(NULL);
	all = host_poll(sink_packet, &c, host.timeout * 1000);
	host_poll(sink_packet, &c, 1000);
	printf("sink: good IPv4 %u, good IPv6 %u, bad %u (want %u each)\n",
	       c.good4, c.good6, c.bad, host.count);
	CHECK(all, "not everything arrived");
	CHECK(c.bad == 0, "%u bad packets arrived", c.bad);
	return host_failures == 0 ? 0 : 1;
}

/**
 * The gen role (a traffic generator for the demo): resolve the gateway,
 * then send --count UDP packets to the first --dst at --rate packets per
 * second, in bursts of 32, for at most --timeout seconds.
 *
 * @return 0 when the gateway resolved
 */
int
host_run_gen(void)
{
	struct rte_mbuf *b[32];
	uint64_t start;
	uint32_t seq = 0, sent = 0;
	unsigned int n, i;
	uint16_t k;

	if (host.nb_dst == 0 || resolve_gateways() != 0)
		return 1;
	start = host_ms();
	while (seq < host.count && host_ms() - start < host.timeout * 1000ull) {
		n = RTE_MIN(32u, host.count - seq);
		for (i = 0; i < n; i++) {
			b[i] = host_udp4(&gw_mac, host.dst[0], 64, 18);
			if (b[i] == NULL)
				break;
		}
		n = i;
		k = rte_eth_tx_burst(0, 0, b, (uint16_t)n);
		sent += k;
		for (i = k; i < n; i++)
			rte_pktmbuf_free(b[i]);
		seq += RTE_MAX(n, 1u);
		host_poll(NULL, NULL, 0);
		while ((host_ms() - start) * host.rate < (uint64_t)seq * 1000)
			usleep(100);
	}
	printf("RESULT sent=%u in %.1f s\n", sent,
	       (host_ms() - start) / 1000.0);
	return 0;
}
