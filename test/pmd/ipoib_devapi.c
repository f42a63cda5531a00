/* SPDX-License-Identifier: BSD-3-Clause */

/**
 * @file
 * The PMD against a sender that speaks the device API directly, as the
 * Linux kernel's ib_ipoib does (unicast without a GRH inside a subnet).
 * One process: the PMD's port on host1 (the vdev), a raw UD QP on host2
 * opened through the device API (test/hcasim/hcasim_tlib.c).
 *
 *   ipoib_devapi <EAL args, --vdev net_ipoib0,mode=raw[,grh=...]> -- \
 *           PHASE... (nogrh, reply-grh, reply-nogrh, preresolved,
 *                     malformed, nobuf, telemetry, restart, rss)
 *
 * Phases run in order on one port; "rss" configures 2 rx and 2 tx
 * queues instead of 1. Exit status 0 when every check passed; every
 * wait is bounded.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_cycles.h>
#include <rte_ip.h>
#include <rte_udp.h>
#include <rte_mbuf.h>

#include "hca_sa.h"
#include "hcasim_tlib.h"
#include "rte_pmd_ipoib.h"

#define TEST_PROTO 0x88b5
#define NB_MBUF 1023
#define RX_DESC 256
#define RSS_FLOWS 32
#define RSS_PER_FLOW 4

static unsigned int failures;
static struct rte_mempool *pool;
static uint16_t port;
static uint16_t nb_queues = 1;
static struct t_host h2;          /* the device-API host */
static struct hca_qp *qp2b;       /* a second QP on host2 */
static uint16_t own_lid;
static struct rte_ipoib_addr own;
static uint32_t qkey = 0x0b1b;
static uint16_t h2_key;           /* host2's first QP as the PMD knows it */
static uint64_t h2_tag;

#include "../ipoib_test.h"

/* ------------------------------------------------------------ helpers */

/** An xstat by name (absent: a failure, UINT64_MAX). */
static uint64_t
xstat(const char *name)
{
	return ipoib_test_xstat(port, name);
}

/** Seconds to TSC deadline. */
static uint64_t
deadline_in(double s)
{
	return rte_get_tsc_cycles() + (uint64_t)(s * rte_get_tsc_hz());
}

/** The QPN of a 20-byte address. */
static uint32_t
addr_qpn(const struct rte_ipoib_addr *a)
{
	return (uint32_t)a->bytes[1] << 16 | (uint32_t)a->bytes[2] << 8 |
		a->bytes[3];
}

/** The address of a host2 QP. */
static void
h2_addr(const struct hca_qp *qp, struct rte_ipoib_addr *a)
{
	memset(a, 0, sizeof(*a));
	a->bytes[1] = (uint8_t)(qp->wire_qpn >> 16);
	a->bytes[2] = (uint8_t)(qp->wire_qpn >> 8);
	a->bytes[3] = (uint8_t)qp->wire_qpn;
	memcpy(&a->bytes[4], h2.attr.port.gid.raw, 16);
}

/**
 * Send len bytes (IPoIB header + payload already in the send area at
 * offset off) from a host2 QP to the PMD, without a GRH, and reap it.
 */
static int
h2_send_raw(struct hca_qp *qp, uint32_t off, uint32_t len)
{
	struct mlx5_wqe_av av;
	struct mlx5_cqe64 cqe;

	hca_av_fill(&av, addr_qpn(&own), qkey, own_lid, 0, 0, NULL, 0, 0, 0);
	t_send(&h2, qp, &av, t_send_area(&h2) + off, len, false, true);
	if (t_poll(h2.scq, 2000, &cqe) != 0 ||
	    hca_cqe_opcode(&cqe) != MLX5_CQE_REQ)
		return -1;
	return 0;
}

/** Send a test packet "tag" from a host2 QP (no GRH). */
static int
h2_send(struct hca_qp *qp, const char *text)
{
	uint8_t *b = t_send_area(&h2);
	size_t n = strlen(text) + 1;

	b[0] = TEST_PROTO >> 8;
	b[1] = TEST_PROTO & 0xff;
	b[2] = 0x12; /* garbage in the reserved field: the PMD clears it */
	b[3] = 0x34;
	memcpy(b + 4, text, n);
	return h2_send_raw(qp, 0, (uint32_t)(4 + n));
}

