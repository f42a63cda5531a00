/* SPDX-License-Identifier: BSD-3-Clause */

/**
 * @file
 * The MAC scheme of mode=eth: own MAC, group MACs <-> IPoIB MGIDs (peer
 * MACs are inline in ipoib_mac.h). See doc/eth-mode.md.
 */

#include <errno.h>
#include <string.h>

#include "ipoib_mac.h"

/** One step of 64-bit FNV-1a over n bytes. */
static uint64_t
ipoib_fnv1a(uint64_t h, const void *data, size_t n)
{
	const uint8_t *p = data;
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= p[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

void
ipoib_mac_own(uint64_t port_guid, const char *name, uint32_t salt,
	      struct rte_ether_addr *mac)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	uint8_t g[8];
	int i;

	for (i = 0; i < 8; i++)
		g[i] = (uint8_t)(port_guid >> (56 - 8 * i));
	h = ipoib_fnv1a(h, g, sizeof(g));
	h = ipoib_fnv1a(h, name, strlen(name));
	h = ipoib_fnv1a(h, &salt, sizeof(salt));
	h ^= h >> 29; /* spread the last bytes' influence to every bit */
	h *= 0xbf58476d1ce4e5b9ULL;
	h ^= h >> 32;
	mac->addr_bytes[0] = (uint8_t)(0x06 | (h & 0xf8));
	for (i = 1; i < 6; i++)
		mac->addr_bytes[i] = (uint8_t)(h >> (8 * i));
}

/** The common part of an IPoIB group MGID: ff1<scope>:<sig>:<P_Key>. */
static void
ipoib_mgid_prefix(const union hca_gid *bcast, uint8_t sig_hi,
		  union hca_gid *mgid)
{
	memset(mgid, 0, sizeof(*mgid));
	mgid->raw[0] = 0xff;
	mgid->raw[1] = 0x10 | (bcast->raw[1] & 0x0f);
	mgid->raw[2] = sig_hi;
	mgid->raw[3] = 0x1b;
	mgid->raw[4] = bcast->raw[4];
	mgid->raw[5] = bcast->raw[5];
}

void
ipoib_mgid_of_ipv4(uint32_t group, const union hca_gid *bcast,
		   union hca_gid *mgid)
{
	const uint8_t *a = (const uint8_t *)&group;

	ipoib_mgid_prefix(bcast, 0x40, mgid);
	mgid->raw[12] = a[0] & 0x0f;
	mgid->raw[13] = a[1];
	mgid->raw[14] = a[2];
	mgid->raw[15] = a[3];
}

void
ipoib_mgid_of_ipv6(const uint8_t group[16], const union hca_gid *bcast,
		   union hca_gid *mgid)
{
	ipoib_mgid_prefix(bcast, 0x60, mgid);
	memcpy(&mgid->raw[6], &group[6], 10);
}

int
ipoib_mgid_of_mac(const struct rte_ether_addr *mac,
		  const union hca_gid *bcast, union hca_gid *mgid)
{
	const uint8_t *b = mac->addr_bytes;

	if (rte_is_broadcast_ether_addr(mac)) {
		*mgid = *bcast;
		return 0;
	}
	if (b[0] == 0x01 && b[1] == 0x00 && b[2] == 0x5e && !(b[3] & 0x80)) {
		ipoib_mgid_prefix(bcast, 0x40, mgid);
		mgid->raw[13] = b[3];
		mgid->raw[14] = b[4];
		mgid->raw[15] = b[5];
		return 0;
	}
	if (b[0] == 0x33 && b[1] == 0x33) {
		ipoib_mgid_prefix(bcast, 0x60, mgid);
		if (b[2] == 0xff) /* solicited-node ff02::1:ffxx:xxxx */
			mgid->raw[11] = 0x01;
		memcpy(&mgid->raw[12], &b[2], 4);
		return 0;
	}
	return -EINVAL;
}

int
ipoib_mac_of_mgid(const union hca_gid *mgid, const union hca_gid *bcast,
		  struct rte_ether_addr *mac)
{
	const uint8_t *g = mgid->raw;
	uint8_t *b = mac->addr_bytes;

	if (memcmp(mgid, bcast, sizeof(*mgid)) == 0) {
		memset(b, 0xff, RTE_ETHER_ADDR_LEN);
		return 0;
	}
	if (g[0] != 0xff || g[3] != 0x1b)
		return -ENOENT;
	if (g[2] == 0x40) {
		b[0] = 0x01;
		b[1] = 0x00;
		b[2] = 0x5e;
		b[3] = g[13] & 0x7f;
		b[4] = g[14];
		b[5] = g[15];
		return 0;
	}
	if (g[2] == 0x60) {
		b[0] = 0x33;
		b[1] = 0x33;
		memcpy(&b[2], &g[12], 4);
		return 0;
	}
	return -ENOENT;
}
