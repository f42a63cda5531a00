/* SPDX-License-Identifier: BSD-3-Clause */

/**
 * @file
 * fwd_host: a test host for ipoib-fwd (see fwd_host.h).
 *
 *   fwd_host <EAL args, one port> -- ROLE [options]
 *
 * Roles: source, sink, gen (l3 through the router; fwd_host_l3.c), raw-send,
 * raw-recv (io mode over raw net_ipoib ports; fwd_host_raw.c). Options:
 * --ip A --gw G --ip6 A --gw6 G --dst D (repeatable) --dst6 D
 * --unrouted D --unrouted6 D --expect-src S --expect-src6 S --count N
 * --timeout S --ttl N --rate PPS --raw-dst HEX40 --ready FILE.
 * Every host answers ARP and neighbour solicitations for its addresses.
 * Exit status 0 when every check passed.
 */

#include <arpa/inet.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rte_arp.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_udp.h>

#include "fwd_host.h"

struct host_opts host = { .count = 10, .timeout = 20, .ttl = 63,
			  .rate = 100000 };
struct rte_mempool *host_pool;
struct rte_ether_addr host_mac;
unsigned int host_failures;

/** Milliseconds of a monotonic clock. */
uint64_t
host_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/**
 * Send one packet, retrying a full transmit ring for at most 2 s (a
 * loaded machine may leave the soft HCA unscheduled for a while).
 *
 * @return 0, or -1 when it was not sent (freed)
 */
int
host_send(struct rte_mbuf *m)
{
	uint64_t end = host_ms() + 2000;

	while (rte_eth_tx_burst(0, 0, &m, 1) == 0) {
		if (host_ms() > end) {
			rte_pktmbuf_free(m);
			return -1;
		}
		usleep(100);
	}
	return 0;
}

/**
 * Answer an ARP request for our IPv4 address (in place).
 *
 * @return true when m was ARP (consumed)
 */
static bool
answer_arp(struct rte_mbuf *m)
{
	struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_arp_hdr *arp = (struct rte_arp_hdr *)(eh + 1);
	uint32_t tip;

	if (eh->ether_type != rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP))
		return false;
	memcpy(&tip, host.ip, 4);
	if (m->data_len >= sizeof(*eh) + sizeof(*arp) &&
	    arp->arp_opcode == rte_cpu_to_be_16(RTE_ARP_OP_REPLY))
		return false;       /* for the role to see */
	if (m->data_len < sizeof(*eh) + sizeof(*arp) || !host.has_ip ||
	    arp->arp_opcode != rte_cpu_to_be_16(RTE_ARP_OP_REQUEST) ||
	    arp->arp_data.arp_tip != tip) {
		rte_pktmbuf_free(m);
		return true;
	}
	arp->arp_opcode = rte_cpu_to_be_16(RTE_ARP_OP_REPLY);
	arp->arp_data.arp_tha = arp->arp_data.arp_sha;
	arp->arp_data.arp_tip = arp->arp_data.arp_sip;
	arp->arp_data.arp_sha = host_mac;
	arp->arp_data.arp_sip = tip;
	eh->dst_addr = eh->src_addr;
	eh->src_addr = host_mac;
	host_send(m);
	return true;
}

