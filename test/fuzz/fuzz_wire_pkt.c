/* SPDX-License-Identifier: BSD-3-Clause */

/**
 * @file
 * Fuzz harness: whole IB packets through the soft HCA's receive checks
 * (app/hcasim/hcasim_wire_pkt.c, hcasim_crc.c).
 *
 * Each input is parsed twice: as it is (nearly always refused by the
 * VCRC or ICRC check), then with both CRCs recomputed so that the fuzzer
 * reaches the header checks behind them. Checks:
 *  - the result is one of the documented values; with correct CRCs it is
 *    never a CRC error;
 *  - an accepted packet's payload lies inside it, after the headers, and
 *    its length adds up with the headers, pad and trailer;
 *  - round trip: a packet rebuilt with hcasim_wire_build() from the
 *    parsed fields and payload parses back to the same fields and
 *    payload, and equals the original byte for byte once the bits the
 *    parser ignores (reserved fields, pad bytes) are cleared in it.
 */

#include <string.h>

#include "hcasim_wire.h"

#include "fuzz.h"

/** Bytes after the payload: ICRC and VCRC. */
#define TRAILER_LEN (HCASIM_ICRC_LEN + HCASIM_VCRC_LEN)
/** Largest input worth a copy (the 11-bit PktLen caps a packet). */
#define FUZZ_WIRE_MAX_IN (2047 * 4 + HCASIM_VCRC_LEN)

/** Store a 32-bit value least significant byte first. */
static void
put_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

/** Whether a packet (LRH first) says a GRH follows. */
static bool
has_grh(const uint8_t *pkt)
{
	return (pkt[1] & 3) == HCASIM_LNH_IBA_GLOBAL;
}

/** Offset of the BTH in a packet with or without a GRH. */
static size_t
bth_offset(bool grh)
{
	return HCASIM_LRH_LEN + (grh ? HCASIM_GRH_LEN : 0);
}

/**
 * Recompute the ICRC (when the packet is long enough to hold one) and
 * the VCRC of a packet in place.
 */
static void
fix_crcs(uint8_t *pkt, size_t len)
{
	if (len >= TRAILER_LEN + 2) {
		size_t icrc_at = len - TRAILER_LEN;

		put_le32(pkt + icrc_at, hcasim_icrc(pkt, icrc_at,
						    has_grh(pkt)));
	}
	hcasim_wire_seal(pkt, len);
}

/** Check that two parsed headers are the same. */
static void
check_same_meta(const struct hcasim_pkt_meta *a,
		const struct hcasim_pkt_meta *b)
{
	FUZZ_CHECK(a->slid == b->slid && a->dlid == b->dlid);
	FUZZ_CHECK(a->sl == b->sl && a->vl == b->vl && a->grh == b->grh);
	FUZZ_CHECK(a->pkey == b->pkey && a->solicited == b->solicited);
	FUZZ_CHECK(a->dest_qp == b->dest_qp && a->psn == b->psn);
	FUZZ_CHECK(a->qkey == b->qkey && a->src_qp == b->src_qp);
	if (!a->grh)
		return;
	FUZZ_CHECK(memcmp(a->sgid.raw, b->sgid.raw, HCA_GID_LEN) == 0);
	FUZZ_CHECK(memcmp(a->dgid.raw, b->dgid.raw, HCA_GID_LEN) == 0);
	FUZZ_CHECK(a->tclass == b->tclass && a->hop_limit == b->hop_limit);
	FUZZ_CHECK(a->flow_label == b->flow_label);
}

/** Check the fields of an accepted packet against its bytes. */
static void
check_accepted(const uint8_t *pkt, size_t len,
	       const struct hcasim_pkt_meta *m, const uint8_t *payload,
	       size_t plen)
{
	size_t hlen = bth_offset(m->grh) + HCASIM_BTH_LEN + HCASIM_DETH_LEN;
	const uint8_t *bth = pkt + bth_offset(m->grh);
	size_t pad = (bth[1] >> 4) & 3;

	FUZZ_CHECK(m->grh == has_grh(pkt));
	FUZZ_CHECK(payload == pkt + hlen);
	FUZZ_CHECK(fuzz_inside(payload, plen, pkt, len - TRAILER_LEN));
	FUZZ_CHECK(plen <= len && hlen + plen + pad + TRAILER_LEN == len);
	FUZZ_CHECK(len % 4 == HCASIM_VCRC_LEN);
	FUZZ_CHECK((size_t)(fuzz_be16(pkt + 4) & 0x7ff) * 4 ==
		   len - HCASIM_VCRC_LEN);
	FUZZ_CHECK(bth[0] == HCASIM_OPCODE_UD_SEND_ONLY);
	FUZZ_CHECK(m->dlid == fuzz_be16(pkt + 2));
	FUZZ_CHECK(m->slid == fuzz_be16(pkt + 6));
	FUZZ_CHECK(m->pkey == fuzz_be16(bth + 2));
	FUZZ_CHECK(m->dest_qp == (fuzz_be32(bth + 4) & 0xffffff));
	FUZZ_CHECK(m->qkey == fuzz_be32(bth + HCASIM_BTH_LEN));
	FUZZ_CHECK(m->sl <= 15 && m->vl <= 15);
	FUZZ_CHECK(m->flow_label <= 0xfffff);
}

