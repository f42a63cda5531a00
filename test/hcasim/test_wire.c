/* SPDX-License-Identifier: BSD-3-Clause */

/**
 * @file
 * Unit test of the soft HCA's wire (app/hcasim/hcasim_wire*.c).
 *
 *  - CRCs against reference computations written differently (bit by
 *    bit; the VCRC by running the unreflected polynomial 0x100B over
 *    bit-reversed bytes; the ICRC of a global packet continued from
 *    0xdebb20e3, the register rxe (Linux rxe_icrc.c) starts RoCE packets
 *    with: the CRC-32 register after eight bytes of ones, i.e. a masked
 *    LRH);
 *  - byte-level layout of a local and a global packet;
 *  - every single-bit error is caught (BAD_VCRC or BAD_ICRC); changes to
 *    variant fields with a fresh VCRC are not errors; changes to
 *    invariant bits with a fresh VCRC are;
 *  - truncated packets and bogus lengths/fields are refused, parsed from
 *    exact-size heap copies (so ASan/valgrind see any over-read);
 *  - fault injection: rates within bounds for a fixed seed, every
 *    corrupted packet caught, every delivered payload intact,
 *    deterministic from the seed;
 *  - ERF record headers and a capture with faults on.
 */

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "hcasim_erf.h"
#include "hcasim_wire.h"

static int failures;

/** Record a failed check with its place and go on. */
#define CHECK(cond, ...) do { \
	if (!(cond)) { \
		failures++; \
		fprintf(stderr, "FAIL %s:%d: %s: ", __FILE__, __LINE__, \
			#cond); \
		fprintf(stderr, __VA_ARGS__); \
		fputc('\n', stderr); \
	} \
} while (0)

/* ---------------------------------------------------------------------
 * Reference CRCs
 * ------------------------------------------------------------------- */

/**
 * CRC-32 register update, one bit at a time (reflected 0xEDB88320).
 *
 * @param reg Register. @param p Bytes. @param len Count.
 * @return The new register.
 */
static uint32_t
ref_crc32_update(uint32_t reg, const uint8_t *p, size_t len)
{
	size_t i;
	int b;

	for (i = 0; i < len; i++) {
		reg ^= p[i];
		for (b = 0; b < 8; b++)
			reg = (reg >> 1) ^ ((reg & 1) ? 0xedb88320u : 0);
	}
	return reg;
}

/**
 * Reverse the bits of a byte.
 * @param v The byte. @return It reversed.
 */
static uint8_t
reverse8(uint8_t v)
{
	uint8_t r = 0;
	int i;

	for (i = 0; i < 8; i++)
		if (v & (1u << i))
			r |= (uint8_t)(0x80u >> i);
	return r;
}

/**
 * The VCRC computed the other way round: polynomial 0x100B most
 * significant bit first over bit-reversed bytes, result reversed.
 *
 * @param p Bytes. @param len Count.
 * @return The VCRC.
 */
static uint16_t
ref_vcrc(const uint8_t *p, size_t len)
{
	uint16_t reg = 0xffff, out = 0;
	size_t i;
	int b;

	for (i = 0; i < len; i++) {
		reg ^= (uint16_t)(reverse8(p[i]) << 8);
		for (b = 0; b < 8; b++)
			reg = (reg & 0x8000) ? (uint16_t)(reg << 1) ^ 0x100b :
					       (uint16_t)(reg << 1);
	}
	reg = (uint16_t)~reg;
	for (b = 0; b < 16; b++)
		if (reg & (1u << b))
			out |= (uint16_t)(0x8000u >> b);
	return out;
}

/**
 * The ICRC computed from the masks of IBA 7.8.1, written out by hand.
 *
 * @param pkt Packet. @param len LRH through pad. @param grh GRH present.
 * @return The ICRC.
 */
static uint32_t
ref_icrc(const uint8_t *pkt, size_t len, bool grh)
{
	uint8_t hdr[60];
	size_t hlen = grh ? 60 : 20;
	uint32_t reg;

	memcpy(hdr, pkt, hlen);
	if (grh) {
		/* rxe: the register after 8 bytes of ones (a masked LRH). */
		reg = 0xdebb20e3u;
		hdr[8] |= 0x0f;                 /* TClass */
		memset(hdr + 9, 0xff, 3);       /* TClass, FlowLabel */
		hdr[15] = 0xff;                 /* HopLmt */
		hdr[48 + 4] = 0xff;             /* BTH:resv8a */
		reg = ref_crc32_update(reg, hdr + 8, hlen - 8);
	} else {
		hdr[0] |= 0xf0;                 /* VL */
		hdr[8 + 4] = 0xff;              /* BTH:resv8a */
		reg = ref_crc32_update(0xffffffffu, hdr, hlen);
	}
	reg = ref_crc32_update(reg, pkt + hlen, len - hlen);
	return ~reg;
}