/** The ICMPv6 checksum of l4 (len bytes) under an IPv6 header. */
uint16_t
host_cksum6(const struct rte_ipv6_hdr *ip6, const void *l4, uint32_t len)
{
	uint32_t sum = rte_ipv6_phdr_cksum(ip6, 0) + rte_raw_cksum(l4, len);

	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/**
 * Answer a neighbour solicitation for our IPv6 address with an NA.
 *
 * @return true when m was an NS/NA (consumed)
 */
static bool
answer_ns(struct rte_mbuf *m)
{
	struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_ipv6_hdr *ip6 = (struct rte_ipv6_hdr *)(eh + 1);
	uint8_t *ic = (uint8_t *)(ip6 + 1);

	if (eh->ether_type != rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV6) ||
	    m->data_len < sizeof(*eh) + sizeof(*ip6) + 24 ||
	    ip6->proto != IPPROTO_ICMPV6 || (ic[0] != 135 && ic[0] != 136))
		return false;
	if (ic[0] == 136)
		return false;       /* for the role to see */
	if (!host.has_ip6 || memcmp(ic + 8, host.ip6, 16)) {
		rte_pktmbuf_free(m);
		return true;
	}
	CHECK(ip6->hop_limits == 255, "NS hop limit %u", ip6->hop_limits);
	CHECK(host_cksum6(ip6, ic, rte_be_to_cpu_16(ip6->payload_len)) == 0,
	      "NS checksum");
	if (m->pkt_len > sizeof(*eh) + sizeof(*ip6) + 32)
		rte_pktmbuf_trim(m, m->pkt_len - (sizeof(*eh) +
						  sizeof(*ip6) + 32));
	else if (rte_pktmbuf_append(m, sizeof(*eh) + sizeof(*ip6) + 32 -
				    m->pkt_len) == NULL) {
		rte_pktmbuf_free(m);
		return true;
	}
	eh->dst_addr = eh->src_addr;
	eh->src_addr = host_mac;
	memcpy(ip6->dst_addr, ip6->src_addr, 16);
	memcpy(ip6->src_addr, host.ip6, 16);
	ip6->payload_len = rte_cpu_to_be_16(32);
	ip6->hop_limits = 255;
	memset(ic, 0, 32);
	ic[0] = 136;
	ic[4] = 0x60;              /* solicited, override */
	memcpy(ic + 8, host.ip6, 16);
	ic[24] = 2;
	ic[25] = 1;
	memcpy(ic + 26, &host_mac, 6);
	*(uint16_t *)(ic + 2) = host_cksum6(ip6, ic, 32);
	host_send(m);
	return true;
}

/**
 * Poll the port for at most timeout_ms (sleeping when idle): ARP and
 * NS for us are answered; every other packet goes to h (which owns it).
 *
 * @return true as soon as h returns true
 */
bool
host_poll(host_handler h, void *arg, unsigned int timeout_ms)
{
	uint64_t end = host_ms() + timeout_ms;
	struct rte_mbuf *m[32];
	bool done = false;
	uint16_t n, i;

	do {
		n = rte_eth_rx_burst(0, 0, m, 32);
		for (i = 0; i < n; i++) {
			if (answer_arp(m[i]) || answer_ns(m[i]))
				continue;
			if (done || h == NULL)
				rte_pktmbuf_free(m[i]);
			else
				done = h(m[i], arg);
		}
		if (done)
			return true;
		if (n == 0)
			usleep(200);
	} while (host_ms() < end);
	return false;
}

/** The UDP payload pattern byte at offset i. */
static inline uint8_t
pattern(uint32_t i)
{
	return (uint8_t)(i * 7 + 3);
}

/**
 * Build an IPv4 UDP packet from us to dst (via dmac) with valid
 * checksums and a known payload.
 */
struct rte_mbuf *
host_udp4(const struct rte_ether_addr *dmac, const uint8_t *dst, uint8_t ttl,
	  uint16_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(host_pool);
	struct rte_ether_hdr *eh;
	struct rte_ipv4_hdr *ip;
	struct rte_udp_hdr *udp;
	uint8_t *pl;
	uint32_t i;

	if (m == NULL)
		return NULL;
	eh = (struct rte_ether_hdr *)rte_pktmbuf_append(m,
		sizeof(*eh) + sizeof(*ip) + sizeof(*udp) + len);
	eh->dst_addr = *dmac;
	eh->src_addr = host_mac;
	eh->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	ip = (struct rte_ipv4_hdr *)(eh + 1);
	memset(ip, 0, sizeof(*ip));
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->total_length = rte_cpu_to_be_16(sizeof(*ip) + sizeof(*udp) + len);
	ip->packet_id = rte_cpu_to_be_16(0x1234);
	ip->time_to_live = ttl;
	ip->next_proto_id = IPPROTO_UDP;
	memcpy(&ip->src_addr, host.ip, 4);
	memcpy(&ip->dst_addr, dst, 4);
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	udp = (struct rte_udp_hdr *)(ip + 1);
	udp->src_port = rte_cpu_to_be_16(HOST_UDP_PORT);
	udp->dst_port = rte_cpu_to_be_16(HOST_UDP_PORT);
	udp->dgram_len = rte_cpu_to_be_16(sizeof(*udp) + len);
	udp->dgram_cksum = 0;
	pl = (uint8_t *)(udp + 1);
	for (i = 0; i < len; i++)
		pl[i] = pattern(i);
	udp->dgram_cksum = rte_ipv4_udptcp_cksum(ip, udp);
	return m;
}

