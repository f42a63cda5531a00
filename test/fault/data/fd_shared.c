/* SPDX-License-Identifier: BSD-3-Clause */

/**
 * @file
 * Phases "shared" (PMD mode=raw) and "shared_eth" (PMD mode=eth) against
 * a device-API host2: what transmit must not do to a packet and what
 * receive must not let through.
 *
 * shared: a packet whose mbuf another holder shares (reference count 2)
 * is sent and arrives, and the other holder's bytes are unchanged (the
 * PMD zeroes the key of what it sends: it must do so in a copy,
 * tx_shared_copied); a packet with a zero-length middle segment arrives
 * intact (a ConnectX, and the soft HCA, read a gather entry of 0 bytes
 * as 2 GiB and fail the send).
 *
 * shared_eth: a shared ARP request (its Ethernet header and 6-byte
 * addresses are rewritten on the way out) reaches host2 through the
 * broadcast group and stays byte-identical for its other holder; of two
 * neighbour solicitations from host2, the one with a corrupt ICMPv6
 * checksum is dropped and counted (rx_nd_bad_checksum), the good one
 * arrives with a valid checksum.
 */

#include <string.h>
#include <unistd.h>

#include <rte_ip.h>

#include "fd.h"

/** What a host saw of the PMD's packets. */
struct fd_shared_rx {
	uint64_t fd_ok;       /**< test payloads intact */
	uint32_t last_seq;
	uint64_t arp;         /**< IPoIB ARP (20-byte addresses) */
};

/** Count a packet from the PMD by kind. */
static void
fd_shared_count(struct fd_host *h, unsigned int slot, const uint8_t *pkt,
		uint32_t len, bool grh, void *arg)
{
	struct fd_shared_rx *rx = arg;
	uint32_t sender, seq;

	RTE_SET_USED(h);
	RTE_SET_USED(slot);
	RTE_SET_USED(grh);
	if (len == 4 + FD_PAYLOAD &&
	    fd_payload_check(pkt + 4, FD_PAYLOAD, &sender, &seq) == 0) {
		rx->fd_ok++;
		rx->last_seq = seq;
	} else if (len >= 4 + 8 && pkt[0] == 0x08 && pkt[1] == 0x06 &&
		   pkt[4 + 4] == 20) {
		rx->arp++;
	}
}

/** Poll a host (and drain the PMD) for ms. */
static void
fd_shared_poll(unsigned int ms, struct fd_host *h, struct fd_shared_rx *rx)
{
	uint64_t end = fd_deadline(ms / 1000.0);

	while (!fd_expired(end)) {
		struct rte_mbuf *pkts[32];
		uint16_t n = rte_eth_rx_burst(fd_port, 0, pkts, 32);

		rte_pktmbuf_free_bulk(pkts, n);
		fd_host_poll(h, fd_shared_count, rx);
		rte_eth_tx_burst(fd_port, 0, NULL, 0);
		usleep(500);
	}
}

/** Open host2 with one QP; false (counted) when it cannot. */
static bool
fd_shared_host(struct fd_host *h)
{
	if (fd_host_open(h, "host2", 0xffff) != 0 || fd_host_qp_new(h, 0)) {
		CHECK(false, "host2");
		return false;
	}
	return true;
}

/** The PMD's key for host2's QP, its path resolved (0 on failure). */
static uint16_t
fd_shared_key(struct fd_host *h)
{
	struct rte_ipoib_path path = { 0 };
	struct rte_ipoib_addr a;
	struct fd_shared_rx rx = { 0 };
	uint16_t key = 0;
	uint64_t end = fd_deadline(5);

	fd_host_addr(h, 0, &a);
	if (rte_pmd_ipoib_resolve(fd_port, &a, &key) != 0)
		return 0;
	while (!fd_expired(end) &&
	       (rte_pmd_ipoib_peer_info(fd_port, key, &a, &path) != 0 ||
		!path.resolved))
		fd_shared_poll(50, h, &rx);
	return path.resolved ? key : 0;
}

