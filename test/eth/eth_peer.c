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
 *   eth_peer <EAL args> -- responder MY_IP6 SECONDS [STOP_FILE]
 *       answers neighbour solicitations for MY_IP6 and echoes UDP, for
 *       SECONDS at most: sooner once STOP_FILE exists.
 *   eth_peer <EAL args> -- malformed
 *       sends broken ARP/ND frames; they must be dropped and counted,
 *       in their xstats and in oerrors; then xstats_reset must zero
 *       every xstat but the gauges peer_cache_size,
 *       sa_transport_inband and mr_regions.
 *   eth_peer <EAL args> -- tso MY_IP PEER_IP MSS STREAM_FILE
 *       ARP for PEER_IP, then a TCP stream to it in 64 KiB sends with
 *       TCP segmentation and checksum offloads (and one with checksum
 *       offloads only), a TSO send whose MSS the MTU cannot hold and
 *       one whose l3_len is wrong (dropped, counted); writes the
 *       stream's bytes to STREAM_FILE.
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

#include "eth_peer.h"

unsigned int failures;
struct rte_mempool *pool;
uint16_t port;
struct rte_ether_addr own;
uint64_t tx_offloads;

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

/* See eth_peer.h. */
bool
arp_resolve(const char *my, const char *peer, struct rte_ether_addr *mac)
{
	struct ping_ctx c = { .id = 0 };
	struct rte_mbuf *m = NULL;
	int i;

	inet_pton(AF_INET, my, &c.my_ip);
	inet_pton(AF_INET, peer, &c.peer_ip);
	for (i = 0; i < 30 && m == NULL; i++) {
		arp_request(&c);
		m = frame_wait(arp_reply_match, &c, 300);
	}
	CHECK(m != NULL, "no ARP reply");
	if (m == NULL)
		return false;
	rte_pktmbuf_free(m);
	*mac = c.peer_mac;
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

/** Answer NS and echo UDP for seconds, or until stop_file exists. */
static void
run_responder(const char *my, unsigned int seconds, const char *stop_file)
{
	uint64_t hz = rte_get_timer_hz();
	uint64_t now = rte_get_timer_cycles();
	uint64_t end = now + hz * seconds, look = now;
	uint8_t ip[16];
	struct rte_mbuf *b[32];
	uint16_t n, i;

	inet_pton(AF_INET6, my, ip);
	join_solicited(ip);
	while ((now = rte_get_timer_cycles()) < end) {
		/* the stop file, looked for every 50 ms */
		if (stop_file != NULL && now >= look) {
			if (access(stop_file, F_OK) == 0)
				break;
			look = now + hz / 20;
		}
		n = rte_eth_rx_burst(port, 0, b, 32);
		for (i = 0; i < n; i++) {
			respond(b[i], ip);
			rte_pktmbuf_free(b[i]);
		}
		if (n == 0) {
			frame_flush();
			usleep(200);
		}
	}
}

/* --------------------------------------------------------------- main */

/** Configure and start port 0 with one queue each way. */
static int
port_start(void)
{
	struct rte_eth_conf conf;

	memset(&conf, 0, sizeof(conf));
	conf.txmode.offloads = tx_offloads;
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
	if (argc >= 2 && strcmp(argv[1], "tso") == 0)
		tx_offloads = TSO_TX_OFFLOADS;
	if (argc < 2 || rte_eth_dev_count_avail() < 1 || port_start() < 0) {
		printf("usage or port start failed\n");
		return 2;
	}
	if (strcmp(argv[1], "ping") == 0 && argc == 4)
		run_ping(argv[2], argv[3]);
	else if (strcmp(argv[1], "nd6") == 0 && argc == 4)
		run_nd6(argv[2], argv[3]);
	else if (strcmp(argv[1], "responder") == 0 &&
		 (argc == 4 || argc == 5))
		run_responder(argv[2], (unsigned int)atoi(argv[3]),
			      argc == 5 ? argv[4] : NULL);
	else if (strcmp(argv[1], "malformed") == 0)
		run_malformed();
	else if (strcmp(argv[1], "snoop") == 0)
		run_snoop();
	else if (strcmp(argv[1], "tso") == 0 && argc == 6)
		run_tso(argv[2], argv[3], (uint16_t)atoi(argv[4]), argv[5]);
	else
		return 2;
	xstats_print();
	rte_eth_dev_stop(port);
	rte_eth_dev_close(port);
	printf("%s: %u failures\n", argv[1], failures);
	rte_eal_cleanup();
	return failures == 0 ? 0 : 1;
}
