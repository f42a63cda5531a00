/* SPDX-License-Identifier: BSD-3-Clause */

/**
 * @file
 * Fuzz harness: the soft HCA's packet CRCs (app/hcasim/hcasim_crc.c)
 * against plain bit-at-a-time reference implementations written from
 * IBA 7.8 (differential fuzzing of the sliced, table-driven code).
 *
 * Input: byte 0 holds flags (bit 0: the packet has a GRH; bits 1..3: an
 * offset 0..7 at which the bytes are placed, to vary alignment), the rest
 * is the packet. Checks, for prefixes of the packet:
 *  - hcasim_vcrc() equals the reference CRC-16;
 *  - hcasim_icrc() equals the reference CRC-32 over the packet with the
 *    variant fields taken as ones (0 when shorter than the headers);
 *  - hcasim_icrc_variant_bits() says the same as the reference masks.
 */

#include <string.h>

#include "hcasim_wire.h"

#include "fuzz.h"

/** Bytes of an input checked at most. */
#define FUZZ_CRC_MAX_LEN 512
/**
 * Prefixes checked: every one up to this length (the headers and the
 * variant fields), and the last FUZZ_CRC_LAST_PREFIXES ones (each way the
 * sliced loops can end); the references run alongside in one pass.
 */
#define FUZZ_CRC_ALL_PREFIXES 72
#define FUZZ_CRC_LAST_PREFIXES 9

/** CRC-32 (reflected 0xEDB88320), one bit at a time; register only. */
static uint32_t
ref_crc32_update(uint32_t reg, const uint8_t *p, size_t len)
{
	size_t i;
	int bit;

	for (i = 0; i < len; i++) {
		reg ^= p[i];
		for (bit = 0; bit < 8; bit++)
			reg = (reg >> 1) ^ (0xedb88320u & (0u - (reg & 1)));
	}
	return reg;
}

/** One byte through the VCRC register: CRC-16 0x100B reflected. */
static uint16_t
ref_vcrc_update(uint16_t reg, uint8_t b)
{
	int bit;

	reg ^= b;
	for (bit = 0; bit < 8; bit++)
		reg = (uint16_t)((reg >> 1) ^ (0xd008u & (0u - (reg & 1u))));
	return reg;
}

/**
 * The variant bits of a packet byte (IBA 7.8.1): local packet: LRH:VL
 * and BTH:resv8a; global packet: the whole LRH, GRH TClass, FlowLabel
 * and HopLmt, and BTH:resv8a.
 */
static uint8_t
ref_variant_bits(size_t off, bool grh)
{
	size_t bth = grh ? 48 : 8;

	if (off == bth + 4)
		return 0xff;
	if (!grh)
		return off == 0 ? 0xf0 : 0;
	if (off < 8)
		return 0xff;
	if (off == 8)
		return 0x0f;            /* IPVer stays, TClass high nibble */
	if (off == 9 || off == 10 || off == 11 || off == 15)
		return 0xff;
	return 0;
}

/**
 * Compare both CRCs of the prefixes of a packet with the references,
 * which run one byte at a time alongside (seed ones, result
 * complemented; the ICRC is 0 for a prefix shorter than the headers).
 */
static void
check_prefixes(const uint8_t *p, size_t len, bool grh)
{
	size_t hlen = grh ? 60 : 20;
	uint32_t icrc_reg = 0xffffffffu;
	uint16_t vcrc_reg = 0xffff;
	size_t n;
	uint8_t b;

	for (n = 0; ; n++) {
		uint16_t vcrc = (uint16_t)~vcrc_reg;

		if (n <= FUZZ_CRC_ALL_PREFIXES ||
		    n + FUZZ_CRC_LAST_PREFIXES > len) {
			FUZZ_CHECK(hcasim_vcrc(p, n) == vcrc);
			FUZZ_CHECK(hcasim_icrc(p, n, grh) ==
				   (n < hlen ? 0 : ~icrc_reg));
		}
		if (n == len)
			break;
		b = p[n] | ref_variant_bits(n, grh);
		vcrc_reg = ref_vcrc_update(vcrc_reg, p[n]);
		icrc_reg = ref_crc32_update(icrc_reg, &b, 1);
	}
}

/** libFuzzer entry point: flags byte, then the packet. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t buf[FUZZ_CRC_MAX_LEN + 8];
	size_t len, off, n;
	bool grh;

	if (size < 1)
		return 0;
	grh = data[0] & 1;
	off = (data[0] >> 1) & 7;
	len = size - 1 < FUZZ_CRC_MAX_LEN ? size - 1 : FUZZ_CRC_MAX_LEN;
	memcpy(buf + off, data + 1, len);
	for (n = 0; n <= 64 + 8; n++)
		FUZZ_CHECK(hcasim_icrc_variant_bits(n, grh) ==
			   ref_variant_bits(n, grh));
	check_prefixes(buf + off, len, grh);
	return 0;
}