/* ---------------------------------------------------------------------
 * Helpers
 * ------------------------------------------------------------------- */

/**
 * Header fields of a local test packet.
 * @param m Filled.
 */
static void
local_meta(struct hcasim_pkt_meta *m)
{
	memset(m, 0, sizeof(*m));
	m->slid = 0x0102;
	m->dlid = 0x0304;
	m->sl = 5;
	m->vl = 1;
	m->pkey = 0x8001;
	m->solicited = true;
	m->dest_qp = 0xabcdef;
	m->psn = 0x123456;
	m->qkey = 0x80010000;
	m->src_qp = 0x000049;
}

/**
 * Header fields of a global test packet.
 * @param m Filled.
 */
static void
global_meta(struct hcasim_pkt_meta *m)
{
	int i;

	local_meta(m);
	m->grh = true;
	m->dlid = 0xc001;
	m->tclass = 0xa5;
	m->flow_label = 0xfedcb;
	m->hop_limit = 7;
	for (i = 0; i < 16; i++) {
		m->sgid.raw[i] = (uint8_t)(0x10 + i);
		m->dgid.raw[i] = (uint8_t)(0xf0 + i);
	}
}

/**
 * Build a packet with a payload of 0, 1, 2, ... (mod 256).
 *
 * @param m Header fields. @param plen Payload length.
 * @param buf Output (HCASIM_WIRE_MAX_PKT bytes).
 * @return The packet length.
 */
static size_t
build_counting(const struct hcasim_pkt_meta *m, size_t plen, uint8_t *buf)
{
	uint8_t payload[HCASIM_WIRE_MAX_PAYLOAD + 1];
	struct iovec iov = { payload, plen };
	size_t i;

	for (i = 0; i < plen; i++)
		payload[i] = (uint8_t)i;
	return hcasim_wire_build(m, &iov, 1, buf, HCASIM_WIRE_MAX_PKT);
}

/**
 * Parse a packet from an exact-size heap copy.
 *
 * @param pkt Packet. @param len Its length (may be 0).
 * @param m Filled on success (may be NULL).
 * @return What hcasim_wire_parse() says.
 */
static int
parse_copy(const uint8_t *pkt, size_t len, struct hcasim_pkt_meta *m)
{
	uint8_t *copy = malloc(len ? len : 1);
	const uint8_t *payload;
	size_t plen;
	int rc;

	if (copy == NULL)
		abort();
	memcpy(copy, pkt, len);
	rc = hcasim_wire_parse(copy, len, m, &payload, &plen);
	free(copy);
	return rc;
}

/**
 * Recompute both CRCs of a packet after a test changed it.
 *
 * @param pkt Packet. @param len Length. @param grh GRH present.
 */
static void
reseal_all(uint8_t *pkt, size_t len, bool grh)
{
	uint32_t icrc = hcasim_icrc(pkt, len - 6, grh);
	int i;

	for (i = 0; i < 4; i++)
		pkt[len - 6 + i] = (uint8_t)(icrc >> (8 * i));
	hcasim_wire_seal(pkt, len);
}

/**
 * Load a big-endian 16-bit value.
 * @param p Where. @return Value.
 */
static unsigned int
be16(const uint8_t *p)
{
	return (unsigned int)p[0] << 8 | p[1];
}

/* ---------------------------------------------------------------------
 * Tests
 * ------------------------------------------------------------------- */

/**
 * The CRC primitives against the references and known vectors.
 */
static void
test_crc_references(void)
{
	static const uint8_t ones[8] = { 0xff, 0xff, 0xff, 0xff,
					 0xff, 0xff, 0xff, 0xff };
	uint8_t data[300];
	size_t i, len;

	CHECK(~ref_crc32_update(0xffffffffu, (const uint8_t *)"123456789",
				9) == 0xcbf43926u, "CRC-32 check value");
	CHECK(ref_crc32_update(0xffffffffu, ones, 8) == 0xdebb20e3u,
	      "rxe's starting register");
	for (i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 37 + 11);
	for (len = 0; len < sizeof(data); len += 7)
		CHECK(hcasim_vcrc(data, len) == ref_vcrc(data, len),
		      "VCRC of %zu bytes: %#x vs %#x", len,
		      hcasim_vcrc(data, len), ref_vcrc(data, len));
	/* A reflected CRC with its value appended LSB first leaves a
	 * constant residue: the VCRC of a whole packet is the same for
	 * every packet.
	 */
	for (len = 2; len < 64; len += 4) {
		uint16_t v = hcasim_vcrc(data, len);
		uint8_t buf[70];
		uint16_t r1, r2;

		memcpy(buf, data, len);
		buf[len] = v & 0xff;
		buf[len + 1] = v >> 8;
		r1 = hcasim_vcrc(buf, len + 2);
		memcpy(buf, data + 1, len);
		v = hcasim_vcrc(buf, len);
		buf[len] = v & 0xff;
		buf[len + 1] = v >> 8;
		r2 = hcasim_vcrc(buf, len + 2);
		CHECK(r1 == r2, "VCRC residue %#x vs %#x", r1, r2);
	}
}

