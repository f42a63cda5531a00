/* SPDX-License-Identifier: BSD-3-Clause */

/**
 * @file
 * Building and checking whole UD SEND packets (IBA chapter 9, 7.7, 7.8).
 *
 *   LRH  8  VL:4 LVer:4 | SL:4 rsv:2 LNH:2 | DLID:16 | rsv:5 PktLen:11 |
 *           SLID:16; PktLen counts 4-byte words from the LRH through the
 *           ICRC
 *   GRH 40  IPVer:4 TClass:8 FlowLabel:20 | PayLen:16 (BTH through ICRC)
 *           | NxtHdr:8 (0x1B) | HopLmt:8 | SGID:128 | DGID:128
 *   BTH 12  OpCode:8 | SE:1 M:1 PadCnt:2 TVer:4 | P_Key:16 | resv8a:8
 *           DestQP:24 | A:1 resv:7 PSN:24
 *   DETH 8  Q_Key:32 | resv:8 SrcQP:24
 *   payload, PadCnt zero bytes to a 4-byte multiple, ICRC 4, VCRC 2.
 *
 * All fields are big endian except the two CRCs, sent least significant
 * byte first.
 */

#include <string.h>

#include "hcasim_wire.h"

/** GRH:NxtHdr value meaning "an IBA transport header follows". */
#define GRH_NXTHDR_IBA 0x1b
/** GRH:IPVer value. */
#define GRH_IPVER 6
/** Bytes after the payload: ICRC and VCRC. */
#define WIRE_TRAILER_LEN (HCASIM_ICRC_LEN + HCASIM_VCRC_LEN)
/** Shortest packet: LRH, BTH, DETH, no payload, ICRC, VCRC. */
#define WIRE_MIN_PKT (HCASIM_LRH_LEN + HCASIM_BTH_LEN + HCASIM_DETH_LEN + \
	WIRE_TRAILER_LEN)

/* ---------------------------------------------------------------------
 * Byte order helpers
 * ------------------------------------------------------------------- */

/**
 * Store a 16-bit value most significant byte first.
 * @param p Where. @param v What.
 */
static void
put_be16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

/**
 * Store the low 24 bits of a value most significant byte first.
 * @param p Where. @param v What.
 */
static void
put_be24(uint8_t *p, uint32_t v)
{
	p[0] = (v >> 16) & 0xff;
	p[1] = (v >> 8) & 0xff;
	p[2] = v & 0xff;
}

/**
 * Store a 32-bit value most significant byte first.
 * @param p Where. @param v What.
 */
static void
put_be32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	put_be24(p + 1, v);
}

/**
 * Store a 32-bit value least significant byte first.
 * @param p Where. @param v What.
 */
static void
put_le32(uint8_t *p, uint32_t v)
{
	p[0] = v & 0xff;
	p[1] = (v >> 8) & 0xff;
	p[2] = (v >> 16) & 0xff;
	p[3] = v >> 24;
}

/**
 * Load a big-endian 16-bit value.
 * @param p Where. @return The value.
 */
static uint16_t
get_be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/**
 * Load a big-endian 24-bit value.
 * @param p Where. @return The value.
 */
static uint32_t
get_be24(const uint8_t *p)
{
	return (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
}

/**
 * Load a big-endian 32-bit value.
 * @param p Where. @return The value.
 */
static uint32_t
get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | get_be24(p + 1);
}

/**
 * Load a little-endian 32-bit value.
 * @param p Where. @return The value.
 */
static uint32_t
get_le32(const uint8_t *p)
{
	return p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
		(uint32_t)p[3] << 24;
}

/* ---------------------------------------------------------------------
 * Building
 * ------------------------------------------------------------------- */

/**
 * Add up the lengths of the payload pieces.
 *
 * @param iov
 *   The pieces.
 * @param iovcnt
 *   How many (negative is an error).
 * @return
 *   The total, or SIZE_MAX on a bad count or more than the largest
 *   payload.
 */
static size_t
payload_length_of(const struct iovec *iov, int iovcnt)
{
	size_t total = 0;
	int i;

	if (iovcnt < 0 || (iovcnt > 0 && iov == NULL))
		return SIZE_MAX;
	for (i = 0; i < iovcnt; i++) {
		if (iov[i].iov_len > HCASIM_WIRE_MAX_PAYLOAD - total)
			return SIZE_MAX;
		total += iov[i].iov_len;
	}
	return total;
}

/**
 * Write the LRH.
 *
 * @param p
 *   Where.
 * @param m
 *   Header fields.
 * @param words
 *   PktLen: 4-byte words from the LRH through the ICRC.
 */
static void
build_lrh(uint8_t *p, const struct hcasim_pkt_meta *m, size_t words)
{
	p[0] = (uint8_t)((m->vl & 0xf) << 4);  /* LVer 0 */
	p[1] = (uint8_t)((m->sl & 0xf) << 4) |
		(m->grh ? HCASIM_LNH_IBA_GLOBAL : HCASIM_LNH_IBA_LOCAL);
	put_be16(p + 2, m->dlid);
	put_be16(p + 4, (uint16_t)(words & 0x7ff));
	put_be16(p + 6, m->slid);
}

