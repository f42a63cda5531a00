/* SPDX-License-Identifier: BSD-3-Clause */

/**
 * @file
 * eth_peer's tso run: a TCP stream sent in 64 KiB frames with TCP
 * segmentation and checksum offloads through the port under test, one
 * frame with checksum offloads only, a TSO frame whose MSS the MTU
 * cannot hold and one whose l3_len disagrees with its IPv4 header (both
 * dropped and counted by the PMD). The checksums are left
 * for the device (the pseudo-header sum in the TCP field, as DPDK asks);
 * what the wire carried is checked from the capture by the script
 * (test/eth/tso.sh) against the stream written to a file.
 */

#include <arpa/inet.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_tcp.h>

#include "eth_peer.h"

/** The stream's first sequence number. */
#define TSO_SEQ0 0x10000000u
/** The IPv6 stream's first sequence number. */
#define TSO_SEQ6 0x20000000u
/** TCP ports of the stream (the IPv6 one to TSO_DPORT + 1). */
#define TSO_SPORT 40000
#define TSO_DPORT 5001
/** Headers of a frame: Ethernet, IPv4, TCP. */
#define TSO_HDRS (RTE_ETHER_HDR_LEN + 20 + 20)

/** Byte k of the stream. */
static uint8_t
tso_byte(uint32_t k)
{
	return (uint8_t)(k * 7u + k / 251u);
}

/**
 * Build one frame of the stream: headers in the first mbuf, plen bytes
 * of payload from stream offset off in the next ones.
 *
 * @return the frame, or NULL when the pool is short
 */
static struct rte_mbuf *
tso_frame(const struct rte_ether_addr *dst, uint32_t my_ip, uint32_t peer_ip,
	  uint32_t off, uint32_t plen, uint8_t flags, uint16_t id)
{
	struct rte_mbuf *m = frame_new(dst, RTE_ETHER_TYPE_IPV4, TSO_HDRS);
	struct rte_ipv4_hdr *ip;
	struct rte_tcp_hdr *tcp;
	uint32_t done = 0;

	if (m == NULL)
		return NULL;
	while (done < plen) {
		struct rte_mbuf *s = rte_pktmbuf_alloc(pool);
		uint32_t n = RTE_MIN(plen - done,
				     (uint32_t)rte_pktmbuf_tailroom(s));
		uint8_t *d;
		uint32_t i;

		if (s == NULL) {
			rte_pktmbuf_free(m);
			return NULL;
		}
		d = (uint8_t *)rte_pktmbuf_append(s, (uint16_t)n);
		for (i = 0; i < n; i++)
			d[i] = tso_byte(off + done + i);
		if (rte_pktmbuf_chain(m, s) != 0) {
			rte_pktmbuf_free(s);
			rte_pktmbuf_free(m);
			return NULL;
		}
		done += n;
	}
	ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *,
				     RTE_ETHER_HDR_LEN);
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->total_length = rte_cpu_to_be_16((uint16_t)(40 + plen));
	ip->packet_id = rte_cpu_to_be_16(id);
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_TCP;
	ip->src_addr = my_ip;
	ip->dst_addr = peer_ip;
	tcp = (struct rte_tcp_hdr *)(ip + 1);
	tcp->src_port = rte_cpu_to_be_16(TSO_SPORT);
	tcp->dst_port = rte_cpu_to_be_16(TSO_DPORT);
	tcp->sent_seq = rte_cpu_to_be_32(TSO_SEQ0 + off);
	tcp->recv_ack = rte_cpu_to_be_32(1);
	tcp->data_off = 5 << 4;
	tcp->tcp_flags = flags;
	tcp->rx_win = rte_cpu_to_be_16(0xffff);
	m->l2_len = RTE_ETHER_HDR_LEN;
	m->l3_len = 20;
	m->l4_len = 20;
	return m;
}

/**
 * The IPv6 twin of tso_frame(): IPv6 (no extension headers), TCP to
 * TSO_DPORT + 1 from sequence number TSO_SEQ6 + off, TSO and the TCP
 * checksum offloaded, the pseudo-header sum in the TCP field.
 */
static struct rte_mbuf *
tso6_frame(const struct rte_ether_addr *dst, uint32_t off, uint32_t plen,
	   uint8_t flags, uint16_t mss)
{
	struct rte_mbuf *m = tso_frame(dst, 0, 0, off, plen, flags, 0);
	struct rte_ether_hdr *eh;
	struct rte_ipv6_hdr *ip6;
	struct rte_tcp_hdr tcp, *t;
	uint32_t i;

	if (m == NULL)
		return NULL;
	/* 20 more header bytes, in the head segment's tailroom */
	eh = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	memcpy(&tcp, rte_pktmbuf_mtod_offset(m, void *, RTE_ETHER_HDR_LEN +
					     20), sizeof(tcp));
	if (rte_pktmbuf_tailroom(m) < 20) {
		rte_pktmbuf_free(m);
		return NULL;
	}
	m->data_len += 20; /* the head segment (append() takes the last) */
	m->pkt_len += 20;
	eh->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV6);
	ip6 = (struct rte_ipv6_hdr *)(eh + 1);
	memset(ip6, 0, sizeof(*ip6));
	ip6->vtc_flow = rte_cpu_to_be_32(6u << 28);
	ip6->payload_len = rte_cpu_to_be_16((uint16_t)(20 + plen));
	ip6->proto = IPPROTO_TCP;
	ip6->hop_limits = 64;
	for (i = 0; i < 16; i++) {
		ip6->src_addr[i] = (uint8_t)(0x20 + i);
		ip6->dst_addr[i] = (uint8_t)(0x40 + i);
	}
	t = (struct rte_tcp_hdr *)(ip6 + 1);
	*t = tcp;
	t->dst_port = rte_cpu_to_be_16(TSO_DPORT + 1);
	t->sent_seq = rte_cpu_to_be_32(TSO_SEQ6 + off);
	m->l3_len = sizeof(*ip6);
	m->ol_flags |= RTE_MBUF_F_TX_IPV6 | RTE_MBUF_F_TX_TCP_SEG;
	m->tso_segsz = mss;
	t->cksum = rte_ipv6_phdr_cksum(ip6, m->ol_flags);
	return m;
}