/**
 * Poll every rx queue until a packet whose payload starts with text
 * arrives (others are freed); the match is returned, not freed.
 */
static struct rte_mbuf *
pmd_wait(const char *text, double seconds, uint16_t *queue)
{
	uint64_t end = deadline_in(seconds);

	while (rte_get_tsc_cycles() < end) {
		struct rte_mbuf *pkts[32];
		uint16_t q, n, i;

		for (q = 0; q < nb_queues; q++) {
			struct rte_mbuf *found = NULL;

			n = rte_eth_rx_burst(port, q, pkts, 32);
			for (i = 0; i < n; i++) {
				const char *pl = rte_pktmbuf_mtod_offset(
					pkts[i], const char *, 4);

				if (found == NULL && pkts[i]->pkt_len >=
				    4 + strlen(text) &&
				    strncmp(pl, text, strlen(text)) == 0)
					found = pkts[i];
				else
					rte_pktmbuf_free(pkts[i]);
			}
			if (found != NULL) {
				if (queue != NULL)
					*queue = q;
				return found;
			}
		}
		rte_eth_tx_burst(port, 0, NULL, 0);
		usleep(1000);
	}
	return NULL;
}

/** Poll the PMD (freeing everything) for ms milliseconds. */
static void
pmd_idle(unsigned int ms)
{
	uint64_t end = deadline_in(ms / 1000.0);
	struct rte_mbuf *pkts[32];
	uint16_t q, n;

	while (rte_get_tsc_cycles() < end) {
		for (q = 0; q < nb_queues; q++) {
			n = rte_eth_rx_burst(port, q, pkts, 32);
			rte_pktmbuf_free_bulk(pkts, n);
		}
		usleep(1000);
	}
}

/** Build a packet from the PMD with a text payload. */
static struct rte_mbuf *
pmd_pkt(const char *text)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	struct rte_ipoib_hdr *h;
	size_t n = strlen(text) + 1;

	if (m == NULL)
		return NULL;
	h = (struct rte_ipoib_hdr *)rte_pktmbuf_append(m, sizeof(*h) + n);
	h->proto = rte_cpu_to_be_16(TEST_PROTO);
	h->key = 0;
	memcpy(h + 1, text, n);
	return m;
}

/** Send one packet from the PMD on a tx queue (freed if not taken). */
static void
pmd_send(struct rte_mbuf *m, uint16_t q)
{
	if (m != NULL && rte_eth_tx_burst(port, q, &m, 1) == 0)
		rte_pktmbuf_free(m);
}

/**
 * Wait for a packet on host2's first QP (the only one with receive
 * buffers, posted in order by t_recv_post()) whose payload is text; the
 * IPoIB reserved field must be zero on the wire.
 *
 * @param grh  set to whether it came with a GRH
 * @return 0 when it came
 */
static int
h2_wait(const char *text, bool *grh)
{
	uint64_t end = deadline_in(5);

	while (rte_get_tsc_cycles() < end) {
		struct mlx5_cqe64 cqe;
		struct hca_rx_cqe rc;
		const uint8_t *b;

		if (t_poll(h2.rcq, 200, &cqe) != 0)
			continue;
		hca_cqe_decode_rx(&cqe, &rc);
		b = h2.mem + (size_t)(rc.wqe_index % T_NRECV) * T_BUF;
		t_recv_post(&h2, h2.qp); /* replace the buffer consumed */
		if (hca_cqe_opcode(&cqe) == MLX5_CQE_RESP_SEND &&
		    rc.byte_cnt >= 44 + strlen(text) &&
		    memcmp(b + 44, text, strlen(text)) == 0 &&
		    b[42] == 0 && b[43] == 0) {
			*grh = rc.grh;
			return 0;
		}
	}
	return -1;
}

/* ------------------------------------------------------------ phases */

/**
 * Packets without a GRH from an unknown (SLID, QPN): counted, then the
 * source is learned through the SA (NodeRecord by LID) and later packets
 * carry its key and tag.
 */
