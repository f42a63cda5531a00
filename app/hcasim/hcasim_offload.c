/* SPDX-License-Identifier: BSD-3-Clause */

/**
 * @file
 * IPoIB stateless offloads of the soft HCA (see hcasim_offload.h): the
 * Ethernet segment of a send WQE, IPv4 header and TCP/UDP checksums
 * (IPv4 and IPv6), and LSO.
 */

#include <endian.h>
#include <string.h>

#include "hcasim_offload.h"

/** IPoIB header: ethertype (2) + reserved (2). */
#define OL_IPOIB_LEN 4
#define OL_TCP 6
#define OL_UDP 17
/** TCP flags only the last segment keeps: FIN, PSH. */
#define OL_TCP_LAST_ONLY 0x09
/** TCP flag only the first segment keeps: CWR. */
#define OL_TCP_FIRST_ONLY 0x80

/* See hcasim_offload.h. */
int
hcasim_offload_parse(const uint8_t *wqe, hcasim_xlate_t xlate, void *ctx,
		     uint8_t *lin, uint32_t lin_max, struct hcasim_send *out,
		     struct hcasim_eth *eth)
{
	struct mlx5_wqe_eth_seg es;
	uint32_t end = out->ds * 16, off, n, opc;

	out->len = 0;
	out->iovcnt = 0;
	hcasim_wqe_av_parse(wqe, out);
	memset(eth, 0, sizeof(*eth));
	if (HCASIM_WQE_PAYLOAD_OFF + 16 > end)
		return MLX5_CQE_SYNDROME_LOCAL_QP_OP_ERR;
	memcpy(&es, wqe + HCASIM_WQE_PAYLOAD_OFF, 16);
	memcpy(&opc, wqe, 4);
	eth->lso = (be32toh(opc) & 0xff) == HCA_OPCODE_LSO;
	eth->cs_flags = es.cs_flags;
	eth->mss = be16toh(es.mss);
	eth->ihs = be16toh(es.inline_hdr_sz);
	off = HCASIM_WQE_PAYLOAD_OFF + 16 +
	      (eth->ihs > 2 ? (eth->ihs - 2 + 15) / 16 * 16 : 0);
	if (eth->ihs > HCA_ETH_INLINE_MAX || off > end || eth->ihs > lin_max)
		return MLX5_CQE_SYNDROME_LOCAL_LENGTH_ERR;
	n = eth->ihs < 2 ? eth->ihs : 2;
	memcpy(lin, es.inline_hdr_start, n);
	if (eth->ihs > 2)
		memcpy(lin + 2, wqe + HCASIM_WQE_PAYLOAD_OFF + 16, eth->ihs - 2);
	n = eth->ihs;
	for (; off + 16 <= end; off += 16) {
		struct mlx5_wqe_data_seg d;
		uint32_t len;
		uint8_t *src;

		memcpy(&d, wqe + off, sizeof(d));
		len = be32toh(d.byte_count);
		if (len & MLX5_INLINE_SEG)
			return MLX5_CQE_SYNDROME_LOCAL_QP_OP_ERR;
		if (len == 0) /* a ConnectX reads 0 as 2 GiB */
			return MLX5_CQE_SYNDROME_LOCAL_LENGTH_ERR;
		src = xlate(ctx, be32toh(d.lkey), be64toh(d.addr), len);
		if (src == NULL)
			return MLX5_CQE_SYNDROME_LOCAL_PROT_ERR;
		if (len > lin_max - n)
			return MLX5_CQE_SYNDROME_LOCAL_LENGTH_ERR;
		memcpy(lin + n, src, len);
		n += len;
	}
	out->len = n;
	return 0;
}

/** 16-bit big-endian word at p. */
static inline uint16_t
rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/** Store a 16-bit big-endian word at p. */
static inline void
wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/** Ones' complement sum of len bytes (big-endian words), added to sum. */
static uint32_t
csum_add(uint32_t sum, const uint8_t *p, uint32_t len)
{
	uint32_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += rd16(p + i);
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return sum;
}

/** Fold a sum into the checksum field's value. */
static inline uint16_t
csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* See hcasim_offload.h. */
int
hcasim_offload_prepare(const uint8_t *pkt, uint32_t len, uint32_t mtu,
		       struct hcasim_eth *eth)
{
	uint16_t type;
	uint32_t l3_len, l4_len, ip_len, payload;