/**
 * Byte-level layout of a local packet.
 */
static void
test_local_layout(void)
{
	uint8_t pkt[HCASIM_WIRE_MAX_PKT];
	struct hcasim_pkt_meta m, got;
	const uint8_t *bth = pkt + 8, *deth = pkt + 20, *payload;
	size_t len, plen;
	uint32_t icrc;

	local_meta(&m);
	len = build_counting(&m, 5, pkt);
	/* 8 + 12 + 8 + 5 + 3 pad + 4 + 2 */
	CHECK(len == 42, "length %zu", len);
	CHECK(pkt[0] == 0x10, "VL 1, LVer 0: %#x", pkt[0]);
	CHECK(pkt[1] == 0x52, "SL 5, LNH 2: %#x", pkt[1]);
	CHECK(be16(pkt + 2) == 0x0304, "DLID");
	CHECK(be16(pkt + 4) == 10, "PktLen %u words", be16(pkt + 4));
	CHECK(be16(pkt + 6) == 0x0102, "SLID");
	CHECK(bth[0] == 0x64, "opcode");
	CHECK(bth[1] == 0xb0, "SE, M 0, PadCnt 3, TVer 0: %#x", bth[1]);
	CHECK(be16(bth + 2) == 0x8001, "P_Key");
	CHECK(bth[4] == 0, "resv8a");
	CHECK(bth[5] == 0xab && bth[6] == 0xcd && bth[7] == 0xef, "DestQP");
	CHECK(bth[8] == 0, "A");
	CHECK(bth[9] == 0x12 && bth[10] == 0x34 && bth[11] == 0x56, "PSN");
	CHECK(deth[0] == 0x80 && deth[1] == 0x01 && deth[2] == 0 &&
	      deth[3] == 0, "Q_Key");
	CHECK(deth[4] == 0 && deth[5] == 0 && deth[6] == 0 &&
	      deth[7] == 0x49, "SrcQP");
	CHECK(pkt[28] == 0 && pkt[32] == 4, "payload");
	CHECK(pkt[33] == 0 && pkt[34] == 0 && pkt[35] == 0, "pad");
	icrc = ref_icrc(pkt, 36, false);
	CHECK(pkt[36] == (icrc & 0xff) && pkt[39] == icrc >> 24,
	      "ICRC LSB first: %#x", icrc);
	CHECK(hcasim_icrc(pkt, 36, false) == icrc, "ICRC");
	CHECK((pkt[40] | pkt[41] << 8) == ref_vcrc(pkt, 40), "VCRC");

	CHECK(hcasim_wire_parse(pkt, len, &got, &payload, &plen) ==
	      HCASIM_WIRE_OK, "parse");
	CHECK(plen == 5 && payload == pkt + 28, "payload %zu", plen);
	CHECK(got.slid == m.slid && got.dlid == m.dlid && got.sl == m.sl &&
	      got.vl == m.vl && !got.grh && got.pkey == m.pkey &&
	      got.solicited && got.dest_qp == m.dest_qp &&
	      got.psn == m.psn && got.qkey == m.qkey &&
	      got.src_qp == m.src_qp, "parsed fields");
}

/**
 * Byte-level layout of a global packet.
 */
static void
test_global_layout(void)
{
	uint8_t pkt[HCASIM_WIRE_MAX_PKT];
	struct hcasim_pkt_meta m, got;
	const uint8_t *g = pkt + 8, *payload;
	size_t len, plen;
	uint32_t icrc;

	global_meta(&m);
	len = build_counting(&m, 8, pkt);
	/* 8 + 40 + 12 + 8 + 8 + 4 + 2 */
	CHECK(len == 82, "length %zu", len);
	CHECK((pkt[1] & 3) == 3, "LNH 3");
	CHECK(be16(pkt + 4) == 20, "PktLen %u", be16(pkt + 4));
	CHECK(g[0] == 0x6a && g[1] == 0x5f && g[2] == 0xed && g[3] == 0xcb,
	      "IPVer 6, TClass a5, FlowLabel fedcb: %02x%02x%02x%02x",
	      g[0], g[1], g[2], g[3]);
	CHECK(be16(g + 4) == 12 + 8 + 8 + 4, "PayLen %u", be16(g + 4));
	CHECK(g[6] == 0x1b && g[7] == 7, "NxtHdr, HopLmt");
	CHECK(g[8] == 0x10 && g[23] == 0x1f && g[24] == 0xf0 &&
	      g[39] == 0xff, "GIDs");
	CHECK(pkt[48] == 0x64 && (pkt[49] & 0x30) == 0, "BTH, no pad");
	icrc = ref_icrc(pkt, 76, true);
	CHECK(hcasim_icrc(pkt, 76, true) == icrc, "ICRC");
	CHECK((pkt[76] | pkt[77] << 8 | pkt[78] << 16 |
	       (uint32_t)pkt[79] << 24) == icrc, "ICRC stored");
	CHECK((pkt[80] | pkt[81] << 8) == ref_vcrc(pkt, 80), "VCRC");
	CHECK(hcasim_wire_parse(pkt, len, &got, &payload, &plen) ==
	      HCASIM_WIRE_OK, "parse");
	CHECK(plen == 8 && got.grh && got.tclass == 0xa5 &&
	      got.flow_label == 0xfedcb && got.hop_limit == 7 &&
	      !memcmp(got.sgid.raw, m.sgid.raw, 16) &&
	      !memcmp(got.dgid.raw, m.dgid.raw, 16), "parsed GRH");
}

