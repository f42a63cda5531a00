/* SPDX-License-Identifier: BSD-3-Clause */

/**
 * @file
 * mode=eth test application: speaks Ethernet to a net_ipoib port.
 *
 *   eth_peer <EAL args, --vdev net_ipoib0> -- ping MY_IP PEER_IP
 *       ARP for PEER_IP (broadcast), then ICMP echo to the MAC the reply
 *       announced; checks MACs, id, seq and payload of the replies.
 *   eth_peer <EAL args> -- nd6 MY_IP6 PEER_IP6
 *       joins its solicited-node group, sends a neighbour solicitation,
 *       checks the advertisement (target link-layer option -> MAC), then
 *       a UDP exchange over IPv6 with that MAC.
 *   eth_peer <EAL args> -- responder MY_IP6 SECONDS
 *       answers neighbour solicitations for MY_IP6 and echoes UDP.
 *   eth_peer <EAL args> -- malformed
 *       sends broken ARP/ND frames; they must be dropped and counted,
 *       in their xstats and in oerrors; then xstats_reset must zero
 *       every xstat but the gauge peer_cache_size.
 *   eth_peer <EAL args> -- snoop
 *       sends IGMP/MLD reports and leaves (and broken ones); checks the
 *       joins and leaves they cause and set_mc_addr_list's share.
 *
 * Exit status 0 when every check passed. The xstats are printed at the
 * end.
 */

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_arp.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_icmp.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_udp.h>

static unsigned int failures;
static struct rte_mempool *pool;
static uint16_t port;
static struct rte_ether_addr own;

#include "../ipoib_test.h"

/** Print a MAC with a label. */
static void
mac_print(const char *what, const struct rte_ether_addr *m)
{
	char b[RTE_ETHER_ADDR_FMT_SIZE];

	rte_ether_format_addr(b, sizeof(b), m);
	printf("%s %s\n", what, b);
}

/** A new frame of len bytes with an Ethernet header; data zeroed. */
static struct rte_mbuf *
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
static void
frame_send(struct rte_mbuf *m)
{
	int tries = 1000;

	while (rte_eth_tx_burst(port, 0, &m, 1) == 0 && --tries > 0)
		usleep(100);
	if (tries == 0)
		rte_pktmbuf_free(m);
}

/**
 * Receive frames until match() accepts one or ms pass.
 *
 * @return the frame accepted (caller frees), or NULL
 */
static struct rte_mbuf *
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
		if (n == 0)
			usleep(200);
	}
	return found;
}

/* --------------------------------------------------------------- IPv4 */

/** What ping waits for. */
struct ping_ctx {
	uint32_t my_ip, peer_ip;   /**< network order */
	struct rte_ether_addr peer_mac;
	uint16_t id, seq;
};

/** Send an ARP request for the peer's IP (broadcast). */
static void
arp_request(const struct ping_ctx *c)
{
	struct rte_ether_addr bc;
	struct rte_mbuf *m;
	struct rte_arp_hdr *a;

	memset(&bc, 0xff, sizeof(bc));
	m = frame_new(&bc, RTE_ETHER_TYPE_ARP,
		      sizeof(struct rte_ether_hdr) + sizeof(*a));
	if (m == NULL)
		return;
	a = rte_pktmbuf_mtod_offset(m, struct rte_arp_hdr *,
				    sizeof(struct rte_ether_hdr));
	a->arp_hardware = rte_cpu_to_be_16(RTE_ARP_HRD_ETHER);
	a->arp_protocol = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	a->arp_hlen = 6;
	a->arp_plen = 4;
	a->arp_opcode = rte_cpu_to_be_16(RTE_ARP_OP_REQUEST);
	a->arp_data.arp_sha = own;
	a->arp_data.arp_sip = c->my_ip;
	a->arp_data.arp_tip = c->peer_ip;
	frame_send(m);
}

