/* SPDX-License-Identifier: BSD-3-Clause */

/**
 * @file
 * The two CRCs of an InfiniBand packet (IBA 7.8).
 *
 * ICRC: the Ethernet CRC-32 (reflected polynomial 0xEDB88320, seed all
 * ones, result complemented: the value zlib's crc32() gives) over the
 * packet from the LRH to the end of the pad, with the fields a switch or
 * router may change taken as ones.
 *
 * VCRC: CRC-16, polynomial x^16+x^12+x^3+x+1 (0x100B), processed the same
 * way as the ICRC: reflected (0xD008), seed all ones, result complemented,
 * over the packet from the LRH through the ICRC.
 *
 * Both are table driven, eight bytes at a time ("slicing by 8": table k
 * gives the effect of a byte followed by k zero bytes); the tables are
 * made once.
 */

#include <pthread.h>

#include "hcasim_wire.h"

/** CRC-32 polynomial, reflected. */
#define CRC32_POLY_REFLECTED 0xEDB88320u
/** CRC-16 polynomial 0x100B, reflected. */
#define VCRC_POLY_REFLECTED 0xD008u

/** Bytes handled per step by the sliced loops. */
#define CRC_SLICES 8

static uint32_t crc32_table[CRC_SLICES][256];
static uint16_t vcrc_table[CRC_SLICES][256];
static pthread_once_t crc_tables_once = PTHREAD_ONCE_INIT;

/**
 * Fill the CRC-32 and CRC-16 tables: entry [0][i] is the remainder of
 * byte i shifted through the reflected polynomial eight times; entry
 * [k][i] that of byte i followed by k zero bytes.
 */
static void
crc_tables_make(void)
{
	unsigned int i, bit, k;

	for (i = 0; i < 256; i++) {
		uint32_t c32 = i;
		uint16_t c16 = (uint16_t)i;

		for (bit = 0; bit < 8; bit++) {
			c32 = (c32 & 1) ? (c32 >> 1) ^ CRC32_POLY_REFLECTED :
					  c32 >> 1;
			c16 = (c16 & 1) ? (c16 >> 1) ^ VCRC_POLY_REFLECTED :
					  c16 >> 1;
		}
		crc32_table[0][i] = c32;
		vcrc_table[0][i] = c16;
	}
	for (k = 1; k < CRC_SLICES; k++) {
		for (i = 0; i < 256; i++) {
			uint32_t p32 = crc32_table[k - 1][i];
			uint16_t p16 = vcrc_table[k - 1][i];

			crc32_table[k][i] = (p32 >> 8) ^
				crc32_table[0][p32 & 0xff];
			vcrc_table[k][i] = (uint16_t)((p16 >> 8) ^
				vcrc_table[0][p16 & 0xff]);
		}
	}
}

/**
 * Make sure the tables exist (thread safe, once per process).
 */
static void
crc_tables_ready(void)
{
	pthread_once(&crc_tables_once, crc_tables_make);
}

/**
 * Run bytes through the CRC-32 register.
 *
 * @param reg
 *   The register (start with 0xFFFFFFFF).
 * @param p
 *   The bytes.
 * @param len
 *   How many.
 * @return
 *   The new register (complement it at the end to get the CRC).
 */
static uint32_t
crc32_update(uint32_t reg, const uint8_t *p, size_t len)
{
	const uint32_t (*t)[256] = crc32_table;

	for (; len >= CRC_SLICES; len -= CRC_SLICES, p += CRC_SLICES) {
		uint32_t lo = reg ^ (p[0] | (uint32_t)p[1] << 8 |
				     (uint32_t)p[2] << 16 |
				     (uint32_t)p[3] << 24);

		reg = t[7][lo & 0xff] ^ t[6][(lo >> 8) & 0xff] ^
			t[5][(lo >> 16) & 0xff] ^ t[4][lo >> 24] ^
			t[3][p[4]] ^ t[2][p[5]] ^ t[1][p[6]] ^ t[0][p[7]];
	}
	for (; len > 0; len--, p++)
		reg = (reg >> 8) ^ t[0][(reg ^ *p) & 0xff];
	return reg;
}

uint8_t
hcasim_icrc_variant_bits(size_t off, bool grh)
{
	size_t bth = HCASIM_LRH_LEN + (grh ? HCASIM_GRH_LEN : 0);

	if (off == bth + 4)
		return 0xff;                    /* BTH:resv8a */
	if (!grh)
		return off == 0 ? 0xf0 : 0;     /* LRH:VL */
	if (off < HCASIM_LRH_LEN)
		return 0xff;                    /* the whole LRH */
	switch (off - HCASIM_LRH_LEN) {
	case 0:
		return 0x0f;                    /* TClass, high nibble */
	case 1:                                 /* TClass, FlowLabel */
	case 2:
	case 3:
	case 7:                                 /* HopLmt */
		return 0xff;
	default:
		return 0;
	}
}

uint32_t
hcasim_icrc(const uint8_t *pkt, size_t len, bool grh)
{
	uint8_t hdr[HCASIM_LRH_LEN + HCASIM_GRH_LEN + HCASIM_BTH_LEN];
	size_t hlen = HCASIM_LRH_LEN + HCASIM_BTH_LEN +
		(grh ? HCASIM_GRH_LEN : 0);
	uint32_t reg;
	size_t i;

	if (pkt == NULL || len < hlen)
		return 0;
	crc_tables_ready();
	for (i = 0; i < hlen; i++)
		hdr[i] = pkt[i] | hcasim_icrc_variant_bits(i, grh);
	reg = crc32_update(0xffffffffu, hdr, hlen);
	reg = crc32_update(reg, pkt + hlen, len - hlen);
	return ~reg;
}

uint16_t
hcasim_vcrc(const uint8_t *pkt, size_t len)
{
	const uint16_t (*t)[256] = vcrc_table;
	const uint8_t *p = pkt;
	uint16_t reg = 0xffff;

	if (pkt == NULL)
		return 0;
	crc_tables_ready();
	for (; len >= CRC_SLICES; len -= CRC_SLICES, p += CRC_SLICES) {
		uint16_t lo = reg ^ (uint16_t)(p[0] | p[1] << 8);

		reg = t[7][lo & 0xff] ^ t[6][lo >> 8] ^ t[5][p[2]] ^
			t[4][p[3]] ^ t[3][p[4]] ^ t[2][p[5]] ^ t[1][p[6]] ^
			t[0][p[7]];
	}
	for (; len > 0; len--, p++)
		reg = (uint16_t)((reg >> 8) ^ t[0][(reg ^ *p) & 0xff]);
	return (uint16_t)~reg;
}