/**
 * Every single-bit error of a small packet is caught; with a fresh VCRC
 * (a switch-made error) invariant bits are still caught and variant bits
 * are accepted as the legal in-flight changes they are.
 *
 * @param m Header fields.
 * @param plen Payload length.
 */
static void
test_bit_flips_of(const struct hcasim_pkt_meta *m, size_t plen)
{
	uint8_t pkt[HCASIM_WIRE_MAX_PKT], bad[HCASIM_WIRE_MAX_PKT];
	size_t len = build_counting(m, plen, pkt), bit;

	for (bit = 0; bit < len * 8; bit++) {
		size_t byte = bit / 8;
		bool variant;
		int rc;

		memcpy(bad, pkt, len);
		bad[byte] ^= (uint8_t)(1u << (bit % 8));
		rc = parse_copy(bad, len, NULL);
		CHECK(rc == HCASIM_WIRE_BAD_VCRC || rc == HCASIM_WIRE_BAD_ICRC,
		      "grh %d bit %zu: %s", m->grh, bit,
		      hcasim_wire_result_name(rc));
		if (byte >= len - 2)
			continue;
		/* The same error made inside a switch. */
		hcasim_wire_seal(bad, len);
		rc = parse_copy(bad, len, NULL);
		variant = hcasim_icrc_variant_bits(byte, m->grh) &
			(1u << (bit % 8));
		if (!variant)
			CHECK(rc == HCASIM_WIRE_BAD_ICRC ||
			      (rc == HCASIM_WIRE_MALFORMED && byte < 8),
			      "grh %d invariant bit %zu, fresh VCRC: %s",
			      m->grh, bit, hcasim_wire_result_name(rc));
		else if (byte >= 8)
			/* GRH and BTH variant fields are free to change. */
			CHECK(rc == HCASIM_WIRE_OK,
			      "grh %d variant bit %zu, fresh VCRC: %s",
			      m->grh, bit, hcasim_wire_result_name(rc));
	}
}

/**
 * Single-bit errors of a local and a global packet.
 */
static void
test_bit_flips(void)
{
	struct hcasim_pkt_meta m;

	local_meta(&m);
	test_bit_flips_of(&m, 3);
	global_meta(&m);
	test_bit_flips_of(&m, 6);
}

/**
 * A variant field changed in flight (VL, GRH hop limit) is not an error.
 */
static void
test_variant_changes(void)
{
	uint8_t pkt[HCASIM_WIRE_MAX_PKT];
	struct hcasim_pkt_meta m, got;
	size_t len;

	local_meta(&m);
	len = build_counting(&m, 9, pkt);
	pkt[0] = (uint8_t)((pkt[0] & 0x0f) | 0x70);       /* VL 7 */
	hcasim_wire_seal(pkt, len);
	CHECK(parse_copy(pkt, len, &got) == HCASIM_WIRE_OK && got.vl == 7,
	      "VL changed by a switch");
	global_meta(&m);
	len = build_counting(&m, 9, pkt);
	pkt[8 + 7] = 1;                                   /* HopLmt */
	pkt[0] = 0xf0 | (pkt[0] & 0x0f);                  /* VL 15 */
	hcasim_wire_seal(pkt, len);
	CHECK(parse_copy(pkt, len, &got) == HCASIM_WIRE_OK &&
	      got.hop_limit == 1, "hop limit changed by a router");
}

/**
 * Truncated packets are refused at every length, bogus fields with good
 * CRCs are MALFORMED.
 */