/**
 * Write the GRH.
 *
 * @param p
 *   Where.
 * @param m
 *   Header fields.
 * @param paylen
 *   PayLen: bytes from the BTH through the ICRC.
 */
static void
build_grh(uint8_t *p, const struct hcasim_pkt_meta *m, size_t paylen)
{
	uint32_t w0 = (uint32_t)GRH_IPVER << 28 | (uint32_t)m->tclass << 20 |
		(m->flow_label & 0xfffff);

	put_be32(p, w0);
	put_be16(p + 4, (uint16_t)paylen);
	p[6] = GRH_NXTHDR_IBA;
	p[7] = m->hop_limit;
	memcpy(p + 8, m->sgid.raw, HCA_GID_LEN);
	memcpy(p + 24, m->dgid.raw, HCA_GID_LEN);
}

/**
 * Write the BTH of a UD SEND only packet.
 *
 * @param p
 *   Where.
 * @param m
 *   Header fields.
 * @param pad
 *   PadCnt, 0..3.
 */
static void
build_bth(uint8_t *p, const struct hcasim_pkt_meta *m, size_t pad)
{
	p[0] = HCASIM_OPCODE_UD_SEND_ONLY;
	p[1] = (uint8_t)((m->solicited ? 0x80 : 0) | (pad & 3) << 4);
	put_be16(p + 2, m->pkey);
	p[4] = 0;                       /* resv8a */
	put_be24(p + 5, m->dest_qp);
	p[8] = 0;                       /* A, resv7 */
	put_be24(p + 9, m->psn);
}

/**
 * Write the DETH.
 *
 * @param p
 *   Where.
 * @param m
 *   Header fields.
 */
static void
build_deth(uint8_t *p, const struct hcasim_pkt_meta *m)
{
	put_be32(p, m->qkey);
	p[4] = 0;
	put_be24(p + 5, m->src_qp);
}

size_t
hcasim_wire_build(const struct hcasim_pkt_meta *m, const struct iovec *iov,
		  int iovcnt, uint8_t *buf, size_t cap)
{
	size_t plen = payload_length_of(iov, iovcnt);
	size_t hlen, pad, icrc_at, total, off;
	int i;

	if (m == NULL || buf == NULL || plen == SIZE_MAX)
		return 0;
	hlen = HCASIM_LRH_LEN + (m->grh ? HCASIM_GRH_LEN : 0) +
		HCASIM_BTH_LEN + HCASIM_DETH_LEN;
	pad = (4 - (plen & 3)) & 3;
	icrc_at = hlen + plen + pad;
	total = icrc_at + WIRE_TRAILER_LEN;
	if (total > cap)
		return 0;

	build_lrh(buf, m, (icrc_at + HCASIM_ICRC_LEN) / 4);
	off = HCASIM_LRH_LEN;
	if (m->grh) {
		build_grh(buf + off, m, icrc_at + HCASIM_ICRC_LEN - off -
			  HCASIM_GRH_LEN);
		off += HCASIM_GRH_LEN;
	}
	build_bth(buf + off, m, pad);
	off += HCASIM_BTH_LEN;
	build_deth(buf + off, m);
	off += HCASIM_DETH_LEN;
	for (i = 0; i < iovcnt; i++) {
		if (iov[i].iov_len > 0)
			memcpy(buf + off, iov[i].iov_base, iov[i].iov_len);
		off += iov[i].iov_len;
	}
	memset(buf + off, 0, pad);
	put_le32(buf + icrc_at, hcasim_icrc(buf, icrc_at, m->grh));
	hcasim_wire_seal(buf, total);
	return total;
}

void
hcasim_wire_seal(uint8_t *pkt, size_t len)
{
	uint16_t vcrc;

	if (pkt == NULL || len < HCASIM_VCRC_LEN)
		return;
	vcrc = hcasim_vcrc(pkt, len - HCASIM_VCRC_LEN);
	pkt[len - 2] = vcrc & 0xff;
	pkt[len - 1] = vcrc >> 8;
}

/* ---------------------------------------------------------------------
 * Parsing
 * ------------------------------------------------------------------- */

/**
 * Check the link layer: whole 4-byte words plus the VCRC, a VCRC that
 * matches, LVer 0, a known LNH and a PktLen that matches the length.
 *
 * @param pkt
 *   The packet.
 * @param len
 *   Its length.
 * @return
 *   HCASIM_WIRE_OK, HCASIM_WIRE_MALFORMED or HCASIM_WIRE_BAD_VCRC.
 */