/** The raw phase (see the file comment). */
void
fd_phase_shared(void)
{
	static struct fd_host h;
	uint32_t own_qpn = (uint32_t)fd_own.bytes[1] << 16 |
		(uint32_t)fd_own.bytes[2] << 8 | fd_own.bytes[3];
	struct fd_shared_rx rx = { 0 };
	struct rte_mbuf *m, *s2, *s3;
	uint8_t before[4 + FD_PAYLOAD], whole[4 + FD_PAYLOAD];
	uint64_t copied0;
	uint16_t key;

	if (!fd_shared_host(&h))
		return;
	key = fd_shared_key(&h);
	CHECK(key != 0, "no resolved key for host2");

	/* a packet with a second holder (reference count 2) */
	m = fd_pmd_pkt(key, own_qpn, 1);
	CHECK(m != NULL, "mbuf");
	if (m == NULL)
		return;
	memcpy(before, rte_pktmbuf_mtod(m, void *), sizeof(before));
	rte_mbuf_refcnt_update(m, 1);
	copied0 = fd_xstat("tx_shared_copied");
	CHECK(fd_pmd_send(&m, 1) == 1, "send shared");
	fd_shared_poll(500, &h, &rx);
	printf("shared packet: host2 got %" PRIu64 ", tx_shared_copied +%"
	       PRIu64 ", the other holder's bytes %s\n", rx.fd_ok,
	       fd_xstat("tx_shared_copied") - copied0,
	       memcmp(before, rte_pktmbuf_mtod(m, void *), sizeof(before)) ?
	       "CHANGED" : "unchanged");
	CHECK(rx.fd_ok == 1, "the shared packet did not arrive");
	CHECK(rte_mbuf_refcnt_read(m) == 1 && m->data_len == sizeof(before) &&
	      memcmp(before, rte_pktmbuf_mtod(m, void *), sizeof(before)) == 0,
	      "the other holder's packet changed");
	CHECK(fd_xstat("tx_shared_copied") - copied0 == 1,
	      "tx_shared_copied +%" PRIu64,
	      fd_xstat("tx_shared_copied") - copied0);
	rte_pktmbuf_free(m);

	/* three segments: header + 20 bytes | 0 bytes | the rest */
	m = fd_pmd_pkt(key, own_qpn, 2);
	s2 = rte_pktmbuf_alloc(fd_pool);
	s3 = rte_pktmbuf_alloc(fd_pool);
	CHECK(m != NULL && s2 != NULL && s3 != NULL, "mbufs");
	if (m == NULL || s2 == NULL || s3 == NULL) {
		rte_pktmbuf_free(m);
		rte_pktmbuf_free(s2);
		rte_pktmbuf_free(s3);
		return;
	}
	memcpy(whole, rte_pktmbuf_mtod(m, void *), sizeof(whole));
	memcpy(rte_pktmbuf_append(s3, sizeof(whole) - 24), whole + 24,
	       sizeof(whole) - 24);
	rte_pktmbuf_trim(m, sizeof(whole) - 24);
	CHECK(rte_pktmbuf_chain(m, s2) == 0 && rte_pktmbuf_chain(m, s3) == 0,
	      "chain");
	rx.fd_ok = 0;
	CHECK(fd_pmd_send(&m, 1) == 1, "send segmented");
	fd_shared_poll(500, &h, &rx);
	printf("zero-length middle segment: host2 got %" PRIu64
	       " intact (seq %u), tx_error_completions %" PRIu64 "\n",
	       rx.fd_ok, rx.last_seq, fd_xstat("tx_error_completions"));
	CHECK(rx.fd_ok == 1 && rx.last_seq == 2,
	      "the packet with a zero-length segment did not arrive intact");
	CHECK(fd_xstat("tx_error_completions") == 0, "send errors");
	fd_host_close(&h);
}

/* ------------------------------------------------------ mode=eth */