static void
test_malformed(void)
{
	uint8_t pkt[HCASIM_WIRE_MAX_PKT], bad[HCASIM_WIRE_MAX_PKT];
	struct hcasim_pkt_meta m;
	size_t len, cut;
	int rc;

	global_meta(&m);
	len = build_counting(&m, 13, pkt);
	for (cut = 0; cut < len; cut++) {
		rc = parse_copy(pkt, cut, NULL);
		CHECK(rc != HCASIM_WIRE_OK, "cut at %zu accepted", cut);
		if (cut < 34 || (cut - 2) % 4 != 0)
			CHECK(rc == HCASIM_WIRE_MALFORMED, "cut at %zu: %s",
			      cut, hcasim_wire_result_name(rc));
	}
	/* Longer than it says, even with good CRCs: PktLen mismatch. */
	memcpy(bad, pkt, len);
	memset(bad + len, 0, 4);
	reseal_all(bad, len + 4, true);
	CHECK(parse_copy(bad, len + 4, NULL) == HCASIM_WIRE_MALFORMED,
	      "extra bytes");
	CHECK(hcasim_wire_parse(NULL, len, NULL, NULL, NULL) ==
	      HCASIM_WIRE_MALFORMED, "NULL packet");

	/* byte offset, xor value: every one breaks one rule. */
	static const struct { size_t off; uint8_t x; const char *what; }
	bogus[] = {
		{ 5, 0x01, "PktLen" },
		{ 4, 0x04, "PktLen high bits" },
		{ 1, 0x03, "LNH 0" },
		{ 1, 0x02, "LNH 1" },
		{ 0, 0x01, "LVer" },
		{ 8 + 5, 0x01, "GRH PayLen" },
		{ 8, 0x20, "GRH IPVer" },
		{ 8 + 6, 0x01, "GRH NxtHdr" },
		{ 48, 0x01, "opcode" },
		{ 48 + 1, 0x01, "TVer" },
	};
	size_t i;

	for (i = 0; i < sizeof(bogus) / sizeof(bogus[0]); i++) {
		memcpy(bad, pkt, len);
		bad[bogus[i].off] ^= bogus[i].x;
		reseal_all(bad, len, (bad[1] & 3) == 3);
		rc = parse_copy(bad, len, NULL);
		CHECK(rc == HCASIM_WIRE_MALFORMED, "bogus %s: %s",
		      bogus[i].what, hcasim_wire_result_name(rc));
	}
	/* A pad count longer than an empty payload. */
	len = build_counting(&m, 0, pkt);
	pkt[49] |= 0x30;
	reseal_all(pkt, len, true);
	rc = parse_copy(pkt, len, NULL);
	CHECK(rc == HCASIM_WIRE_MALFORMED, "pad > payload: %s",
	      hcasim_wire_result_name(rc));
}

/**
 * A small deterministic generator for the robustness test.
 * @param s State. @return 32 random bits.
 */
static uint32_t
test_rand(uint64_t *s)
{
	*s = *s * 6364136223846793005ull + 1442695040888963407ull;
	return (uint32_t)(*s >> 33);
}

/**
 * Robustness: random byte changes to valid packets, with both CRCs made
 * good again so the deeper checks run, and random garbage, parsed from
 * exact-size heap copies. Whatever is accepted must describe a payload
 * inside the packet.
 */
static void
test_parse_robustness(void)
{
	uint8_t pkt[HCASIM_WIRE_MAX_PKT];
	struct hcasim_pkt_meta m;
	uint64_t s = 12345;
	unsigned int iter, accepted = 0;

	for (iter = 0; iter < 50000; iter++) {
		size_t len, plen = 0, k, changes;
		const uint8_t *payload = NULL;
		uint8_t *copy;
		int rc;

		if (iter % 2)
			global_meta(&m);
		else
			local_meta(&m);
		len = build_counting(&m, test_rand(&s) % 64, pkt);
		if (iter % 10 == 9) {
			len = test_rand(&s) % 120;
			for (k = 0; k < len; k++)
				pkt[k] = (uint8_t)test_rand(&s);
		} else {
			changes = 1 + test_rand(&s) % 3;
			for (k = 0; k < changes; k++)
				pkt[test_rand(&s) % 60 % len] ^=
					(uint8_t)(1 + test_rand(&s) % 255);
			if (test_rand(&s) % 4 == 0)
				len -= 4 * (1 + test_rand(&s) % 3);
			reseal_all(pkt, len, (pkt[1] & 3) == 3);
		}
		copy = malloc(len ? len : 1);
		if (copy == NULL)
			abort();
		memcpy(copy, pkt, len);
		rc = hcasim_wire_parse(copy, len, &m, &payload, &plen);
		if (rc == HCASIM_WIRE_OK) {
			accepted++;
			CHECK(payload >= copy + 28 && payload + plen <= copy +
			      len - 6, "iteration %u: payload outside", iter);
		} else {
			CHECK(rc == HCASIM_WIRE_MALFORMED ||
			      rc == HCASIM_WIRE_BAD_VCRC ||
			      rc == HCASIM_WIRE_BAD_ICRC, "iteration %u: %d",
			      iter, rc);
		}
		free(copy);
	}
	/* Changes to variant or payload bytes pass: some must. */
	CHECK(accepted > 1000 && accepted < 45000, "accepted %u", accepted);
}