/** Set a frame's offload request and the pseudo-header sum DPDK asks. */
static void
tso_offload(struct rte_mbuf *m, uint64_t flags, uint16_t mss)
{
	struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m,
		struct rte_ipv4_hdr *, RTE_ETHER_HDR_LEN);
	struct rte_tcp_hdr *tcp = (struct rte_tcp_hdr *)(ip + 1);

	m->ol_flags |= RTE_MBUF_F_TX_IPV4 | flags;
	m->tso_segsz = mss;
	tcp->cksum = rte_ipv4_phdr_cksum(ip, m->ol_flags);
}

/* See eth_peer.h. */
void
run_tso(const char *my, const char *peer, uint16_t mss,
	const char *stream_file)
{
	/* payload of each frame; 0 ends; the second is checksums only */
	static const uint32_t plen[] = { 65480, 100, 65480, 30001, 0 };
	struct rte_eth_dev_info info;
	struct rte_ether_addr mac;
	uint32_t my_ip, peer_ip, off = 0, off6, i, k;
	struct rte_mbuf *m;
	char name[512];
	FILE *f;

	inet_pton(AF_INET, my, &my_ip);
	inet_pton(AF_INET, peer, &peer_ip);
	rte_eth_dev_info_get(port, &info);
	printf("tx_offload_capa 0x%" PRIx64 "\n", info.tx_offload_capa);
	CHECK((info.tx_offload_capa & TSO_TX_OFFLOADS) == TSO_TX_OFFLOADS,
	      "the port does not offer checksum and TSO offloads");
	if (!arp_resolve(my, peer, &mac))
		return;
	mac_print("peer MAC (ARP)", &mac);
	for (i = 0; plen[i] != 0; i++) {
		uint8_t flags = RTE_TCP_ACK_FLAG | RTE_TCP_PSH_FLAG;

		if (plen[i + 1] == 0)
			flags |= RTE_TCP_FIN_FLAG;
		m = tso_frame(&mac, my_ip, peer_ip, off, plen[i], flags,
			      (uint16_t)(0x1000 * (i + 1)));
		CHECK(m != NULL, "frame %u: no mbufs", i);
		if (m == NULL)
			return;
		tso_offload(m, i == 1 ? RTE_MBUF_F_TX_IP_CKSUM |
			    RTE_MBUF_F_TX_TCP_CKSUM :
			    RTE_MBUF_F_TX_IP_CKSUM | RTE_MBUF_F_TX_TCP_SEG,
			    i == 1 ? 0 : mss);
		frame_send(m);
		off += plen[i];
		usleep(20000);
	}
	/* an IPv6 stream of two TSO sends */
	for (i = 0, k = 0; i < 2; i++) {
		uint32_t n = i == 0 ? 65460 : 20001;

		m = tso6_frame(&mac, k, n, RTE_TCP_ACK_FLAG | RTE_TCP_PSH_FLAG |
			       (i == 1 ? RTE_TCP_FIN_FLAG : 0), mss);
		CHECK(m != NULL, "IPv6 frame %u: no mbufs", i);
		if (m == NULL)
			return;
		frame_send(m);
		k += n;
		usleep(20000);
	}
	off6 = k;
	/* an MSS the MTU cannot hold: the PMD drops and counts it */
	m = tso_frame(&mac, my_ip, peer_ip, off, 9000, RTE_TCP_ACK_FLAG,
		      0x7000);
	if (m != NULL) {
		tso_offload(m, RTE_MBUF_F_TX_IP_CKSUM | RTE_MBUF_F_TX_TCP_SEG,
			    9000);
		frame_send(m);
	}
	/* headers that disagree with l3_len: dropped, counted, never a
	 * WQE the device would fail */
	m = tso_frame(&mac, my_ip, peer_ip, off, 3000, RTE_TCP_ACK_FLAG,
		      0x7100);
	if (m != NULL) {
		tso_offload(m, RTE_MBUF_F_TX_IP_CKSUM | RTE_MBUF_F_TX_TCP_SEG,
			    mss);
		m->l3_len = 24;
		frame_send(m);
	}
	usleep(300000);
	f = fopen(stream_file, "wb");
	CHECK(f != NULL, "cannot write %s", stream_file);
	if (f != NULL) {
		for (k = 0; k < off; k++)
			fputc(tso_byte(k), f);
		fclose(f);
	}
	snprintf(name, sizeof(name), "%s6", stream_file);
	f = fopen(name, "wb");
	CHECK(f != NULL, "cannot write %s", name);
	if (f != NULL) {
		for (k = 0; k < off6; k++)
			fputc(tso_byte(k), f);
		fclose(f);
	}
	printf("stream: %u bytes from seq 0x%08x, mss %u\n", off, TSO_SEQ0,
	       mss);
	CHECK(xstat("tx_offload_tso") == 5, "tx_offload_tso %" PRIu64,
	      xstat("tx_offload_tso"));
	CHECK(xstat("tx_offload_csum") == 1, "tx_offload_csum %" PRIu64,
	      xstat("tx_offload_csum"));
	CHECK(xstat("tx_offload_malformed") == 2,
	      "tx_offload_malformed %" PRIu64,
	      xstat("tx_offload_malformed"));
}