/** Build a neighbour solicitation from host2 (IPoIB header first). */
static uint32_t
fd_shared_ns(const struct rte_ipoib_addr *from, uint8_t *pkt, bool corrupt)
{
	struct rte_ipv6_hdr *ip = (struct rte_ipv6_hdr *)(pkt + 4);
	uint8_t *icmp = (uint8_t *)(ip + 1);
	uint16_t ck;

	memset(pkt, 0, 4 + 40 + 48);
	pkt[0] = 0x86;
	pkt[1] = 0xdd;
	ip->vtc_flow = rte_cpu_to_be_32(0x60000000);
	ip->payload_len = rte_cpu_to_be_16(48);
	ip->proto = 58;
	ip->hop_limits = 255;
	ip->src_addr[0] = 0xfe;
	ip->src_addr[1] = 0x80;
	ip->src_addr[15] = 2;
	ip->dst_addr[0] = 0xfe;
	ip->dst_addr[1] = 0x80;
	ip->dst_addr[15] = 1;
	icmp[0] = 135;                  /* NS; target at 8 */
	icmp[8] = 0xfe;
	icmp[9] = 0x80;
	icmp[23] = 1;
	icmp[24] = 1;                   /* SLLA, 3 x 8 bytes */
	icmp[25] = 3;
	memcpy(icmp + 28, from->bytes, 20);
	ck = rte_ipv6_udptcp_cksum(ip, icmp);
	if (corrupt)
		ck ^= 0x5a5a;
	memcpy(icmp + 2, &ck, 2);
	return 4 + 40 + 48;
}

/** Build a broadcast ARP request from the PMD's MAC. */
static struct rte_mbuf *
fd_shared_arp(void)
{
	static const uint8_t body[] = {
		0x00, 0x01, 0x08, 0x00, 6, 4, 0x00, 0x01,
	};
	struct rte_mbuf *m = rte_pktmbuf_alloc(fd_pool);
	struct rte_ether_hdr *eh;
	uint8_t *arp;

	if (m == NULL)
		return NULL;
	arp = (uint8_t *)rte_pktmbuf_append(m, 14 + 28);
	if (arp == NULL) {
		rte_pktmbuf_free(m);
		return NULL;
	}
	memset(arp, 0, 14 + 28);
	eh = (struct rte_ether_hdr *)arp;
	memset(&eh->dst_addr, 0xff, RTE_ETHER_ADDR_LEN);
	rte_eth_macaddr_get(fd_port, &eh->src_addr);
	eh->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP);
	arp = (uint8_t *)(eh + 1);
	memcpy(arp, body, sizeof(body));
	memcpy(arp + 8, &eh->src_addr, RTE_ETHER_ADDR_LEN);
	arp[14] = 10;                   /* 10.0.0.1 asks for 10.0.0.2 */
	arp[17] = 1;
	arp[24] = 10;
	arp[27] = 2;
	return m;
}

/** Count the ND messages (valid checksum) the PMD delivers for ms. */
static unsigned int
fd_shared_eth_nd(unsigned int ms, unsigned int *bad_sum)
{
	uint64_t end = fd_deadline(ms / 1000.0);
	unsigned int nd = 0;

	while (!fd_expired(end)) {
		struct rte_mbuf *pkts[32];
		uint16_t n = rte_eth_rx_burst(fd_port, 0, pkts, 32), i;

		for (i = 0; i < n; i++) {
			struct rte_mbuf *m = pkts[i];
			const struct rte_ether_hdr *eh = rte_pktmbuf_mtod(
				m, const struct rte_ether_hdr *);
			const struct rte_ipv6_hdr *ip;

			if (m->data_len >= 14 + 40 + 8 &&
			    eh->ether_type ==
			    rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV6)) {
				ip = (const struct rte_ipv6_hdr *)(eh + 1);
				if (ip->proto == 58 &&
				    ((const uint8_t *)(ip + 1))[0] == 135) {
					nd++;
					if (rte_ipv6_udptcp_cksum_verify(ip,
							ip + 1) != 0)
						(*bad_sum)++;
				}
			}
			rte_pktmbuf_free(m);
		}
		rte_eth_tx_burst(fd_port, 0, NULL, 0);
		usleep(500);
	}
	return nd;
}