/**
 * Building: gathers pieces, refuses what does not fit.
 */
static void
test_build_limits(void)
{
	static uint8_t big[HCASIM_WIRE_MAX_PAYLOAD + 1];
	uint8_t pkt[HCASIM_WIRE_MAX_PKT];
	const uint8_t *payload;
	struct hcasim_pkt_meta m;
	struct iovec iov[3] = {
		{ (void *)"abc", 3 }, { NULL, 0 }, { (void *)"defgh", 5 },
	};
	struct iovec one = { big, sizeof(big) };
	size_t len, plen;

	global_meta(&m);
	len = hcasim_wire_build(&m, iov, 3, pkt, sizeof(pkt));
	CHECK(len == 82 && hcasim_wire_parse(pkt, len, NULL, &payload,
					     &plen) == HCASIM_WIRE_OK &&
	      plen == 8 && !memcmp(payload, "abcdefgh", 8), "gather");
	CHECK(hcasim_wire_build(&m, iov, 3, pkt, len - 1) == 0, "small buf");
	CHECK(hcasim_wire_build(&m, &one, 1, pkt, sizeof(pkt)) == 0,
	      "payload over the maximum");
	one.iov_len = HCASIM_WIRE_MAX_PAYLOAD;
	len = hcasim_wire_build(&m, &one, 1, pkt, sizeof(pkt));
	CHECK(len == HCASIM_WIRE_MAX_PKT - 3, "largest packet %zu", len);
	CHECK(parse_copy(pkt, len, NULL) == HCASIM_WIRE_OK, "largest parse");
	CHECK(hcasim_wire_build(&m, iov, -1, pkt, sizeof(pkt)) == 0,
	      "negative count");
	CHECK(hcasim_wire_build(NULL, iov, 3, pkt, sizeof(pkt)) == 0,
	      "no meta");
}

/** Outcome of one fault-injection run. */
struct fault_run {
	struct hcasim_wire_counters c;
	unsigned int bad_payloads;
	unsigned int unexpected;
};

/**
 * Carry @p n packets of varied sizes and kinds through a faulty wire,
 * checking every delivered payload.
 *
 * @param cfg Wire configuration. @param n Packets.
 * @param out Filled with the outcome.
 */
static void
run_faults(const struct hcasim_wire_config *cfg, unsigned int n,
	   struct fault_run *out)
{
	static uint8_t payload[HCASIM_WIRE_MAX_PAYLOAD];
	static uint8_t rx[HCASIM_WIRE_MAX_PAYLOAD];
	struct hcasim_wire *w;
	struct hcasim_pkt_meta m;
	unsigned int i;
	int err;

	memset(out, 0, sizeof(*out));
	w = hcasim_wire_create(cfg, &err);
	CHECK(w != NULL, "create: %d", err);
	if (w == NULL)
		return;
	for (i = 0; i < n; i++) {
		size_t plen = (i * 7919u) % 300, got = 0, k;
		struct iovec iov = { payload, plen };
		int rc;

		if (i % 3 == 0)
			global_meta(&m);
		else
			local_meta(&m);
		m.psn = i;
		for (k = 0; k < plen; k++)
			payload[k] = (uint8_t)(i + k * 13);
		rc = hcasim_wire_carry(w, &m, &iov, 1, rx, sizeof(rx), &got);
		if (rc == HCASIM_WIRE_OK) {
			if (got != plen || memcmp(rx, payload, plen))
				out->bad_payloads++;
		} else if (rc != HCASIM_WIRE_DROPPED &&
			   rc != HCASIM_WIRE_BAD_VCRC &&
			   rc != HCASIM_WIRE_BAD_ICRC &&
			   rc != HCASIM_WIRE_MALFORMED) {
			out->unexpected++;
		}
	}
	hcasim_wire_counters(w, &out->c);
	hcasim_wire_destroy(w);
}

/**
 * Tell whether a count is within 6 standard deviations of n * p.
 *
 * @param count Observed. @param n Trials. @param p Probability.
 * @return true when plausible.
 */
static bool
binomial_plausible(uint64_t count, uint64_t n, double p)
{
	double mean = (double)n * p, sd = sqrt(mean * (1 - p));

	return fabs((double)count - mean) <= 6 * sd + 1;
}

/**
 * Drop and corrupt rates, with every corrupted packet caught.
 */