static void
phase_nogrh(void)
{
	struct rte_ipoib_addr a, want;
	struct rte_mbuf *m = NULL;
	uint64_t end = deadline_in(15);
	unsigned int sent = 0;

	h2_addr(h2.qp, &want);
	while (rte_get_tsc_cycles() < end) {
		CHECK(h2_send(h2.qp, "nogrh hello") == 0, "send");
		sent++;
		m = pmd_wait("nogrh hello", 0.05, NULL);
		if (m != NULL && rte_pmd_ipoib_get_key(m) != 0)
			break;
		rte_pktmbuf_free(m);
		m = NULL;
	}
	CHECK(m != NULL, "a packet with a source key after %u sends", sent);
	if (m == NULL)
		return;
	h2_key = rte_pmd_ipoib_get_key(m);
	h2_tag = rte_pmd_ipoib_get_tag(m);
	rte_pktmbuf_free(m);
	CHECK(h2_tag != 0 && rte_pmd_ipoib_tag_key(h2_tag) == h2_key,
	      "tag 0x%" PRIx64 " for key %u", h2_tag, h2_key);
	CHECK(rte_pmd_ipoib_peer_info(port, h2_key, &a, NULL) == 0 &&
	      memcmp(&a.bytes[1], &want.bytes[1], 19) == 0,
	      "the key is host2's QP (QPN 0x%06x, GID from the SA)",
	      addr_qpn(&want));
	CHECK(xstat("rx_no_grh") >= sent, "rx_no_grh %" PRIu64,
	      xstat("rx_no_grh"));
	/* the control thread counts the learning right after publishing
	 * the peer, which the data path may show first: 2 s at most */
	end = deadline_in(2);
	while (xstat("peers_learned_by_lid") == 0 &&
	       rte_get_tsc_cycles() < end)
		rte_delay_ms(10);
	CHECK(xstat("lid_queries") >= 1 && xstat("peers_learned_by_lid") == 1,
	      "learned by LID: %" PRIu64 " queries, %" PRIu64 " learned",
	      xstat("lid_queries"), xstat("peers_learned_by_lid"));
	printf("nogrh: key %u tag 0x%" PRIx64 " after %u packets, %" PRIu64
	       " unknown\n", h2_key, h2_tag, sent, xstat("rx_unknown_lid"));
}

/** The PMD answers host2 by tag and by bare key; GRH as configured. */
static void
phase_reply(bool want_grh)
{
	struct rte_mbuf *m;
	bool grh = !want_grh;

	m = pmd_pkt("reply by tag");
	if (m != NULL)
		rte_pmd_ipoib_set_dst_tag(m, h2_tag);
	pmd_send(m, (uint16_t)(nb_queues - 1));
	CHECK(h2_wait("reply by tag", &grh) == 0, "reply by tag");
	CHECK(grh == want_grh, "reply GRH %d, want %d", grh, want_grh);
	m = pmd_pkt("reply by key");
	if (m != NULL)
		rte_pmd_ipoib_set_key(m, h2_key);
	pmd_send(m, 0);
	CHECK(h2_wait("reply by key", &grh) == 0, "reply by key");
}

/**
 * A peer resolved through the API (PathRecord) is in the (LID, QPN)
 * index at once: its first packet without a GRH carries its key.
 */
static void
phase_preresolved(void)
{
	struct rte_ipoib_addr a;
	struct rte_ipoib_path path = { 0 };
	uint64_t tag = 0, q0, end = deadline_in(10);
	struct rte_mbuf *m;

	h2_addr(qp2b, &a);
	CHECK(rte_pmd_ipoib_resolve_tag(port, &a, &tag) == 0 && tag != 0,
	      "resolve host2's second QP");
	while (rte_get_tsc_cycles() < end &&
	       (rte_pmd_ipoib_peer_info(port, rte_pmd_ipoib_tag_key(tag),
					NULL, &path) != 0 || !path.resolved))
		pmd_idle(20);
	CHECK(path.resolved && path.lid == h2.attr.port.lid,
	      "path to host2 (LID 0x%04x)", path.lid);
	q0 = xstat("lid_queries");
	CHECK(h2_send(qp2b, "second qp") == 0, "send");
	m = pmd_wait("second qp", 5, NULL);
	CHECK(m != NULL && rte_pmd_ipoib_get_tag(m) == tag &&
	      rte_pmd_ipoib_get_key(m) == rte_pmd_ipoib_tag_key(tag),
	      "first packet carries the resolved key and tag");
	rte_pktmbuf_free(m);
	CHECK(xstat("lid_queries") == q0, "no SA query for a known LID");
}