/** As host_udp4(), over IPv6. */
struct rte_mbuf *
host_udp6(const struct rte_ether_addr *dmac, const uint8_t *dst, uint8_t hop,
	  uint16_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(host_pool);
	struct rte_ether_hdr *eh;
	struct rte_ipv6_hdr *ip6;
	struct rte_udp_hdr *udp;
	uint8_t *pl;
	uint32_t i;

	if (m == NULL)
		return NULL;
	eh = (struct rte_ether_hdr *)rte_pktmbuf_append(m,
		sizeof(*eh) + sizeof(*ip6) + sizeof(*udp) + len);
	eh->dst_addr = *dmac;
	eh->src_addr = host_mac;
	eh->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV6);
	ip6 = (struct rte_ipv6_hdr *)(eh + 1);
	ip6->vtc_flow = rte_cpu_to_be_32(6u << 28);
	ip6->payload_len = rte_cpu_to_be_16(sizeof(*udp) + len);
	ip6->proto = IPPROTO_UDP;
	ip6->hop_limits = hop;
	memcpy(ip6->src_addr, host.ip6, 16);
	memcpy(ip6->dst_addr, dst, 16);
	udp = (struct rte_udp_hdr *)(ip6 + 1);
	udp->src_port = rte_cpu_to_be_16(HOST_UDP_PORT);
	udp->dst_port = rte_cpu_to_be_16(HOST_UDP_PORT);
	udp->dgram_len = ip6->payload_len;
	udp->dgram_cksum = 0;
	pl = (uint8_t *)(udp + 1);
	for (i = 0; i < len; i++)
		pl[i] = pattern(i);
	udp->dgram_cksum = rte_ipv6_udptcp_cksum(ip6, udp);
	return m;
}

/** Whether a UDP payload holds the pattern. */
static bool
payload_ok(const struct rte_udp_hdr *udp)
{
	const uint8_t *pl = (const uint8_t *)(udp + 1);
	uint32_t i, n = rte_be_to_cpu_16(udp->dgram_len) - sizeof(*udp);

	for (i = 0; i < n; i++)
		if (pl[i] != pattern(i))
			return false;
	return true;
}

/**
 * Check an IPv4 UDP packet of ours: lengths, header and UDP checksums,
 * payload.
 *
 * @param len  bytes available from the IPv4 header on
 */
bool
host_udp4_valid(const struct rte_ipv4_hdr *ip, uint32_t len)
{
	const struct rte_udp_hdr *udp = (const struct rte_udp_hdr *)(ip + 1);
	uint32_t sum;

	if (len < sizeof(*ip) + sizeof(*udp) || ip->version_ihl != 0x45 ||
	    rte_be_to_cpu_16(ip->total_length) > len ||
	    ip->next_proto_id != IPPROTO_UDP ||
	    rte_be_to_cpu_16(udp->dgram_len) + sizeof(*ip) >
	    rte_be_to_cpu_16(ip->total_length))
		return false;
	if (rte_raw_cksum(ip, sizeof(*ip)) != 0xffff)
		return false;
	sum = rte_ipv4_phdr_cksum(ip, 0) +
		rte_raw_cksum(udp, rte_be_to_cpu_16(udp->dgram_len));
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	if (udp->dgram_cksum != 0 && sum != 0xffff)
		return false;
	return payload_ok(udp);
}

/** As host_udp4_valid(), for IPv6. */
bool
host_udp6_valid(const struct rte_ipv6_hdr *ip6, uint32_t len)
{
	const struct rte_udp_hdr *udp = (const struct rte_udp_hdr *)(ip6 + 1);
	uint32_t plen = rte_be_to_cpu_16(ip6->payload_len);

	if (len < sizeof(*ip6) + sizeof(*udp) || plen + sizeof(*ip6) > len ||
	    ip6->proto != IPPROTO_UDP)
		return false;
	if (host_cksum6(ip6, udp, plen) != 0)
		return false;
	return payload_ok(udp);
}

/**
 * Parse an IPv4 ("a.b.c.d"), an IPv6 address or "ADDR/LEN" (the length
 * is ignored) into ip; exits on a bad one.
 */
static void
parse_ip(const char *s, int af, uint8_t *ip)
{
	char buf[64], *slash;

	snprintf(buf, sizeof(buf), "%s", s);
	slash = strchr(buf, '/');
	if (slash != NULL)
		*slash = '\0';
	if (inet_pton(af, buf, ip) != 1) {
		fprintf(stderr, "fwd_host: bad address %s\n", s);
		exit(2);
	}
}