static void
test_fault_injection(void)
{
	struct hcasim_wire_config cfg = {
		.drop_rate = 0.1, .corrupt_rate = 0.25, .seed = 42,
	};
	const unsigned int n = 20000;
	struct fault_run a, b;
	uint64_t caught;

	run_faults(&cfg, n, &a);
	caught = a.c.bad_vcrc + a.c.bad_icrc + a.c.malformed;
	CHECK(a.c.carried == n, "carried %llu",
	      (unsigned long long)a.c.carried);
	CHECK(a.bad_payloads == 0, "%u corrupt payloads delivered",
	      a.bad_payloads);
	CHECK(a.unexpected == 0, "%u unexpected results", a.unexpected);
	CHECK(binomial_plausible(a.c.dropped, n, 0.1), "dropped %llu of %u",
	      (unsigned long long)a.c.dropped, n);
	CHECK(binomial_plausible(a.c.corrupted, n - a.c.dropped, 0.25),
	      "corrupted %llu of %llu", (unsigned long long)a.c.corrupted,
	      (unsigned long long)(n - a.c.dropped));
	CHECK(caught == a.c.corrupted, "caught %llu of %llu corrupted",
	      (unsigned long long)caught, (unsigned long long)a.c.corrupted);
	CHECK(a.c.delivered + a.c.dropped + caught == n, "accounting");
	CHECK(a.c.bad_vcrc > a.c.corrupted / 4 &&
	      a.c.bad_icrc > a.c.corrupted / 8,
	      "both kinds of fault: %llu VCRC, %llu ICRC",
	      (unsigned long long)a.c.bad_vcrc,
	      (unsigned long long)a.c.bad_icrc);

	run_faults(&cfg, n, &b);
	CHECK(!memcmp(&a.c, &b.c, sizeof(a.c)), "same seed, same run");
	cfg.seed = 43;
	run_faults(&cfg, n, &b);
	CHECK(a.c.dropped != b.c.dropped || a.c.bad_vcrc != b.c.bad_vcrc,
	      "another seed, another run");

	cfg.drop_rate = 1.0;
	cfg.corrupt_rate = 0;
	run_faults(&cfg, 100, &b);
	CHECK(b.c.dropped == 100, "drop all");
	cfg.drop_rate = 0;
	cfg.corrupt_rate = 1.0;
	run_faults(&cfg, 1000, &b);
	CHECK(b.c.corrupted == 1000 && b.c.delivered == 0 &&
	      b.bad_payloads == 0, "corrupt all: %llu delivered",
	      (unsigned long long)b.c.delivered);
}

/**
 * Wire creation, enablement and refusals of carry.
 */
static void
test_wire_api(void)
{
	struct hcasim_wire_config cfg = { 0 };
	struct hcasim_wire_counters c;
	struct hcasim_pkt_meta m;
	struct hcasim_wire *w;
	uint8_t rx[16];
	struct iovec iov = { (void *)"0123456789abcdefXYZ", 19 };
	size_t got = 0;
	int err = 0;

	w = hcasim_wire_create(&cfg, &err);
	CHECK(w != NULL && err == 0 && !hcasim_wire_enabled(w), "plain");
	local_meta(&m);
	CHECK(hcasim_wire_carry(w, &m, &iov, 1, rx, sizeof(rx), &got) ==
	      HCASIM_WIRE_TOO_BIG, "receive buffer too small");
	iov.iov_len = 16;
	CHECK(hcasim_wire_carry(w, &m, &iov, 1, rx, sizeof(rx), &got) ==
	      HCASIM_WIRE_OK && got == 16 && !memcmp(rx, iov.iov_base, 16),
	      "exact fit");
	CHECK(hcasim_wire_carry(w, NULL, &iov, 1, rx, sizeof(rx), &got) ==
	      HCASIM_WIRE_MALFORMED, "no meta");
	hcasim_wire_counters(w, &c);
	CHECK(c.carried == 3 && c.delivered == 1 && c.too_big == 1 &&
	      c.malformed == 1 && c.delivered_bytes == 16, "counters");
	hcasim_wire_destroy(w);
	hcasim_wire_destroy(NULL);
	CHECK(!hcasim_wire_enabled(NULL), "NULL wire");

	cfg.drop_rate = 1.5;
	CHECK(hcasim_wire_create(&cfg, &err) == NULL && err == -EINVAL,
	      "rate over 1");
	cfg.drop_rate = NAN;
	CHECK(hcasim_wire_create(&cfg, &err) == NULL && err == -EINVAL,
	      "NaN rate");
	cfg.drop_rate = 0;
	cfg.corrupt_rate = 0.5;
	w = hcasim_wire_create(&cfg, &err);
	CHECK(w != NULL && hcasim_wire_enabled(w), "faults enable the wire");
	hcasim_wire_destroy(w);
	cfg.corrupt_rate = 0;
	cfg.capture_path = "/nonexistent-dir/x.erf";
	CHECK(hcasim_wire_create(&cfg, &err) == NULL && err == -ENOENT,
	      "capture in a missing directory: %d", err);
	CHECK(hcasim_wire_create(NULL, &err) == NULL && err == -EINVAL,
	      "no config");
}

/**
 * ERF record header fields.
 */