static int
parse_link_layer(const uint8_t *pkt, size_t len)
{
	size_t crc_len = len - HCASIM_VCRC_LEN;
	uint16_t vcrc;
	unsigned int lnh;

	if (len < WIRE_MIN_PKT || crc_len % 4 != 0)
		return HCASIM_WIRE_MALFORMED;
	vcrc = pkt[crc_len] | (uint16_t)(pkt[crc_len + 1] << 8);
	if (vcrc != hcasim_vcrc(pkt, crc_len))
		return HCASIM_WIRE_BAD_VCRC;
	lnh = pkt[1] & 3;
	if ((pkt[0] & 0xf) != 0 ||
	    (lnh != HCASIM_LNH_IBA_LOCAL && lnh != HCASIM_LNH_IBA_GLOBAL))
		return HCASIM_WIRE_MALFORMED;
	if ((size_t)(get_be16(pkt + 4) & 0x7ff) * 4 != crc_len)
		return HCASIM_WIRE_MALFORMED;
	return HCASIM_WIRE_OK;
}

/**
 * Check the GRH of a global packet: IPVer 6, an IBA transport next, and a
 * PayLen that matches the length.
 *
 * @param g
 *   The GRH.
 * @param after_grh
 *   Bytes from the BTH through the ICRC.
 * @return
 *   HCASIM_WIRE_OK or HCASIM_WIRE_MALFORMED.
 */
static int
parse_grh(const uint8_t *g, size_t after_grh)
{
	if (g[0] >> 4 != GRH_IPVER || g[6] != GRH_NXTHDR_IBA ||
	    get_be16(g + 4) != after_grh)
		return HCASIM_WIRE_MALFORMED;
	return HCASIM_WIRE_OK;
}

/**
 * Fill the header fields of a parsed packet.
 *
 * @param pkt
 *   The packet (already checked).
 * @param grh
 *   Whether it has a GRH.
 * @param m
 *   Filled.
 */
static void
parse_fields(const uint8_t *pkt, bool grh, struct hcasim_pkt_meta *m)
{
	const uint8_t *bth = pkt + HCASIM_LRH_LEN + (grh ? HCASIM_GRH_LEN : 0);
	const uint8_t *deth = bth + HCASIM_BTH_LEN;

	memset(m, 0, sizeof(*m));
	m->vl = pkt[0] >> 4;
	m->sl = pkt[1] >> 4;
	m->dlid = get_be16(pkt + 2);
	m->slid = get_be16(pkt + 6);
	m->grh = grh;
	if (grh) {
		const uint8_t *g = pkt + HCASIM_LRH_LEN;
		uint32_t w0 = get_be32(g);

		m->tclass = (w0 >> 20) & 0xff;
		m->flow_label = w0 & 0xfffff;
		m->hop_limit = g[7];
		memcpy(m->sgid.raw, g + 8, HCA_GID_LEN);
		memcpy(m->dgid.raw, g + 24, HCA_GID_LEN);
	}
	m->solicited = (bth[1] & 0x80) != 0;
	m->pkey = get_be16(bth + 2);
	m->dest_qp = get_be24(bth + 5);
	m->psn = get_be24(bth + 9);
	m->qkey = get_be32(deth);
	m->src_qp = get_be24(deth + 5);
}

int
hcasim_wire_parse(const uint8_t *pkt, size_t len, struct hcasim_pkt_meta *m,
		  const uint8_t **payload, size_t *plen)
{
	size_t icrc_at, hlen, pad;
	const uint8_t *bth;
	bool grh;
	int rc;

	if (pkt == NULL)
		return HCASIM_WIRE_MALFORMED;
	rc = parse_link_layer(pkt, len);
	if (rc != HCASIM_WIRE_OK)
		return rc;
	grh = (pkt[1] & 3) == HCASIM_LNH_IBA_GLOBAL;
	icrc_at = len - WIRE_TRAILER_LEN;
	hlen = HCASIM_LRH_LEN + (grh ? HCASIM_GRH_LEN : 0) + HCASIM_BTH_LEN +
		HCASIM_DETH_LEN;
	if (icrc_at < hlen)
		return HCASIM_WIRE_MALFORMED;
	if (get_le32(pkt + icrc_at) != hcasim_icrc(pkt, icrc_at, grh))
		return HCASIM_WIRE_BAD_ICRC;
	if (grh) {
		rc = parse_grh(pkt + HCASIM_LRH_LEN,
			       len - HCASIM_VCRC_LEN - HCASIM_LRH_LEN -
			       HCASIM_GRH_LEN);
		if (rc != HCASIM_WIRE_OK)
			return rc;
	}
	bth = pkt + hlen - HCASIM_DETH_LEN - HCASIM_BTH_LEN;
	pad = (bth[1] >> 4) & 3;
	if (bth[0] != HCASIM_OPCODE_UD_SEND_ONLY || (bth[1] & 0xf) != 0 ||
	    icrc_at - hlen < pad)
		return HCASIM_WIRE_MALFORMED;
	if (m != NULL)
		parse_fields(pkt, grh, m);
	if (payload != NULL)
		*payload = pkt + hlen;
	if (plen != NULL)
		*plen = icrc_at - hlen - pad;
	return HCASIM_WIRE_OK;
}