/** The mode=eth phase (see the file comment). */
void
fd_phase_shared_eth(void)
{
	static struct fd_host h;
	struct fd_shared_rx rx = { 0 };
	struct rte_ipoib_path path;
	struct rte_ipoib_addr ga, a;
	struct mlx5_wqe_av av;
	union hca_gid mgid;
	uint8_t before[14 + 28];
	uint8_t *buf;
	unsigned int nd, bad_sum = 0;
	uint64_t copied0, bad0;
	uint16_t bkey = 0;
	struct rte_mbuf *m;

	if (!fd_shared_host(&h))
		return;
	CHECK(rte_pmd_ipoib_broadcast_key(fd_port, &bkey) == 0 &&
	      rte_pmd_ipoib_peer_info(fd_port, bkey, &ga, &path) == 0,
	      "broadcast group");
	memcpy(mgid.raw, &ga.bytes[4], 16);
	CHECK(hca_qp_attach_mcast(h.qp[0], &mgid, path.lid) == 0, "attach");

	/* a shared ARP request: translated in a copy */
	m = fd_shared_arp();
	CHECK(m != NULL, "mbuf");
	if (m == NULL)
		return;
	memcpy(before, rte_pktmbuf_mtod(m, void *), sizeof(before));
	rte_mbuf_refcnt_update(m, 1);
	copied0 = fd_xstat("tx_shared_copied");
	CHECK(fd_pmd_send(&m, 1) == 1, "send shared ARP");
	fd_shared_poll(500, &h, &rx);
	printf("shared ARP: host2 got %" PRIu64 ", tx_shared_copied +%" PRIu64
	       ", the other holder's bytes %s\n", rx.arp,
	       fd_xstat("tx_shared_copied") - copied0,
	       memcmp(before, rte_pktmbuf_mtod(m, void *), sizeof(before)) ?
	       "CHANGED" : "unchanged");
	CHECK(rx.arp == 1, "the shared ARP request did not arrive");
	CHECK(rte_mbuf_refcnt_read(m) == 1 && m->data_len == sizeof(before) &&
	      memcmp(before, rte_pktmbuf_mtod(m, void *), sizeof(before)) == 0,
	      "the other holder's ARP request changed");
	CHECK(fd_xstat("tx_shared_copied") - copied0 == 1,
	      "tx_shared_copied +%" PRIu64,
	      fd_xstat("tx_shared_copied") - copied0);
	rte_pktmbuf_free(m);

	/* host2's NS with a corrupt checksum, then a good one */
	bad0 = fd_xstat("rx_nd_bad_checksum");
	fd_host_addr(&h, 0, &a);
	fd_av_to_pmd(&av, true);
	buf = t_send_area(&h.t);
	t_send(&h.t, h.qp[0], &av, buf, fd_shared_ns(&a, buf, true), true,
	       true);
	t_send(&h.t, h.qp[0], &av, buf + 256, fd_shared_ns(&a, buf + 256,
	       false), true, true);
	nd = fd_shared_eth_nd(1500, &bad_sum);
	printf("NS from host2: %u delivered (%u with a bad checksum), "
	       "rx_nd_bad_checksum +%" PRIu64 "\n", nd, bad_sum,
	       fd_xstat("rx_nd_bad_checksum") - bad0);
	CHECK(nd == 1 && bad_sum == 0, "NS delivered: %u (bad checksums %u)",
	      nd, bad_sum);
	CHECK(fd_xstat("rx_nd_bad_checksum") - bad0 == 1,
	      "rx_nd_bad_checksum +%" PRIu64,
	      fd_xstat("rx_nd_bad_checksum") - bad0);
	fd_host_close(&h);
}
