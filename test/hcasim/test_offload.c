/* SPDX-License-Identifier: BSD-3-Clause */

/**
 * @file
 * Unit test of the soft HCA's send offloads (app/hcasim/hcasim_offload.c)
 * on packets built here, checked by a checksum written differently (a
 * plain 32-bit sum over a pseudo-header buffer, folded once at the end):
 *
 *  - checksums only: IPv4 header + TCP, IPv4 + UDP, IPv6 + TCP, IPv6 +
 *    UDP; a UDP sum of 0 is sent as 0xffff;
 *  - LSO over IPv4 and IPv6: segment count, lengths, IP ids, sequence
 *    numbers, FIN/PSH on the last only, CWR on the first only, every
 *    checksum, the payload reassembled;
 *  - refusals: unknown ethertype, short or wrong-version IP header, IPv4
 *    checksum asked on IPv6, a length that disagrees, LSO of UDP or with
 *    MSS 0, headers + MSS over the MTU, a checksum-only send over it;
 *  - the WQE parser: an Ethernet segment past the WQE, headers over 256
 *    bytes, a refused translation.
 */

#include <endian.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hcasim_offload.h"

static int failures;

/** Record a failed check with its place and go on. */
#define CHECK(cond, ...) do { \
	if (!(cond)) { \
		failures++; \
		printf("FAIL %s:%d: ", __FILE__, __LINE__); \
		printf(__VA_ARGS__); \
		printf("\n"); \
	} \
} while (0)

#define MTU 2048
#define TCP 6
#define UDP 17

/** Big-endian 16-bit word at p. */
static unsigned int
be16at(const uint8_t *p)
{
	return (unsigned int)p[0] << 8 | p[1];
}

