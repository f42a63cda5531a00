/* SPDX-License-Identifier: BSD-3-Clause */

/**
 * @file
 * bench-pmd tcp: one TCP stream from port 0 to port 1 for -t seconds,
 * with TCP segmentation offload (-l: 64 KiB sends, the device cuts them
 * into -s byte segments) or without (sends of -s payload bytes), the
 * IPv4 and TCP checksums offloaded either way, at most BENCH_TCP_WINDOW
 * bytes in flight. Port 1 counts the TCP payload it receives; the
 * result is its rate in Gbit/s. Needs two
 * net_ipoib ports whose device offers the offloads (the soft HCA).
 */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_tcp.h>

#include "bench_pmd.h"
#include "rte_pmd_ipoib.h"

/** Payload of one LSO send. */
#define BENCH_TCP_LSO_PAYLOAD 65000u
/** Sends queued per transmit burst. */
#define BENCH_TCP_BURST 8
/** Payload bytes in flight at most (the receiving ring holds ~1.4 MB):
 * the sender waits for the receiver as TCP's window would make it. */
#define BENCH_TCP_WINDOW (512u * 1024)
/** A window not moving for this long counts what is out as lost (s). */
#define BENCH_TCP_RTO 0.05

/**
 * One send: the port's header, IPv4, TCP, then plen payload bytes in
 * chained mbufs.
 *
 * @return the mbuf chain, or NULL when the pool is short
 */
static struct rte_mbuf *
bench_tcp_send(const struct bench_opts *o, uint32_t seq, uint32_t plen,
	       uint16_t mss)
{
	uint32_t l2 = o->raw ? RTE_IPOIB_HDR_LEN : RTE_ETHER_HDR_LEN;
	struct rte_mbuf *m = bench_frame(0, l2 + 40);
	struct rte_ipv4_hdr *ip;
	struct rte_tcp_hdr *tcp;
	uint32_t done = 0;

	if (m == NULL)
		return NULL;
	bench_readdress(0, &m, 1, o->raw);
	while (done < plen) {
		struct rte_mbuf *s = rte_pktmbuf_alloc(bench_pool);
		uint32_t n;

		if (s == NULL || rte_pktmbuf_chain(m, s) != 0) {
			rte_pktmbuf_free(s);
			rte_pktmbuf_free(m);
			return NULL;
		}
		n = RTE_MIN(plen - done, (uint32_t)rte_pktmbuf_tailroom(s));
		rte_pktmbuf_append(s, (uint16_t)n);
		m->pkt_len += n; /* chain() counted the segment empty */
		done += n;
	}
	ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, l2);
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->total_length = rte_cpu_to_be_16((uint16_t)(40 + plen));
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_TCP;
	ip->src_addr = RTE_BE32(0x0a000001);
	ip->dst_addr = RTE_BE32(0x0a000002);
	tcp = (struct rte_tcp_hdr *)(ip + 1);
	tcp->src_port = RTE_BE16(40000);
	tcp->dst_port = RTE_BE16(5001);
	tcp->sent_seq = rte_cpu_to_be_32(seq);
	tcp->data_off = 5 << 4;
	tcp->tcp_flags = RTE_TCP_ACK_FLAG | RTE_TCP_PSH_FLAG;
	tcp->rx_win = RTE_BE16(0xffff);
	m->l2_len = l2;
	m->l3_len = 20;
	m->l4_len = 20;
	m->ol_flags |= RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM |
		(mss != 0 ? RTE_MBUF_F_TX_TCP_SEG : RTE_MBUF_F_TX_TCP_CKSUM);
	m->tso_segsz = mss;
	return m;
}

/** Receive on port 1 and count the TCP payload. */
static void
bench_tcp_rx(const struct bench_opts *o, uint64_t *bytes, uint64_t *pkts)
{
	struct rte_mbuf *b[BENCH_BURST];
	uint32_t hl = (o->raw ? RTE_IPOIB_HDR_LEN : RTE_ETHER_HDR_LEN) + 40;
	uint16_t n, i;

	n = rte_eth_rx_burst(1, 0, b, BENCH_BURST);
	for (i = 0; i < n; i++) {
		if (b[i]->pkt_len > hl)
			*bytes += b[i]->pkt_len - hl;
		(*pkts)++;
	}
	if (n != 0)
		rte_pktmbuf_free_bulk(b, n);
}

/* See bench_pmd.h. */
int
bench_tcp(const struct bench_opts *o, double deadline)
{
	struct rte_eth_dev_info info;
	uint16_t mss = o->lso ? (uint16_t)o->size : 0;
	uint32_t plen = o->lso ? BENCH_TCP_LSO_PAYLOAD : o->size, seq = 0;
	uint64_t bytes = 0, pkts = 0, sends = 0, out = 0, seen = 0;
	double t0, t1, moved;

	if (bench_nports != 2 || rte_eth_dev_info_get(0, &info) != 0 ||
	    (info.tx_offload_capa & BENCH_TCP_OFFLOADS) != BENCH_TCP_OFFLOADS) {
		fprintf(stderr, "bench-pmd: tcp needs two ports with checksum "
			"and TSO offloads\n");
		return 1;
	}
	t0 = bench_now();
	moved = t0;
	t1 = RTE_MIN(t0 + o->seconds, deadline);
	while (bench_now() < t1) {
		struct rte_mbuf *s[BENCH_TCP_BURST];
		uint16_t k = 0, sent;

		if (bytes != seen) {
			seen = bytes;
			moved = bench_now();
		} else if (bench_now() - moved > BENCH_TCP_RTO) {
			out = bytes; /* lost: send on */
			moved = bench_now();
		}
		while (k < BENCH_TCP_BURST &&
		       out + plen - bytes <= BENCH_TCP_WINDOW) {
			s[k] = bench_tcp_send(o, seq, plen, mss);
			if (s[k] == NULL)
				break;
			seq += plen;
			out += plen;
			k++;
		}
		sent = rte_eth_tx_burst(0, 0, s, k);
		sends += sent;
		if (sent < k)
			rte_pktmbuf_free_bulk(s + sent, k - sent);
		bench_tcp_rx(o, &bytes, &pkts);
	}
	/* what is still on its way, counted in the time */
	t1 = bench_now() + 0.2;
	while (bench_now() < t1)
		bench_tcp_rx(o, &bytes, &pkts);
	t0 = bench_now() - t0;
	printf("{\"mode\": \"tcp\", \"lso\": %s, \"mss\": %u, \"sends\": %"
	       PRIu64 ", \"packets\": %" PRIu64 ", \"bytes\": %" PRIu64
	       ", \"seconds\": %.3f, \"gbps\": %.4f}\n",
	       o->lso ? "true" : "false", o->size, sends, pkts, bytes, t0,
	       bytes * 8 / t0 / 1e9);
	return pkts == 0;
}