	if (len < OL_IPOIB_LEN + 20)
		return MLX5_CQE_SYNDROME_LOCAL_QP_OP_ERR;
	type = rd16(pkt);
	eth->l3_off = OL_IPOIB_LEN;
	if (type == 0x0800) {
		if (pkt[4] >> 4 != 4 || (pkt[4] & 0xf) < 5)
			return MLX5_CQE_SYNDROME_LOCAL_QP_OP_ERR;
		l3_len = (pkt[4] & 0xfu) * 4;
		ip_len = rd16(pkt + 6);
		eth->v6 = false;
		eth->l4_proto = pkt[4 + 9];
		/* fragments carry no L4 header to checksum */
		if ((rd16(pkt + 4 + 6) & 0x3fff) != 0)
			eth->l4_proto = 0;
	} else if (type == 0x86dd) {
		if (len < OL_IPOIB_LEN + 40 || pkt[4] >> 4 != 6)
			return MLX5_CQE_SYNDROME_LOCAL_QP_OP_ERR;
		l3_len = 40;
		ip_len = 40u + rd16(pkt + 4 + 4);
		eth->v6 = true;
		eth->l4_proto = pkt[4 + 6]; /* no extension headers */
	} else {
		return MLX5_CQE_SYNDROME_LOCAL_QP_OP_ERR;
	}
	if (OL_IPOIB_LEN + l3_len > len ||
	    ((eth->cs_flags & MLX5_ETH_WQE_L3_CSUM) && eth->v6))
		return MLX5_CQE_SYNDROME_LOCAL_QP_OP_ERR;
	eth->l4_off = OL_IPOIB_LEN + l3_len;
	l4_len = 0;
	if (eth->l4_proto == OL_TCP && eth->l4_off + 20 <= len)
		l4_len = (pkt[eth->l4_off + 12] >> 4) * 4u;
	else if (eth->l4_proto == OL_UDP)
		l4_len = 8;
	if ((eth->cs_flags & MLX5_ETH_WQE_L4_CSUM) || eth->lso) {
		if (l4_len < 8 || eth->l4_off + l4_len > len ||
		    (eth->l4_proto == OL_TCP && l4_len < 20))
			return MLX5_CQE_SYNDROME_LOCAL_QP_OP_ERR;
	}
	eth->hdr_len = eth->l4_off + l4_len;
	if (!eth->lso) {
		/* the IP length must say what the send holds */
		if (OL_IPOIB_LEN + ip_len != len)
			return MLX5_CQE_SYNDROME_LOCAL_QP_OP_ERR;
		if (len > mtu)
			return MLX5_CQE_SYNDROME_LOCAL_LENGTH_ERR;
		eth->nseg = 1;
		return 0;
	}
	if (eth->l4_proto != OL_TCP || eth->mss == 0)
		return MLX5_CQE_SYNDROME_LOCAL_QP_OP_ERR;
	if (eth->hdr_len + eth->mss > mtu)
		return MLX5_CQE_SYNDROME_LOCAL_LENGTH_ERR;
	payload = len - eth->hdr_len;
	eth->nseg = payload == 0 ? 1 : (payload + eth->mss - 1) / eth->mss;
	return 0;
}

/** The L4 checksum of a datagram built at dst (IP header filled). */
static void
l4_csum(uint8_t *dst, uint32_t dlen, const struct hcasim_eth *eth)
{
	uint8_t *l4 = dst + eth->l4_off;
	uint32_t l4_len = dlen - eth->l4_off, sum;
	uint8_t *field = l4 + (eth->l4_proto == OL_TCP ? 16 : 6);
	uint16_t c;

	wr16(field, 0);
	if (eth->v6)
		sum = csum_add(0, dst + eth->l3_off + 8, 32);
	else
		sum = csum_add(0, dst + eth->l3_off + 12, 8);
	sum += eth->l4_proto + (l4_len & 0xffff) + (l4_len >> 16);
	sum = csum_add(sum, l4, l4_len);
	c = csum_fold(sum);
	if (c == 0 && eth->l4_proto == OL_UDP)
		c = 0xffff; /* 0 says "no checksum" in UDP */
	wr16(field, c);
}

/** The IPv4 header checksum of a datagram built at dst. */
static void
l3_csum(uint8_t *dst, const struct hcasim_eth *eth)
{
	uint8_t *ip = dst + eth->l3_off;

	wr16(ip + 10, 0);
	wr16(ip + 10, csum_fold(csum_add(0, ip, eth->l4_off - eth->l3_off)));
}

/* See hcasim_offload.h. */
uint32_t
hcasim_offload_segment(const uint8_t *pkt, uint32_t len,
		       const struct hcasim_eth *eth, uint32_t i,
		       uint8_t *dst)
{
	uint32_t payload, off, n, dlen;
	uint8_t *ip = dst + eth->l3_off, *tcp = dst + eth->l4_off;

	if (!eth->lso) {
		memcpy(dst, pkt, len);
		if (eth->cs_flags & MLX5_ETH_WQE_L3_CSUM)
			l3_csum(dst, eth);
		if ((eth->cs_flags & MLX5_ETH_WQE_L4_CSUM) &&
		    (eth->l4_proto == OL_TCP || eth->l4_proto == OL_UDP))
			l4_csum(dst, len, eth);
		return len;
	}
	payload = len - eth->hdr_len;
	off = i * eth->mss;
	n = payload - off < eth->mss ? payload - off : eth->mss;
	dlen = eth->hdr_len + n;
	memcpy(dst, pkt, eth->hdr_len);
	memcpy(dst + eth->hdr_len, pkt + eth->hdr_len + off, n);
	if (eth->v6) {
		wr16(ip + 4, (uint16_t)(dlen - eth->l4_off));
	} else {
		wr16(ip + 2, (uint16_t)(dlen - eth->l3_off));
		wr16(ip + 4, (uint16_t)(rd16(ip + 4) + i));
		l3_csum(dst, eth);
	}
	/* sequence number, flags */
	{
		uint32_t seq;

		memcpy(&seq, tcp + 4, 4);
		seq = htobe32(be32toh(seq) + off);
		memcpy(tcp + 4, &seq, 4);
	}
	if (i + 1 != eth->nseg)
		tcp[13] &= (uint8_t)~OL_TCP_LAST_ONLY;
	if (i != 0)
		tcp[13] &= (uint8_t)~OL_TCP_FIRST_ONLY;
	l4_csum(dst, dlen, eth);
	return dlen;
}