static void
test_erf_header(void)
{
	struct timespec ts = { .tv_sec = 0x12345678, .tv_nsec = 500000000 };
	uint8_t h[16];
	size_t rlen;

	rlen = hcasim_erf_header(h, 46, &ts, 3);
	CHECK(rlen == 64, "rlen %zu", rlen);
	CHECK(h[0] == 0 && h[1] == 0 && h[2] == 0 && h[3] == 0x80 &&
	      h[4] == 0x78 && h[7] == 0x12, "timestamp LE, fraction 1/2");
	CHECK(h[8] == 21 && h[9] == 0x04, "type 21, vlen");
	CHECK(be16(h + 10) == 64 && be16(h + 12) == 3 && be16(h + 14) == 46,
	      "rlen, lctr, wlen");
	CHECK(hcasim_erf_header(h, 65536, &ts, 0) == 0, "too long");
}

/**
 * A capture with faults on holds every packet as transmitted.
 *
 * @param dir Directory for the file.
 */
static void
test_capture_with_faults(const char *dir)
{
	struct hcasim_wire_config cfg = {
		.drop_rate = 0.3, .corrupt_rate = 0.3, .seed = 7,
	};
	char path[4096];
	struct fault_run r;
	struct stat st;
	uint8_t *file;
	FILE *f;
	size_t off = 0, size, records = 0;

	snprintf(path, sizeof(path), "%s/test_wire_faults.%d.erf", dir,
		 (int)getpid());
	cfg.capture_path = path;
	run_faults(&cfg, 200, &r);
	CHECK(r.c.captured == 200 && r.c.capture_errors == 0,
	      "captured %llu", (unsigned long long)r.c.captured);
	CHECK(stat(path, &st) == 0, "capture file");
	size = (size_t)st.st_size;
	file = malloc(size ? size : 1);
	f = fopen(path, "rb");
	CHECK(file != NULL && f != NULL &&
	      fread(file, 1, size, f) == size, "read capture");
	if (f != NULL)
		fclose(f);
	while (file != NULL && off + 16 <= size) {
		size_t rlen = be16(file + off + 10);
		size_t wlen = be16(file + off + 14);

		if (rlen < 16 + wlen || off + rlen > size)
			break;
		/* As transmitted: every record is a good packet. */
		CHECK(hcasim_wire_parse(file + off + 16, wlen, NULL, NULL,
					NULL) == HCASIM_WIRE_OK,
		      "record %zu", records);
		off += rlen;
		records++;
	}
	CHECK(off == size && records == 200, "%zu records, %zu of %zu bytes",
	      records, off, size);
	free(file);
	unlink(path);
}

/**
 * Measure hcasim_wire_carry() alone (one thread, faults on at a rate too
 * small to matter, no capture) for 64-byte and 1500-byte payloads.
 *
 * @return 0.
 */
static int
bench_carry(void)
{
	static const size_t sizes[] = { 64, 1500 };
	struct hcasim_wire_config cfg = { .corrupt_rate = 1e-12 };
	static uint8_t payload[1500], rx[HCASIM_WIRE_MAX_PAYLOAD];
	struct hcasim_wire *w = hcasim_wire_create(&cfg, NULL);
	struct hcasim_pkt_meta m;
	unsigned int k, i;

	if (w == NULL)
		return 1;
	local_meta(&m);
	for (k = 0; k < 2; k++) {
		struct iovec iov = { payload, sizes[k] };
		unsigned int n = k == 0 ? 2000000 : 300000;
		struct timespec a, b;
		size_t got;
		double s;

		clock_gettime(CLOCK_MONOTONIC, &a);
		for (i = 0; i < n; i++)
			hcasim_wire_carry(w, &m, &iov, 1, rx, sizeof(rx), &got);
		clock_gettime(CLOCK_MONOTONIC, &b);
		s = (double)(b.tv_sec - a.tv_sec) +
			(double)(b.tv_nsec - a.tv_nsec) / 1e9;
		printf("carry %4zu-byte payloads: %.2f Mpps\n", sizes[k],
		       n / s / 1e6);
	}
	hcasim_wire_destroy(w);
	return 0;
}

/**
 * Run every test, or the benchmark.
 *
 * @param argc 1 or 2.
 * @param argv Optional directory for temporary files, or "--bench".
 * @return 0 when every check passed.
 */
int
main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : "/tmp";

	if (strcmp(dir, "--bench") == 0)
		return bench_carry();

	test_crc_references();
	test_local_layout();
	test_global_layout();
	test_bit_flips();
	test_variant_changes();
	test_malformed();
	test_parse_robustness();
	test_build_limits();
	test_wire_api();
	test_fault_injection();
	test_erf_header();
	test_capture_with_faults(dir);
	if (failures) {
		fprintf(stderr, "test_wire: %d checks failed\n", failures);
		return 1;
	}
	printf("test_wire: all checks passed\n");
	return 0;
}