/** A datagram shorter than the IPoIB header is counted malformed. */
static void
phase_malformed(void)
{
	uint64_t m0 = xstat("rx_malformed"), end = deadline_in(5);
	uint8_t *b = t_send_area(&h2);
	struct rte_mbuf *m;

	b[0] = 0x08;
	b[1] = 0x00;
	CHECK(h2_send_raw(h2.qp, 0, 2) == 0, "send 2 bytes");
	CHECK(h2_send(h2.qp, "after malformed") == 0, "send");
	m = pmd_wait("after malformed", 5, NULL);
	CHECK(m != NULL, "traffic after a malformed packet");
	rte_pktmbuf_free(m);
	while (xstat("rx_malformed") == m0 && rte_get_tsc_cycles() < end)
		pmd_idle(10);
	CHECK(xstat("rx_malformed") - m0 == 1, "rx_malformed +%" PRIu64,
	      xstat("rx_malformed") - m0);
}

/** Send n packets from host2's first QP, reaping each. */
static unsigned int
h2_flood(unsigned int n, const char *text)
{
	unsigned int i, ok = 0;

	for (i = 0; i < n; i++)
		ok += h2_send(h2.qp, text) == 0;
	return ok;
}

/**
 * No receive buffer: (1) the PMD is not polled, the device drops what
 * overflows its ring (hcasim's rcv_discards_no_buffer); (2) the
 * application holds every mbuf, the PMD's refill fails
 * (rx_no_receive_buffer). Then traffic flows again.
 */
static void
phase_nobuf(void)
{
	long long d0 = t_counter("host1", "rcv_discards_no_buffer"), d1;
	struct rte_mbuf *held[NB_MBUF], *m;
	unsigned int n_held = 0, round;
	uint64_t nb0 = xstat("rx_no_receive_buffer");

	CHECK(h2_flood(RX_DESC + 100, "flood") == RX_DESC + 100, "flood");
	d1 = t_counter("host1", "rcv_discards_no_buffer");
	CHECK(d0 >= 0 && d1 - d0 >= 90, "device drops without buffers: %lld",
	      d1 - d0);
	pmd_idle(100);
	for (round = 0; round < 12 && xstat("rx_no_receive_buffer") == nb0;
	     round++) {
		uint64_t end = deadline_in(1);

		h2_flood(100, "hold");
		while (rte_get_tsc_cycles() < end && n_held < NB_MBUF) {
			uint16_t k = rte_eth_rx_burst(port, 0, held + n_held,
				(uint16_t)RTE_MIN(32u, NB_MBUF - n_held));

			n_held += k;
			if (k == 0)
				usleep(1000);
		}
	}
	CHECK(xstat("rx_no_receive_buffer") > nb0,
	      "refill failures counted (%u mbufs held)", n_held);
	rte_pktmbuf_free_bulk(held, n_held);
	pmd_idle(50);
	CHECK(h2_send(h2.qp, "after nobuf") == 0, "send");
	m = pmd_wait("after nobuf", 5, NULL);
	CHECK(m != NULL, "traffic flows again after the pool ran dry");
	rte_pktmbuf_free(m);
	printf("nobuf: device dropped %lld, refill failures %" PRIu64 "\n",
	       d1 - d0, xstat("rx_no_receive_buffer") - nb0);
}

/**
 * Ask the process's own telemetry socket for /ipoib/peers,<port> and
 * check that host2's key and GID are listed.
 */