/** Whether a frame is the ARP reply ping waits for (records the MAC). */
static bool
arp_reply_match(struct rte_mbuf *m, void *arg)
{
	struct ping_ctx *c = arg;
	const struct rte_ether_hdr *eh =
		rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	const struct rte_arp_hdr *a = (const void *)(eh + 1);

	if (m->data_len < sizeof(*eh) + sizeof(*a) ||
	    eh->ether_type != rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP) ||
	    a->arp_opcode != rte_cpu_to_be_16(RTE_ARP_OP_REPLY) ||
	    a->arp_data.arp_sip != c->peer_ip)
		return false;
	CHECK(a->arp_hardware == rte_cpu_to_be_16(RTE_ARP_HRD_ETHER) &&
	      a->arp_hlen == 6, "ARP reply not in Ethernet form");
	CHECK(rte_is_same_ether_addr(&eh->dst_addr, &own),
	      "ARP reply not to our MAC");
	CHECK(rte_is_same_ether_addr(&eh->src_addr, &a->arp_data.arp_sha),
	      "ARP reply: source MAC is not the announced one");
	CHECK(rte_is_same_ether_addr(&a->arp_data.arp_tha, &own),
	      "ARP reply: target MAC is not ours");
	CHECK((a->arp_data.arp_sha.addr_bytes[0] & 3) == 2,
	      "peer MAC not locally administered unicast");
	c->peer_mac = a->arp_data.arp_sha;
	return true;
}

/** Send an ICMP echo request with a payload made from seq. */
static void
echo_request(const struct ping_ctx *c)
{
	uint16_t len = sizeof(struct rte_ether_hdr) +
		sizeof(struct rte_ipv4_hdr) + sizeof(struct rte_icmp_hdr) + 56;
	struct rte_mbuf *m = frame_new(&c->peer_mac, RTE_ETHER_TYPE_IPV4, len);
	struct rte_ipv4_hdr *ip;
	struct rte_icmp_hdr *ic;
	uint8_t *pl;
	int i;

	if (m == NULL)
		return;
	ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *,
				     sizeof(struct rte_ether_hdr));
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->total_length = rte_cpu_to_be_16(len - sizeof(struct rte_ether_hdr));
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_ICMP;
	ip->src_addr = c->my_ip;
	ip->dst_addr = c->peer_ip;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	ic = (struct rte_icmp_hdr *)(ip + 1);
	ic->icmp_type = RTE_IP_ICMP_ECHO_REQUEST;
	ic->icmp_ident = rte_cpu_to_be_16(c->id);
	ic->icmp_seq_nb = rte_cpu_to_be_16(c->seq);
	pl = (uint8_t *)(ic + 1);
	for (i = 0; i < 56; i++)
		pl[i] = (uint8_t)(c->seq * 7 + i);
	ic->icmp_cksum = ~rte_raw_cksum(ic, sizeof(*ic) + 56);
	frame_send(m);
}

/** Whether a frame is the echo reply ping waits for. */
static bool
echo_reply_match(struct rte_mbuf *m, void *arg)
{
	struct ping_ctx *c = arg;
	const struct rte_ether_hdr *eh =
		rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	const struct rte_ipv4_hdr *ip = (const void *)(eh + 1);
	const struct rte_icmp_hdr *ic = (const void *)(ip + 1);
	const uint8_t *pl = (const uint8_t *)(ic + 1);
	int i, bad = 0;

	if (m->data_len < sizeof(*eh) + sizeof(*ip) + sizeof(*ic) + 56 ||
	    eh->ether_type != rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4) ||
	    ip->next_proto_id != IPPROTO_ICMP ||
	    ic->icmp_type != RTE_IP_ICMP_ECHO_REPLY ||
	    ic->icmp_seq_nb != rte_cpu_to_be_16(c->seq))
		return false;
	CHECK(ic->icmp_ident == rte_cpu_to_be_16(c->id), "echo id");
	CHECK(ip->src_addr == c->peer_ip && ip->dst_addr == c->my_ip,
	      "echo reply addresses");
	CHECK(rte_is_same_ether_addr(&eh->src_addr, &c->peer_mac),
	      "echo reply source MAC is not the ARP-announced one");
	CHECK(rte_is_same_ether_addr(&eh->dst_addr, &own),
	      "echo reply not to our MAC");
	for (i = 0; i < 56; i++)
		bad += pl[i] != (uint8_t)(c->seq * 7 + i);
	CHECK(bad == 0, "echo payload differs in %d bytes", bad);
	return true;
}

