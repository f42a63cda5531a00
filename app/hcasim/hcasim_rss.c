/* SPDX-License-Identifier: BSD-3-Clause */

/**
 * @file
 * The soft HCA's RSS hash: a Toeplitz hash (the usual 40-byte key) of the
 * inner IPv4/IPv6 source and destination addresses, then the TCP/UDP
 * source and destination ports when the packet is an unfragmented TCP or
 * UDP datagram, read behind the 4-byte IPoIB header. Non-IP payloads hash
 * to 0 (and go to the RSS parent, or to the first RQ of a TIR's table).
 */

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "hcasim.h"
#include "hca_dp.h"

/** Longest hashed input: two IPv6 addresses and two ports. */
#define RSS_INPUT_MAX 36

/** The widely used default Toeplitz key. */
static const uint8_t rss_key[40] = {
	0x6d, 0x5a, 0x56, 0xda, 0x25, 0x5b, 0x0e, 0xc2,
	0x41, 0x67, 0x25, 0x3d, 0x43, 0xa3, 0x8f, 0xb0,
	0xd0, 0xca, 0x2b, 0xcb, 0xae, 0x7b, 0x30, 0xb4,
	0x77, 0xcb, 0x2d, 0xa3, 0x80, 0x30, 0xf2, 0x0c,
	0x6a, 0x42, 0xb7, 0x3b, 0xbe, 0xac, 0x01, 0xfa,
};

/** rss_table[i][v]: what byte value v at input position i contributes. */
static uint32_t rss_table[RSS_INPUT_MAX][256];

/** The 32 key bits starting at bit position pos. */
static uint32_t
key_window(unsigned int pos)
{
	uint32_t w = 0;
	unsigned int b;

	for (b = 0; b < 32; b++) {
		unsigned int k = pos + b;
		unsigned int bit = (rss_key[k / 8] >> (7 - k % 8)) & 1;

		w = w << 1 | bit;
	}
	return w;
}

/** Fill the per-byte tables once, before any thread hashes. */
__attribute__((constructor)) static void
rss_table_init(void)
{
	unsigned int i, v, b;

	for (i = 0; i < RSS_INPUT_MAX; i++) {
		for (v = 0; v < 256; v++) {
			uint32_t r = 0;

			for (b = 0; b < 8; b++)
				if (v & (0x80 >> b))
					r ^= key_window(i * 8 + b);
			rss_table[i][v] = r;
		}
	}
}

/**
 * Whether a TIR's Toeplitz key is the one the daemon hashes with.
 *
 * @param key  40 bytes
 */
bool
hcasim_rss_key_is(const uint8_t *key)
{
	return memcmp(key, rss_key, sizeof(rss_key)) == 0;
}

/** Toeplitz hash of n input bytes (n <= RSS_INPUT_MAX). */
static uint32_t
toeplitz(const uint8_t *in, unsigned int n)
{
	uint32_t h = 0;
	unsigned int i;

	for (i = 0; i < n; i++)
		h ^= rss_table[i][in[i]];
	return h;
}

/**
 * Hash an IPoIB payload for RSS.
 *
 * @param ipoib  the payload, starting with the 4-byte IPoIB header
 * @param len    bytes available (at least the headers needed)
 * @param type   set to what was hashed, as a CQE's rx_hash_type says it
 *               (HCA_CQE_RSS_IPV4/_IPV6 | HCA_CQE_RSS_TCP/_UDP; 0 for
 *               non-IP)
 * @return the hash, or 0 when the payload is not IPv4/IPv6
 */
uint32_t
hcasim_rss_hash(const uint8_t *ipoib, uint32_t len, uint8_t *type)
{
	uint8_t in[RSS_INPUT_MAX];
	const uint8_t *ip = ipoib + 4;
	unsigned int n, l4_off, proto;
	uint16_t etype;

	*type = 0;
	if (len < 4 + 20)
		return 0;
	etype = (uint16_t)(ipoib[0] << 8 | ipoib[1]);
	len -= 4;
	if (etype == 0x0800 && (ip[0] >> 4) == 4) {
		l4_off = (ip[0] & 0xf) * 4u;
		memcpy(in, ip + 12, 8);
		n = 8;
		proto = ip[9];
		/* fragments (MF set or an offset) hash on addresses only */
		if ((ip[6] & 0x3f) != 0 || ip[7] != 0)
			proto = 0;
		*type = HCA_CQE_RSS_IPV4;
	} else if (etype == 0x86dd && len >= 40 && (ip[0] >> 4) == 6) {
		l4_off = 40;
		memcpy(in, ip + 8, 32);
		n = 32;
		proto = ip[6];
		*type = HCA_CQE_RSS_IPV6;
	} else {
		return 0;
	}
	if ((proto == 6 || proto == 17) && l4_off >= 20 && len >= l4_off + 4) {
		memcpy(in + n, ip + l4_off, 4);
		n += 4;
		*type |= proto == 6 ? HCA_CQE_RSS_TCP : HCA_CQE_RSS_UDP;
	}
	return toeplitz(in, n);
}