static void
phase_telemetry(void)
{
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	static char buf[65536];
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	char cmd[64], key[16], gid[48];
	union hca_gid g;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/dpdk_telemetry.v2",
		 rte_eal_get_runtime_dir());
	strlcpy(sun.sun_path, path, sizeof(sun.sun_path));
	fd = socket(AF_UNIX, SOCK_SEQPACKET, 0);
	CHECK(fd >= 0 && connect(fd, (struct sockaddr *)&sun,
				 sizeof(sun)) == 0, "connect %s", path);
	if (fd < 0)
		return;
	n = read(fd, buf, sizeof(buf) - 1); /* the greeting */
	snprintf(cmd, sizeof(cmd), "/ipoib/peers,%u", port);
	if (n > 0 && write(fd, cmd, strlen(cmd)) == (ssize_t)strlen(cmd))
		n = read(fd, buf, sizeof(buf) - 1);
	else
		n = -1;
	close(fd);
	CHECK(n > 0, "telemetry reply");
	if (n <= 0)
		return;
	buf[n] = '\0';
	snprintf(key, sizeof(key), "\"%u\":", h2_key);
	memcpy(g.raw, h2.attr.port.gid.raw, 16);
	hca_gid_to_str(&g, gid, sizeof(gid));
	CHECK(strstr(buf, key) != NULL && strstr(buf, gid) != NULL &&
	      strstr(buf, "\"count\":") != NULL,
	      "host2 (key %u, %s) listed: %.300s", h2_key, gid, buf);
}

/**
 * Stop and start again: no mbuf lost, traffic flows both ways, and a tag
 * from before the stop is refused (tx_stale_key), never sent.
 */
static void
phase_restart(void)
{
	struct rte_mbuf *m = NULL;
	uint64_t end, old_tag = h2_tag, stale0;
	bool grh;

	CHECK(rte_eth_dev_stop(port) == 0, "stop");
	CHECK(rte_mempool_avail_count(pool) == NB_MBUF,
	      "every mbuf back after stop: %u of %u",
	      rte_mempool_avail_count(pool), NB_MBUF);
	CHECK(rte_eth_dev_start(port) == 0, "start again");
	CHECK(rte_pmd_ipoib_own_addr(port, &own) == 0, "own address");
	end = deadline_in(15);
	while (rte_get_tsc_cycles() < end) {
		h2_send(h2.qp, "restarted");
		m = pmd_wait("restarted", 0.05, NULL);
		if (m != NULL && rte_pmd_ipoib_get_key(m) != 0)
			break;
		rte_pktmbuf_free(m);
		m = NULL;
	}
	CHECK(m != NULL, "traffic after restart");
	if (m == NULL)
		return;
	h2_key = rte_pmd_ipoib_get_key(m);
	h2_tag = rte_pmd_ipoib_get_tag(m);
	CHECK(h2_tag != 0 && h2_tag != old_tag, "new tag 0x%" PRIx64
	      " (was 0x%" PRIx64 ")", h2_tag, old_tag);
	stale0 = xstat("tx_stale_key");
	if (old_tag != 0) {
		struct rte_mbuf *o = pmd_pkt("to an old tag");

		if (o != NULL)
			rte_pmd_ipoib_set_dst_tag(o, old_tag);
		pmd_send(o, 0);
		CHECK(xstat("tx_stale_key") - stale0 == 1,
		      "a tag from before the restart is stale");
	}
	/* answer the received packet in place: its tag names the source */
	rte_pmd_ipoib_set_dst_tag(m, h2_tag);
	pmd_send(m, 0);
	CHECK(h2_wait("restarted", &grh) == 0, "answer after restart");
}

/** Fill a UDP/IPv4 packet of flow f in host2's send area at off. */
static uint32_t
rss_packet(unsigned int f, uint32_t off)
{
	uint8_t *b = t_send_area(&h2) + off;
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(b + 4);
	struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(ip + 1);
	char *pl = (char *)(udp + 1);
	uint16_t plen = 16;

	b[0] = 0x08;
	b[1] = 0x00;
	b[2] = b[3] = 0;
	memset(ip, 0, sizeof(*ip));
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_UDP;
	ip->src_addr = rte_cpu_to_be_32(RTE_IPV4(10, 0, 0, 2));
	ip->dst_addr = rte_cpu_to_be_32(RTE_IPV4(10, 0, 0, 1));
	ip->total_length = rte_cpu_to_be_16(sizeof(*ip) + sizeof(*udp) +
					    plen);
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	udp->src_port = rte_cpu_to_be_16((uint16_t)(10000 + f));
	udp->dst_port = rte_cpu_to_be_16(4789);
	udp->dgram_len = rte_cpu_to_be_16(sizeof(*udp) + plen);
	snprintf(pl, plen, "flow %u", f);
	return (uint32_t)(4 + sizeof(*ip) + sizeof(*udp) + plen);
}