/** ARP, then three pings. */
static void
run_ping(const char *my, const char *peer)
{
	struct ping_ctx c = { .id = 0x4242 };
	struct rte_mbuf *m = NULL;
	int i, ok = 0;

	inet_pton(AF_INET, my, &c.my_ip);
	inet_pton(AF_INET, peer, &c.peer_ip);
	for (i = 0; i < 30 && m == NULL; i++) {
		arp_request(&c);
		m = frame_wait(arp_reply_match, &c, 300);
	}
	CHECK(m != NULL, "no ARP reply");
	if (m == NULL)
		return;
	rte_pktmbuf_free(m);
	mac_print("peer MAC (ARP)", &c.peer_mac);
	for (c.seq = 1; c.seq <= 3; c.seq++) {
		for (i = 0; i < 10; i++) {
			echo_request(&c);
			m = frame_wait(echo_reply_match, &c, 300);
			if (m != NULL)
				break;
		}
		CHECK(m != NULL, "no echo reply for seq %u", c.seq);
		if (m != NULL) {
			ok++;
			rte_pktmbuf_free(m);
		}
	}
	printf("echo replies: %d of 3\n", ok);
}

/* --------------------------------------------------------------- IPv6 */

/** The solicited-node group of an IPv6 address and its MAC. */
static void
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
static struct rte_mbuf *
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
static void
ip6_cksum(struct rte_mbuf *m, unsigned int cks_off)
{
	struct rte_ipv6_hdr *ip = rte_pktmbuf_mtod_offset(m,
		struct rte_ipv6_hdr *, sizeof(struct rte_ether_hdr));
	uint8_t *l4 = (uint8_t *)(ip + 1);

	l4[cks_off] = 0;
	l4[cks_off + 1] = 0;
	*(uint16_t *)(l4 + cks_off) = rte_ipv6_udptcp_cksum(ip, l4);
}

/** Send an NS (type 135) or NA (136) with a link-layer option of ours. */
static void
nd_send(uint8_t type, const struct rte_ether_addr *dst,
	const uint8_t src_ip[16], const uint8_t dst_ip[16],
	const uint8_t target[16])
{
	uint8_t *p;
	struct rte_mbuf *m = ip6_frame(dst, src_ip, dst_ip, 58, 32, &p);

	if (m == NULL)
		return;
	p[0] = type;
	if (type == 136)
		p[4] = 0x60; /* solicited, override */
	memcpy(p + 8, target, 16);
	p[24] = type == 135 ? 1 : 2;
	p[25] = 1;
	memcpy(p + 26, &own, 6);
	ip6_cksum(m, 2);
	frame_send(m);
}

/** What the IPv6 exchanges wait for. */
struct nd_ctx {
	uint8_t my_ip[16], peer_ip[16];
	struct rte_ether_addr peer_mac;
	uint16_t seq;
};

/** The IPv6 header and its upper layer of a frame, NULL if not IPv6. */
static struct rte_ipv6_hdr *
ip6_of(struct rte_mbuf *m, uint8_t proto)
{
	struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_ipv6_hdr *ip = (struct rte_ipv6_hdr *)(eh + 1);

	if (m->data_len < sizeof(*eh) + sizeof(*ip) + 8 ||
	    eh->ether_type != rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV6) ||
	    ip->proto != proto ||
	    m->data_len < sizeof(*eh) + sizeof(*ip) +
	    rte_be_to_cpu_16(ip->payload_len))
		return NULL;
	return ip;
}