/** Parse 40 hex digits; exits on a bad one. */
static void
parse_raw(const char *s, uint8_t *a)
{
	unsigned int i, b;

	for (i = 0; i < 20; i++) {
		if (strlen(s) != 40 || sscanf(s + 2 * i, "%2x", &b) != 1) {
			fprintf(stderr, "fwd_host: bad IPoIB address %s\n", s);
			exit(2);
		}
		a[i] = (uint8_t)b;
	}
}

/** Apply one option; exits on a bad one. */
static void
apply_opt(const char *name, const char *v)
{
	if (strcmp(name, "ip") == 0) {
		parse_ip(v, AF_INET, host.ip);
		host.has_ip = true;
	} else if (strcmp(name, "gw") == 0) {
		parse_ip(v, AF_INET, host.gw);
	} else if (strcmp(name, "ip6") == 0) {
		parse_ip(v, AF_INET6, host.ip6);
		host.has_ip6 = true;
	} else if (strcmp(name, "gw6") == 0) {
		parse_ip(v, AF_INET6, host.gw6);
	} else if (strcmp(name, "dst") == 0 && host.nb_dst < HOST_MAX_DST) {
		parse_ip(v, AF_INET, host.dst[host.nb_dst++]);
	} else if (strcmp(name, "dst6") == 0 && host.nb_dst6 < HOST_MAX_DST) {
		parse_ip(v, AF_INET6, host.dst6[host.nb_dst6++]);
	} else if (strcmp(name, "unrouted") == 0) {
		parse_ip(v, AF_INET, host.unrouted);
		host.has_unrouted = true;
	} else if (strcmp(name, "unresolved") == 0) {
		parse_ip(v, AF_INET, host.unresolved);
		host.has_unresolved = true;
	} else if (strcmp(name, "unrouted6") == 0) {
		parse_ip(v, AF_INET6, host.unrouted6);
		host.has_unrouted6 = true;
	} else if (strcmp(name, "expect-src") == 0) {
		parse_ip(v, AF_INET, host.expect_src);
	} else if (strcmp(name, "expect-src6") == 0) {
		parse_ip(v, AF_INET6, host.expect_src6);
	} else if (strcmp(name, "count") == 0) {
		host.count = (unsigned int)atoi(v);
	} else if (strcmp(name, "timeout") == 0) {
		host.timeout = (unsigned int)atoi(v);
	} else if (strcmp(name, "ttl") == 0) {
		host.ttl = (unsigned int)atoi(v);
	} else if (strcmp(name, "rate") == 0) {
		host.rate = (unsigned int)atoi(v);
	} else if (strcmp(name, "raw-dst") == 0) {
		parse_raw(v, host.raw_dst);
		host.has_raw_dst = true;
	} else if (strcmp(name, "hold") == 0) {
		host.hold_file = v;
	} else if (strcmp(name, "ready") == 0) {
		host.ready_file = v;
	} else {
		fprintf(stderr, "fwd_host: bad option --%s\n", name);
		exit(2);
	}
}

/** Parse "ROLE --opt value ...". */
static void
parse_args(int argc, char **argv)
{
	int i;

	if (argc < 2) {
		fprintf(stderr, "usage: fwd_host <EAL> -- source|sink|raw-send"
			"|raw-recv [--opt value]...\n");
		exit(2);
	}
	host.role = argv[1];
	for (i = 2; i + 1 < argc; i += 2) {
		if (strncmp(argv[i], "--", 2) != 0) {
			fprintf(stderr, "fwd_host: bad argument %s\n", argv[i]);
			exit(2);
		}
		apply_opt(argv[i] + 2, argv[i + 1]);
	}
	if (i < argc) {
		fprintf(stderr, "fwd_host: %s needs a value\n", argv[i]);
		exit(2);
	}
}

/**
 * Start port 0 with one queue pair and wait (at most 20 s) for its link.
 *
 * @return 0 or -1
 */