/**
 * RSS: UDP flows from host2 spread over both rx queues, each flow on one
 * queue, with the hash in mbuf->hash.rss; both tx queues send.
 */
static void
phase_rss(void)
{
	int flow_q[RSS_FLOWS];
	uint32_t flow_hash[RSS_FLOWS];
	unsigned int per_q[2] = { 0, 0 }, got = 0, f, k, bad = 0;
	uint64_t end;
	struct rte_eth_dev_info info;

	CHECK(rte_eth_dev_info_get(port, &info) == 0 &&
	      info.max_rx_queues >= 2 &&
	      (info.flow_type_rss_offloads & RTE_ETH_RSS_NONFRAG_IPV4_UDP) &&
	      (info.rx_offload_capa & RTE_ETH_RX_OFFLOAD_RSS_HASH),
	      "dev_infos: queues and RSS");
	for (f = 0; f < RSS_FLOWS; f++)
		flow_q[f] = -1;
	for (k = 0; k < RSS_PER_FLOW; k++)
		for (f = 0; f < RSS_FLOWS; f++)
			CHECK(h2_send_raw(h2.qp, 0, rss_packet(f, 0)) == 0,
			      "send flow %u", f);
	end = deadline_in(10);
	while (got < RSS_FLOWS * RSS_PER_FLOW && rte_get_tsc_cycles() < end) {
		struct rte_mbuf *pkts[32];
		uint16_t q, n, i;

		for (q = 0; q < 2; q++) {
			n = rte_eth_rx_burst(port, q, pkts, 32);
			for (i = 0; i < n; i++) {
				const struct rte_udp_hdr *u =
					rte_pktmbuf_mtod_offset(pkts[i],
						const struct rte_udp_hdr *,
						4 + sizeof(struct rte_ipv4_hdr));

				f = rte_be_to_cpu_16(u->src_port) - 10000u;
				if (rte_pmd_ipoib_get_key(pkts[i]) == 0 ||
				    pkts[i]->pkt_len < 40 || f >= RSS_FLOWS) {
					rte_pktmbuf_free(pkts[i]);
					continue; /* not learned yet, other */
				}
				got++;
				per_q[q]++;
				if (!(pkts[i]->ol_flags &
				      RTE_MBUF_F_RX_RSS_HASH) ||
				    (flow_q[f] >= 0 && (flow_q[f] != q ||
				     flow_hash[f] != pkts[i]->hash.rss)))
					bad++;
				flow_q[f] = q;
				flow_hash[f] = pkts[i]->hash.rss;
				rte_pktmbuf_free(pkts[i]);
			}
		}
		usleep(1000);
	}
	printf("rss: %u packets, queue 0: %u, queue 1: %u, %u bad\n", got,
	       per_q[0], per_q[1], bad);
	CHECK(got >= RSS_FLOWS * (RSS_PER_FLOW - 1), "packets received");
	CHECK(per_q[0] > 0 && per_q[1] > 0, "both queues receive");
	CHECK(bad == 0, "each flow on one queue with one hash, flag set");
	phase_reply(true); /* by tag on tx queue 1, by key on tx queue 0 */
}

/* --------------------------------------------------------------- main */