/** Whether a frame is the NA for the peer (records its MAC). */
static bool
na_match(struct rte_mbuf *m, void *arg)
{
	struct nd_ctx *c = arg;
	struct rte_ipv6_hdr *ip = ip6_of(m, 58);
	const struct rte_ether_hdr *eh =
		rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	uint8_t *p;

	if (ip == NULL)
		return false;
	p = (uint8_t *)(ip + 1);
	if (p[0] != 136 || memcmp(p + 8, c->peer_ip, 16) != 0)
		return false;
	CHECK(rte_be_to_cpu_16(ip->payload_len) == 32,
	      "NA payload length %u (want 32: option of 8 bytes)",
	      rte_be_to_cpu_16(ip->payload_len));
	CHECK(rte_ipv6_udptcp_cksum_verify(ip, p) == 0, "NA checksum");
	CHECK(p[24] == 2 && p[25] == 1, "NA option %u len %u", p[24], p[25]);
	memcpy(&c->peer_mac, p + 26, 6);
	CHECK(rte_is_same_ether_addr(&eh->src_addr, &c->peer_mac),
	      "NA source MAC differs from its target link-layer address");
	CHECK(rte_is_same_ether_addr(&eh->dst_addr, &own), "NA not to us");
	return true;
}

/** Send a UDP datagram over IPv6 (port 7 -> peer, or a reply). */
static void
udp6_send(const struct rte_ether_addr *dst, const uint8_t src_ip[16],
	  const uint8_t dst_ip[16], uint16_t sport, uint16_t dport,
	  const uint8_t *data, uint16_t len)
{
	uint8_t *p;
	struct rte_mbuf *m = ip6_frame(dst, src_ip, dst_ip, IPPROTO_UDP,
				       8 + len, &p);
	struct rte_udp_hdr *u = (struct rte_udp_hdr *)p;

	if (m == NULL)
		return;
	u->src_port = rte_cpu_to_be_16(sport);
	u->dst_port = rte_cpu_to_be_16(dport);
	u->dgram_len = rte_cpu_to_be_16(8 + len);
	memcpy(u + 1, data, len);
	ip6_cksum(m, 6);
	frame_send(m);
}

/** Whether a frame is the UDP echo of seq. */
static bool
udp_reply_match(struct rte_mbuf *m, void *arg)
{
	struct nd_ctx *c = arg;
	struct rte_ipv6_hdr *ip = ip6_of(m, IPPROTO_UDP);
	const struct rte_ether_hdr *eh =
		rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	char want[32];
	struct rte_udp_hdr *u;

	if (ip == NULL)
		return false;
	u = (struct rte_udp_hdr *)(ip + 1);
	snprintf(want, sizeof(want), "udp6 seq %u", c->seq);
	if (u->src_port != rte_cpu_to_be_16(7) ||
	    memcmp(u + 1, want, strlen(want)) != 0)
		return false;
	CHECK(rte_is_same_ether_addr(&eh->src_addr, &c->peer_mac),
	      "UDP reply source MAC");
	CHECK(rte_ipv6_udptcp_cksum_verify(ip, u) == 0, "UDP checksum");
	return true;
}

/** Join our solicited-node group (set_mc_addr_list). */
static void
join_solicited(const uint8_t ip[16])
{
	uint8_t grp[16];
	struct rte_ether_addr mac;
	int ret;

	solicited(ip, grp, &mac);
	ret = rte_eth_dev_set_mc_addr_list(port, &mac, 1);
	CHECK(ret == 0, "set_mc_addr_list: %d", ret);
}