static int
port_start(void)
{
	struct rte_eth_conf conf;
	struct rte_eth_link link;
	uint64_t end = host_ms() + 20000;

	memset(&conf, 0, sizeof(conf));
	host_pool = rte_pktmbuf_pool_create("host_pool", 4095, 64, 0,
					    RTE_MBUF_DEFAULT_BUF_SIZE,
					    rte_socket_id());
	if (host_pool == NULL || rte_eth_dev_count_avail() < 1 ||
	    rte_eth_dev_configure(0, 1, 1, &conf) != 0 ||
	    rte_eth_rx_queue_setup(0, 0, 512, rte_eth_dev_socket_id(0), NULL,
				   host_pool) != 0 ||
	    rte_eth_tx_queue_setup(0, 0, 512, rte_eth_dev_socket_id(0),
				   NULL) != 0 ||
	    rte_eth_dev_start(0) != 0)
		return -1;
	rte_eth_macaddr_get(0, &host_mac);
	if (host.has_ip6) {
		/* hear neighbour solicitations (an IPoIB port must join) */
		struct rte_ether_addr mc[2] = {
			{ { 0x33, 0x33, 0, 0, 0, 1 } },
			{ { 0x33, 0x33, 0xff, host.ip6[13], host.ip6[14],
			    host.ip6[15] } },
		};
		int ret = rte_eth_dev_set_mc_addr_list(0, mc, 2);

		if (ret != 0 && ret != -ENOTSUP)
			printf("fwd_host: warning: joining groups: %d\n", ret);
	}
	do {
		memset(&link, 0, sizeof(link));
		rte_eth_link_get_nowait(0, &link);
		if (link.link_status == RTE_ETH_LINK_UP)
			return 0;
		usleep(50000);
	} while (host_ms() < end);
	fprintf(stderr, "fwd_host: link did not come up\n");
	return -1;
}

/** Write the ready file (its content: our MAC, then extra). */
void
host_write_ready(const char *extra)
{
	char tmp[600], mac[RTE_ETHER_ADDR_FMT_SIZE];
	FILE *f;

	if (host.ready_file == NULL)
		return;
	snprintf(tmp, sizeof(tmp), "%s.tmp", host.ready_file);
	f = fopen(tmp, "w");
	if (f == NULL)
		return;
	rte_ether_format_addr(mac, sizeof(mac), &host_mac);
	fprintf(f, "%s %s\n", mac, extra != NULL ? extra : "");
	fclose(f);
	rename(tmp, host.ready_file);
}

/**
 * With --hold FILE, keep the port open (answering ARP/ND) until FILE
 * exists, at most 60 s: a memif client that disconnects while its
 * server polls can crash the server in DPDK 22.11, so the tests stop
 * the forwarder first.
 */
static void
hold(void)
{
	uint64_t end = host_ms() + 60000;

	if (host.hold_file == NULL)
		return;
	while (access(host.hold_file, F_OK) != 0 && host_ms() < end)
		host_poll(NULL, NULL, 100);
}

/**
 * Entry point: EAL, port, the role, then stop/close and check that every
 * mbuf came back.
 */
int
main(int argc, char **argv)
{
	int ret, rc;

	ret = rte_eal_init(argc, argv);
	if (ret < 0) {
		fprintf(stderr, "fwd_host: EAL init failed\n");
		return 2;
	}
	parse_args(argc - ret, argv + ret);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (port_start() != 0) {
		fprintf(stderr, "fwd_host: port 0 did not start\n");
		return 1;
	}
	if (strcmp(host.role, "source") == 0)
		rc = host_run_source();
	else if (strcmp(host.role, "sink") == 0)
		rc = host_run_sink();
	else if (strcmp(host.role, "gen") == 0)
		rc = host_run_gen();
	else if (strcmp(host.role, "raw-send") == 0)
		rc = host_run_raw_send();
	else if (strcmp(host.role, "raw-recv") == 0)
		rc = host_run_raw_recv();
	else {
		fprintf(stderr, "fwd_host: unknown role %s\n", host.role);
		rc = 2;
	}
	printf("fwd_host %s: done (%u failure(s) so far)\n", host.role,
	       host_failures);
	hold();
	rte_eth_dev_stop(0);
	rte_eth_dev_close(0);
	CHECK(rte_mempool_avail_count(host_pool) == 4095,
	      "%u mbufs not back", 4095 - rte_mempool_avail_count(host_pool));
	rte_eal_cleanup();
	if (rc == 0 && host_failures > 0)
		rc = 1;
	printf("fwd_host %s: %s (%u failure(s))\n", host.role,
	       rc == 0 ? "PASS" : "FAIL", host_failures);
	return rc;
}