/** Big-endian 32-bit word at p. */
static uint32_t
be32at(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

/** Whether a ones'-complement checksum over len bytes verifies. */
static int
sum_ok(const uint8_t *p, size_t len)
{
	uint64_t s = 0;
	size_t i;

	for (i = 0; i < len; i++)
		s += (i & 1) ? p[i] : (uint64_t)p[i] << 8;
	while (s > 0xffff)
		s = (s & 0xffff) + (s >> 16);
	return s == 0xffff;
}

/** Whether the L4 checksum of a datagram (IPoIB header first) verifies. */
static int
l4_ok(const uint8_t *d, size_t len, int v6, uint8_t proto)
{
	uint8_t buf[4096];
	size_t l4 = v6 ? 44 : 4 + (d[4] & 0xfu) * 4, n = len - l4, off = 0;

	if (v6) {
		memcpy(buf, d + 4 + 8, 32);
		off = 32;
	} else {
		memcpy(buf, d + 4 + 12, 8);
		off = 8;
	}
	buf[off++] = 0;
	buf[off++] = proto;
	buf[off++] = (uint8_t)(n >> 8);
	buf[off++] = (uint8_t)n;
	memcpy(buf + off, d + l4, n);
	return sum_ok(buf, off + n);
}

/** Payload byte k. */
static uint8_t
pay(uint32_t k)
{
	return (uint8_t)(k * 13u + 5u);
}

/**
 * Build a packet: IPoIB header, IPv4 or IPv6, TCP (with flags) or UDP,
 * plen payload bytes. @return its length
 */
static uint32_t
pkt_build(uint8_t *p, int v6, uint8_t proto, uint32_t plen, uint8_t flags)
{
	uint32_t l3 = v6 ? 40 : 20, l4 = proto == TCP ? 20 : 8;
	uint32_t len = 4 + l3 + l4 + plen, i;
	uint8_t *ip = p + 4, *t = p + 4 + l3;

	memset(p, 0, 4 + l3 + l4);
	p[0] = v6 ? 0x86 : 0x08;
	p[1] = v6 ? 0xdd : 0x00;
	if (v6) {
		ip[0] = 0x60;
		ip[4] = (uint8_t)((l4 + plen) >> 8);
		ip[5] = (uint8_t)(l4 + plen);
		ip[6] = proto;
		ip[7] = 64;
		for (i = 0; i < 32; i++)
			ip[8 + i] = (uint8_t)(0xa0 + i);
	} else {
		ip[0] = 0x45;
		ip[2] = (uint8_t)((l3 + l4 + plen) >> 8);
		ip[3] = (uint8_t)(l3 + l4 + plen);
		ip[4] = 0x12;
		ip[5] = 0x34;
		ip[8] = 64;
		ip[9] = proto;
		memcpy(ip + 12, "\x0a\x00\x00\x01\x0a\x00\x00\x02", 8);
	}
	t[0] = 0x9c;
	t[1] = 0x40;
	t[2] = 0x13;
	t[3] = 0x89;
	if (proto == TCP) {
		memcpy(t + 4, "\xff\xff\xf0\x00", 4); /* wraps within LSO */
		t[12] = 5 << 4;
		t[13] = flags;
		t[14] = 0xff;
	} else {
		t[4] = (uint8_t)((l4 + plen) >> 8);
		t[5] = (uint8_t)(l4 + plen);
	}
	for (i = 0; i < plen; i++)
		p[4 + l3 + l4 + i] = pay(i);
	return len;
}

/** Checksums only: the sums asked for verify, nothing else changes. */
static void
test_csum(int v6, uint8_t proto, uint32_t plen)
{
	static uint8_t p[4096], d[4096];
	struct hcasim_eth e;
	uint32_t len = pkt_build(p, v6, proto, plen, 0x18), n;

	memset(&e, 0, sizeof(e));
	e.cs_flags = (v6 ? 0 : MLX5_ETH_WQE_L3_CSUM) | MLX5_ETH_WQE_L4_CSUM;
	CHECK(hcasim_offload_prepare(p, len, MTU, &e) == 0,
	      "csum v6=%d proto=%u refused", v6, proto);
	CHECK(e.nseg == 1, "nseg %u", e.nseg);
	n = hcasim_offload_segment(p, len, &e, 0, d);
	CHECK(n == len, "length %u != %u", n, len);
	if (!v6)
		CHECK(sum_ok(d + 4, 20), "IPv4 header checksum");
	CHECK(l4_ok(d, n, v6, proto), "L4 checksum v6=%d proto=%u", v6,
	      proto);
	if (proto == UDP)
		CHECK(be16at(d + 4 + (v6 ? 40 : 20) + 6) != 0,
		      "UDP checksum 0");
	CHECK(memcmp(d + len - plen, p + len - plen, plen) == 0, "payload");
}

/** LSO: every segment as a stack would have sent it. */
static void
test_lso(int v6, uint32_t plen, uint16_t mss)
{
	static uint8_t p[HCASIM_LSO_MAX], d[4096], got[HCASIM_LSO_MAX];
	uint32_t hl = 4 + (v6 ? 40 : 20) + 20, len, i, n, off = 0;
	struct hcasim_eth e;

	/* FIN, PSH, CWR, ACK */
	len = pkt_build(p, v6, TCP, plen, 0x80 | 0x10 | 0x08 | 0x01);
	memset(&e, 0, sizeof(e));
	e.lso = true;
	e.mss = mss;
	e.cs_flags = MLX5_ETH_WQE_L4_CSUM;
	/* the large send's IP length is not read */
	p[4 + (v6 ? 4 : 2)] = 0xde;
	CHECK(hcasim_offload_prepare(p, len, MTU, &e) == 0, "LSO refused");
	CHECK(e.nseg == (plen + mss - 1) / mss, "nseg %u for %u/%u", e.nseg,
	      plen, mss);
	for (i = 0; i < e.nseg; i++) {
		uint8_t *ip = d + 4, *t = d + hl - 20;
		uint32_t want = plen - off < mss ? plen - off : mss;

		n = hcasim_offload_segment(p, len, &e, i, d);
		CHECK(n == hl + want && n <= MTU, "segment %u length %u", i, n);
		if (v6) {
			CHECK(be16at(ip + 4) == 20 + want, "IPv6 length");
		} else {
			CHECK(be16at(ip + 2) == 40 + want, "IPv4 length");
			CHECK(be16at(ip + 4) == 0x1234 + i, "IP id %u",
			      be16at(ip + 4));
			CHECK(sum_ok(ip, 20), "IPv4 checksum of segment %u", i);
		}
		CHECK(be32at(t + 4) == 0xfffff000u + off, "seq of segment %u",
		      i);
		CHECK(((t[13] & 0x09) != 0) == (i + 1 == e.nseg),
		      "FIN/PSH on segment %u", i);
		CHECK(((t[13] & 0x80) != 0) == (i == 0), "CWR on segment %u", i);
		CHECK((t[13] & 0x10) != 0, "ACK lost on segment %u", i);
		CHECK(l4_ok(d, n, v6, TCP), "TCP checksum of segment %u", i);
		memcpy(got + off, d + hl, want);
		off += want;
	}
	CHECK(off == plen, "reassembled %u of %u", off, plen);
	for (i = 0; i < plen; i++)
		if (got[i] != pay(i)) {
			CHECK(0, "payload differs at %u", i);
			break;
		}
}

/** Headers the device must refuse. */
static void
test_refused(void)
{
	static uint8_t p[8192];
	struct hcasim_eth e;
	uint32_t len;

	memset(&e, 0, sizeof(e));
	e.cs_flags = MLX5_ETH_WQE_L4_CSUM;
	len = pkt_build(p, 0, TCP, 100, 0);
	p[1] = 0x06; /* ARP */
	CHECK(hcasim_offload_prepare(p, len, MTU, &e) ==
	      MLX5_CQE_SYNDROME_LOCAL_QP_OP_ERR, "unknown ethertype");
	len = pkt_build(p, 0, TCP, 100, 0);
	p[4] = 0x44; /* IHL 4 */
	CHECK(hcasim_offload_prepare(p, len, MTU, &e) ==
	      MLX5_CQE_SYNDROME_LOCAL_QP_OP_ERR, "IHL 4");
	len = pkt_build(p, 0, TCP, 100, 0);
	p[4] = 0x65; /* version 6 in IPv4 */
	CHECK(hcasim_offload_prepare(p, len, MTU, &e) ==
	      MLX5_CQE_SYNDROME_LOCAL_QP_OP_ERR, "version");
	len = pkt_build(p, 0, TCP, 100, 0);
	CHECK(hcasim_offload_prepare(p, len - 1, MTU, &e) ==
	      MLX5_CQE_SYNDROME_LOCAL_QP_OP_ERR, "IP length disagrees");
	CHECK(hcasim_offload_prepare(p, 10, MTU, &e) ==
	      MLX5_CQE_SYNDROME_LOCAL_QP_OP_ERR, "short");
	len = pkt_build(p, 1, TCP, 100, 0);
	e.cs_flags = MLX5_ETH_WQE_L3_CSUM;
	CHECK(hcasim_offload_prepare(p, len, MTU, &e) ==
	      MLX5_CQE_SYNDROME_LOCAL_QP_OP_ERR, "IPv4 checksum on IPv6");
	e.cs_flags = MLX5_ETH_WQE_L4_CSUM;
	len = pkt_build(p, 0, TCP, 3000, 0);
	CHECK(hcasim_offload_prepare(p, len, MTU, &e) ==
	      MLX5_CQE_SYNDROME_LOCAL_LENGTH_ERR, "checksum-only over MTU");
	e.lso = true;
	e.mss = 0;
	CHECK(hcasim_offload_prepare(p, len, MTU, &e) ==
	      MLX5_CQE_SYNDROME_LOCAL_QP_OP_ERR, "MSS 0");
	e.mss = MTU;
	CHECK(hcasim_offload_prepare(p, len, MTU, &e) ==
	      MLX5_CQE_SYNDROME_LOCAL_LENGTH_ERR, "MSS over the MTU");
	len = pkt_build(p, 0, UDP, 3000, 0);
	e.mss = 1000;
	CHECK(hcasim_offload_prepare(p, len, MTU, &e) ==
	      MLX5_CQE_SYNDROME_LOCAL_QP_OP_ERR, "LSO of UDP");
	len = pkt_build(p, 0, TCP, 3000, 0);
	p[4 + 20 + 12] = 4 << 4; /* TCP header of 16 bytes */
	CHECK(hcasim_offload_prepare(p, len, MTU, &e) ==
	      MLX5_CQE_SYNDROME_LOCAL_QP_OP_ERR, "TCP data offset 4");
}

/** A translation that allows one region: [0x1000, 0x1000 + 64 KiB). */
static uint8_t *
xlate(void *ctx, uint32_t lkey, uint64_t addr, uint32_t len)
{
	uint8_t *mem = ctx;

	if (lkey != 7 || addr < 0x1000 || addr - 0x1000 > 65536 ||
	    len > 65536 - (addr - 0x1000))
		return NULL;
	return mem + (addr - 0x1000);
}

/** Write a 16-byte data segment. */
static void
dseg(uint8_t *w, uint32_t bc, uint32_t lkey, uint64_t addr)
{
	bc = htobe32(bc);
	lkey = htobe32(lkey);
	addr = htobe64(addr);
	memcpy(w, &bc, 4);
	memcpy(w + 4, &lkey, 4);
	memcpy(w + 8, &addr, 8);
}

/** The WQE parser: inline headers, gather, refusals. */
static void
test_parse(void)
{
	static uint8_t mem[65536], lin[HCASIM_LSO_MAX];
	uint8_t w[HCASIM_WQE_MAX_BYTES], hdr[44];
	struct hcasim_send s;
	struct hcasim_eth e;
	uint32_t opc = htobe32(HCA_OPCODE_LSO), i;
	uint16_t v;

	for (i = 0; i < sizeof(mem); i++)
		mem[i] = (uint8_t)i;
	pkt_build(hdr, 0, TCP, 0, 0);
	memset(w, 0, sizeof(w));
	memcpy(w, &opc, 4);
	w[64 + 4] = MLX5_ETH_WQE_L4_CSUM;
	v = htobe16(1000);
	memcpy(w + 64 + 6, &v, 2);
	v = htobe16(44);
	memcpy(w + 64 + 12, &v, 2);
	memcpy(w + 64 + 14, hdr, 2);
	memcpy(w + 80, hdr + 2, 42); /* 3 units */
	dseg(w + 128, 5000, 7, 0x1000);
	dseg(w + 144, 3000, 7, 0x1000 + 5000);
	memset(&s, 0, sizeof(s));
	s.ds = 10;
	CHECK(hcasim_offload_parse(w, xlate, mem, lin, sizeof(lin), &s, &e) ==
	      0, "parse refused");
	CHECK(e.lso && e.mss == 1000 && e.ihs == 44 &&
	      e.cs_flags == MLX5_ETH_WQE_L4_CSUM, "segment fields");
	CHECK(s.len == 8044, "linear length %u", s.len);
	CHECK(memcmp(lin, hdr, 44) == 0 && memcmp(lin + 44, mem, 8000) == 0,
	      "linearized bytes");
	dseg(w + 144, 3000, 8, 0x1000);
	CHECK(hcasim_offload_parse(w, xlate, mem, lin, sizeof(lin), &s, &e) ==
	      MLX5_CQE_SYNDROME_LOCAL_PROT_ERR, "bad lkey");
	dseg(w + 144, 0, 7, 0x1000);
	CHECK(hcasim_offload_parse(w, xlate, mem, lin, sizeof(lin), &s, &e) ==
	      MLX5_CQE_SYNDROME_LOCAL_LENGTH_ERR, "byte count 0");
	CHECK(hcasim_offload_parse(w, xlate, mem, lin, 6000, &s, &e) ==
	      MLX5_CQE_SYNDROME_LOCAL_LENGTH_ERR, "linear buffer overflow");
	s.ds = 6; /* the inline headers run past the WQE */
	CHECK(hcasim_offload_parse(w, xlate, mem, lin, sizeof(lin), &s, &e) ==
	      MLX5_CQE_SYNDROME_LOCAL_LENGTH_ERR, "headers past the WQE");
	s.ds = 4; /* no room for the segment */
	CHECK(hcasim_offload_parse(w, xlate, mem, lin, sizeof(lin), &s, &e) ==
	      MLX5_CQE_SYNDROME_LOCAL_QP_OP_ERR, "no Ethernet segment");
	v = htobe16(300);
	memcpy(w + 64 + 12, &v, 2);
	s.ds = 63;
	CHECK(hcasim_offload_parse(w, xlate, mem, lin, sizeof(lin), &s, &e) ==
	      MLX5_CQE_SYNDROME_LOCAL_LENGTH_ERR, "headers over 256 bytes");
}

/** Run every case; exit status 1 on any failure. */
int
main(void)
{
	test_csum(0, TCP, 1000);
	test_csum(0, UDP, 999);
	test_csum(1, TCP, 1001);
	test_csum(1, UDP, 0);
	test_lso(0, 65000, 1400);
	test_lso(1, 65000, 1400);
	test_lso(0, 1399, 1400);
	test_lso(0, 2800, 1400);
	test_refused();
	test_parse();
	printf("%s: %d failures\n", failures ? "FAIL" : "PASS", failures);
	return failures != 0;
}