/** NS/NA, then a UDP exchange. */
static void
run_nd6(const char *my, const char *peer)
{
	struct nd_ctx c;
	struct rte_ether_addr gmac;
	struct rte_mbuf *m = NULL;
	uint8_t grp[16];
	char data[32];
	int i, ok = 0;

	inet_pton(AF_INET6, my, c.my_ip);
	inet_pton(AF_INET6, peer, c.peer_ip);
	join_solicited(c.my_ip);
	solicited(c.peer_ip, grp, &gmac);
	for (i = 0; i < 20 && m == NULL; i++) {
		nd_send(135, &gmac, c.my_ip, grp, c.peer_ip);
		m = frame_wait(na_match, &c, 500);
	}
	CHECK(m != NULL, "no neighbour advertisement");
	if (m == NULL)
		return;
	rte_pktmbuf_free(m);
	mac_print("peer MAC (NA)", &c.peer_mac);
	for (c.seq = 1; c.seq <= 3; c.seq++) {
		snprintf(data, sizeof(data), "udp6 seq %u", c.seq);
		for (i = 0; i < 10; i++) {
			udp6_send(&c.peer_mac, c.my_ip, c.peer_ip, 7777, 7,
				  (const uint8_t *)data, sizeof(data));
			m = frame_wait(udp_reply_match, &c, 300);
			if (m != NULL)
				break;
		}
		CHECK(m != NULL, "no UDP reply for seq %u", c.seq);
		if (m != NULL) {
			ok++;
			rte_pktmbuf_free(m);
		}
	}
	printf("udp6 replies: %d of 3\n", ok);
}

/** Answer one frame as the IPv6 responder. */
static void
respond(struct rte_mbuf *m, const uint8_t my_ip[16])
{
	const struct rte_ether_hdr *eh =
		rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	struct rte_ipv6_hdr *ip = ip6_of(m, 58);
	uint8_t *p;

	if (ip != NULL) {
		p = (uint8_t *)(ip + 1);
		if (p[0] == 135 && memcmp(p + 8, my_ip, 16) == 0) {
			CHECK(rte_ipv6_udptcp_cksum_verify(ip, p) == 0,
			      "NS checksum");
			CHECK(p[24] == 1 && p[25] == 1 &&
			      memcmp(p + 26, &eh->src_addr, 6) == 0,
			      "NS source link-layer option");
			nd_send(136, &eh->src_addr, my_ip, ip->src_addr,
				my_ip);
		}
		return;
	}
	ip = ip6_of(m, IPPROTO_UDP);
	if (ip != NULL) {
		struct rte_udp_hdr *u = (struct rte_udp_hdr *)(ip + 1);
		uint16_t len = rte_be_to_cpu_16(u->dgram_len);

		if (u->dst_port == rte_cpu_to_be_16(7) && len >= 8)
			udp6_send(&eh->src_addr, my_ip, ip->src_addr, 7,
				  rte_be_to_cpu_16(u->src_port),
				  (const uint8_t *)(u + 1), len - 8);
	}
}

/** Answer NS and echo UDP for seconds. */
static void
run_responder(const char *my, unsigned int seconds)
{
	uint64_t end = rte_get_timer_cycles() + rte_get_timer_hz() * seconds;
	uint8_t ip[16];
	struct rte_mbuf *b[32];
	uint16_t n, i;

	inet_pton(AF_INET6, my, ip);
	join_solicited(ip);
	while (rte_get_timer_cycles() < end) {
		n = rte_eth_rx_burst(port, 0, b, 32);
		for (i = 0; i < n; i++) {
			respond(b[i], ip);
			rte_pktmbuf_free(b[i]);
		}
		if (n == 0)
			usleep(200);
	}
}

/* ---------------------------------------------------------- malformed */

/** The value of an xstat by name (absent: a failure, UINT64_MAX). */
static uint64_t
xstat(const char *name)
{
	return ipoib_test_xstat(port, name);
}

/** Print every xstat that is not zero. */
static void
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
 * After xstats_reset every xstat reads 0 but the gauge peer_cache_size
 * (the peers known now). A counter the control thread may bump right
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
			    strcmp(names[i].name, "peer_cache_size") == 0)
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
static void
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

/* -------------------------------------------------------------- snoop */