/**
 * Copy a packet with the bits hcasim_wire_parse() ignores cleared
 * (reserved LRH, BTH and DETH bits, the BTH MigReq bit, pad bytes) and
 * its CRCs recomputed: what hcasim_wire_build() must produce from the
 * parsed fields.
 */
static void
canonical_copy(const uint8_t *pkt, size_t len, size_t plen, uint8_t *out)
{
	bool grh = has_grh(pkt);
	size_t bth = bth_offset(grh);
	size_t deth = bth + HCASIM_BTH_LEN;
	size_t pay = deth + HCASIM_DETH_LEN;

	memcpy(out, pkt, len);
	out[1] &= 0xf3;              /* LRH: rsv2 */
	out[4] &= 0x07;              /* LRH: rsv5 */
	out[bth + 1] &= 0xb0;        /* BTH: SE and PadCnt only */
	out[bth + 4] = 0;            /* BTH: resv8a */
	out[bth + 8] = 0;            /* BTH: AckReq, resv7 */
	out[deth + 4] = 0;           /* DETH: reserved */
	memset(out + pay + plen, 0, len - TRAILER_LEN - pay - plen);
	fix_crcs(out, len);
}

/**
 * Rebuild an accepted packet from its parsed fields and payload, parse
 * the result and compare.
 */
static void
check_round_trip(const uint8_t *pkt, size_t len,
		 const struct hcasim_pkt_meta *m, const uint8_t *payload,
		 size_t plen)
{
	static uint8_t rebuilt[HCASIM_WIRE_MAX_PKT];
	static uint8_t canon[FUZZ_WIRE_MAX_IN];
	struct iovec iov = { .iov_base = (void *)(uintptr_t)payload,
			     .iov_len = plen };
	struct hcasim_pkt_meta m2;
	const uint8_t *payload2;
	size_t n, plen2;

	n = hcasim_wire_build(m, &iov, 1, rebuilt, sizeof(rebuilt));
	if (plen > HCASIM_WIRE_MAX_PAYLOAD) {
		/* Longer than any IB MTU: the builder refuses it (the parser
		 * accepts it; the receive path's buffer check drops it).
		 */
		FUZZ_CHECK(n == 0);
		return;
	}
	FUZZ_CHECK(n == len);
	FUZZ_CHECK(hcasim_wire_parse(rebuilt, n, &m2, &payload2, &plen2) ==
		   HCASIM_WIRE_OK);
	check_same_meta(m, &m2);
	FUZZ_CHECK(plen2 == plen && payload2 == rebuilt + (payload - pkt));
	FUZZ_CHECK(memcmp(payload, payload2, plen) == 0);
	canonical_copy(pkt, len, plen, canon);
	FUZZ_CHECK(memcmp(canon, rebuilt, len) == 0);
}

/**
 * Parse one packet and check what comes out.
 *
 * @param crcs_fixed  the CRCs are known to be right
 */
static void
fuzz_parse(const uint8_t *pkt, size_t len, bool crcs_fixed)
{
	struct hcasim_pkt_meta m;
	const uint8_t *payload = NULL;
	size_t plen = 0;
	int rc;

	rc = hcasim_wire_parse(pkt, len, &m, &payload, &plen);
	FUZZ_CHECK(rc == HCASIM_WIRE_OK || rc == HCASIM_WIRE_MALFORMED ||
		   rc == HCASIM_WIRE_BAD_VCRC || rc == HCASIM_WIRE_BAD_ICRC);
	if (crcs_fixed)
		FUZZ_CHECK(rc == HCASIM_WIRE_OK || rc == HCASIM_WIRE_MALFORMED);
	/* The optional outputs may be NULL, with the same verdict. */
	FUZZ_CHECK(hcasim_wire_parse(pkt, len, NULL, NULL, NULL) == rc);
	if (rc != HCASIM_WIRE_OK)
		return;
	check_accepted(pkt, len, &m, payload, plen);
	check_round_trip(pkt, len, &m, payload, plen);
}

/** libFuzzer entry point: the input is one packet, LRH first. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *copy;

	fuzz_parse(data, size, false);
	if (size < HCASIM_VCRC_LEN || size > FUZZ_WIRE_MAX_IN)
		return 0;
	copy = malloc(size);
	if (copy == NULL)
		return 0;
	memcpy(copy, data, size);
	fix_crcs(copy, size);
	fuzz_parse(copy, size, true);
	free(copy);
	return 0;
}