/** Configure (1 or 2 queues) and start the PMD's port. */
static int
port_start(void)
{
	struct rte_eth_conf conf;
	uint16_t q;

	memset(&conf, 0, sizeof(conf));
	if (nb_queues > 1) {
		conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		conf.rxmode.offloads = RTE_ETH_RX_OFFLOAD_RSS_HASH;
		conf.rx_adv_conf.rss_conf.rss_hf = RTE_ETH_RSS_IP |
			RTE_ETH_RSS_UDP;
	}
	port = 0;
	pool = rte_pktmbuf_pool_create("devapi_pool", NB_MBUF, 0, 0,
				       RTE_MBUF_DEFAULT_BUF_SIZE, 0);
	if (pool == NULL ||
	    rte_eth_dev_configure(port, nb_queues, nb_queues, &conf) < 0)
		return -1;
	for (q = 0; q < nb_queues; q++)
		if (rte_eth_rx_queue_setup(port, q, RX_DESC, 0, NULL,
					   pool) < 0 ||
		    rte_eth_tx_queue_setup(port, q, 256, 0, NULL) < 0)
			return -1;
	if (rte_eth_dev_start(port) < 0)
		return -1;
	return rte_pmd_ipoib_own_addr(port, &own);
}

/** Open host2 through the device API: two QPs ready, buffers posted. */
static int
host2_open(void)
{
	struct hca_port_info pi;
	const char *me = getenv("SIM_HOST");
	int idx, i;

	if (hca_port_query(NULL, 1, &pi) != 0)
		return -1;
	own_lid = pi.lid;
	if (t_host_open(&h2, "host2") != 0)
		return -1;
	setenv("HCASIM_HOST", me != NULL ? me : "host1", 1);
	idx = t_pkey_index(&h2, 0xffff);
	if (idx < 0 || t_qp_ready(h2.qp, qkey, (uint16_t)idx) != 0 ||
	    t_qp_create(&h2, &qp2b, h2.rcq, NULL) != 0 ||
	    t_qp_ready(qp2b, qkey, (uint16_t)idx) != 0)
		return -1;
	for (i = 0; i < 64; i++)
		t_recv_post(&h2, h2.qp);
	return 0;
}

/** Run one phase by name; -1 for an unknown name. */
static int
run_phase(const char *name)
{
	if (strcmp(name, "nogrh") == 0)
		phase_nogrh();
	else if (strcmp(name, "reply-grh") == 0)
		phase_reply(true);
	else if (strcmp(name, "reply-nogrh") == 0)
		phase_reply(false);
	else if (strcmp(name, "preresolved") == 0)
		phase_preresolved();
	else if (strcmp(name, "malformed") == 0)
		phase_malformed();
	else if (strcmp(name, "nobuf") == 0)
		phase_nobuf();
	else if (strcmp(name, "telemetry") == 0)
		phase_telemetry();
	else if (strcmp(name, "restart") == 0)
		phase_restart();
	else if (strcmp(name, "rss") == 0)
		phase_rss();
	else
		return -1;
	return 0;
}

/** Run the phases; exit 0 when every check passed. */
int
main(int argc, char **argv)
{
	int n = rte_eal_init(argc, argv), i;

	if (n < 0) {
		printf("FAIL: EAL init\n");
		return 1;
	}
	argc -= n;
	argv += n;
	for (i = 1; i < argc; i++)
		if (strcmp(argv[i], "rss") == 0)
			nb_queues = 2;
	if (port_start() != 0 || host2_open() != 0) {
		printf("FAIL: setup\n");
		return 1;
	}
	for (i = 1; i < argc; i++) {
		printf("--- %s\n", argv[i]);
		if (strcmp(argv[i], "rss") == 0)
			phase_nogrh(); /* learn host2 first */
		if (run_phase(argv[i]) < 0) {
			printf("FAIL: unknown phase %s\n", argv[i]);
			failures++;
		}
	}
	CHECK(rte_eth_dev_stop(port) == 0, "stop");
	CHECK(rte_eth_dev_close(port) == 0, "close");
	CHECK(rte_mempool_avail_count(pool) == NB_MBUF,
	      "every mbuf back in the pool: %u of %u",
	      rte_mempool_avail_count(pool), NB_MBUF);
	t_host_close(&h2);
	rte_mempool_free(pool);
	rte_eal_cleanup();
	printf("%s, %u failures\n", failures ? "FAIL" : "PASS", failures);
	return failures ? 1 : 0;
}