/**
 * The value of an xstat by name; a missing one is a failure (and
 * UINT64_MAX).
 */
static uint64_t
xstat_must(const char *name)
{
	uint64_t id, v = UINT64_MAX;

	if (rte_eth_xstats_get_id_by_name(port, name, &id) != 0 ||
	    rte_eth_xstats_get_by_id(port, &id, &v, 1) != 1) {
		CHECK(false, "no xstat %s", name);
		return UINT64_MAX;
	}
	return v;
}

/** Wait (15 s at most) for an xstat to reach want; true when it did. */
static bool
xstat_wait(const char *name, uint64_t want)
{
	uint64_t end = rte_get_timer_cycles() + rte_get_timer_hz() * 15;
	uint64_t v;

	do {
		v = xstat_must(name);
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
static void
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
	CHECK(xstat_must("mcast_snoop_malformed") == malformed,
	      "mcast_snoop_malformed %" PRIu64 ", want %" PRIu64,
	      xstat_must("mcast_snoop_malformed"), malformed);
	CHECK(xstat_must("mcast_snoop_joins") == 0, "no snooped join yet");

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
	CHECK(xstat_must("mcast_leaves") == 0 &&
	      xstat_must("mcast_joins") == 1, "listed group kept: joins %"
	      PRIu64 " leaves %" PRIu64, xstat_must("mcast_joins"),
	      xstat_must("mcast_leaves"));
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
	CHECK(xstat_must("mcast_leaves") == 0, "snooped group kept: leaves %"
	      PRIu64, xstat_must("mcast_leaves"));
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
	CHECK(xstat_must("mcast_snoop_malformed") == malformed,
	      "no more malformed");
	CHECK(xstat_must("mcast_snoop_dropped") == 0, "no request lost");
	printf("mcast_join_failures %" PRIu64 " (retried)\n",
	       xstat_must("mcast_join_failures"));
}

/* --------------------------------------------------------------- main */

/** Configure and start port 0 with one queue each way. */
static int
port_start(void)
{
	struct rte_eth_conf conf;

	memset(&conf, 0, sizeof(conf));
	pool = rte_pktmbuf_pool_create("eth_peer", 4095, 64, 0,
				       RTE_MBUF_DEFAULT_BUF_SIZE, 0);
	if (pool == NULL || rte_eth_dev_configure(port, 1, 1, &conf) < 0 ||
	    rte_eth_rx_queue_setup(port, 0, 256, 0, NULL, pool) < 0 ||
	    rte_eth_tx_queue_setup(port, 0, 256, 0, NULL) < 0 ||
	    rte_eth_dev_start(port) < 0)
		return -1;
	rte_eth_macaddr_get(port, &own);
	mac_print("own MAC", &own);
	return 0;
}

int
main(int argc, char **argv)
{
	int n;

	setvbuf(stdout, NULL, _IOLBF, 0); /* a killed run still shows */
	n = rte_eal_init(argc, argv);
	if (n < 0)
		return 2;
	argc -= n;
	argv += n;
	if (argc < 2 || rte_eth_dev_count_avail() < 1 || port_start() < 0) {
		printf("usage or port start failed\n");
		return 2;
	}
	if (strcmp(argv[1], "ping") == 0 && argc == 4)
		run_ping(argv[2], argv[3]);
	else if (strcmp(argv[1], "nd6") == 0 && argc == 4)
		run_nd6(argv[2], argv[3]);
	else if (strcmp(argv[1], "responder") == 0 && argc == 4)
		run_responder(argv[2], (unsigned int)atoi(argv[3]));
	else if (strcmp(argv[1], "malformed") == 0)
		run_malformed();
	else if (strcmp(argv[1], "snoop") == 0)
		run_snoop();
	else
		return 2;
	xstats_print();
	rte_eth_dev_stop(port);
	rte_eth_dev_close(port);
	printf("%s: %u failures\n", argv[1], failures);
	rte_eal_cleanup();
	return failures == 0 ? 0 : 1;
}
