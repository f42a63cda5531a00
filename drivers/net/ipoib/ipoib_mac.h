/* SPDX-License-Identifier: BSD-3-Clause */

#ifndef IPOIB_MAC_H
#define IPOIB_MAC_H

/**
 * @file
 * The MAC scheme of mode=eth (see doc/eth-mode.md).
 *
 * Peer MAC: 02:t4:t3:t2:t1:t0, the 40 bits of the peer's 64-bit tag
 * (tag = generation << 16 | key, unique for the life of the port's peer
 * cache) counted from the cache's first tag (ipoib_peer_tag_base(): each
 * cache of a process starts at its own epoch, so a restarted port or a
 * second port has the same room). A peer MAC stands for exactly one tag:
 * it is valid only while the slot it names holds exactly that tag, and a
 * peer whose tag is 2^40 or more past the base gets no MAC at all. Tags
 * never repeat, so a MAC never comes to mean another peer: once its peer
 * is gone it means nobody.
 *
 * Own MAC: first byte 0x06 | (hash & 0xf8) (unicast, locally administered,
 * bit 2 set, so never 0x02), then 40 more bits of a hash of the port GUID
 * and the vdev name: the same after a restart, distinct for two vdevs on
 * one IB port, and never equal to a peer MAC.
 *
 * Group MACs follow RFC 1112 / RFC 2464 from the IPoIB group's MGID
 * (RFC 4391 section 4): ff:ff:ff:ff:ff:ff for the broadcast group.
 */

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_ether.h>

#include "hca_sa.h"

/** First byte of every peer MAC. */
#define IPOIB_MAC_PEER_BYTE0 0x02
/** Tag bits a peer MAC holds. */
#define IPOIB_MAC_TAG_BITS 40

/**
 * The MAC that stands for a peer tag of a cache.
 *
 * @param tag   the peer's tag
 * @param base  the cache's first tag (ipoib_peer_tag_base())
 * @return false when the tag does not fit (no MAC for it)
 */
static inline bool
ipoib_mac_of_tag(uint64_t tag, uint64_t base, struct rte_ether_addr *mac)
{
	uint64_t rel = tag - base;
	int i;

	if (unlikely(tag <= base || (rel >> IPOIB_MAC_TAG_BITS) != 0))
		return false;
	mac->addr_bytes[0] = IPOIB_MAC_PEER_BYTE0;
	for (i = 5; i >= 1; i--) {
		mac->addr_bytes[i] = (uint8_t)rel;
		rel >>= 8;
	}
	return true;
}

/**
 * The tag a peer MAC stands for in a cache, 0 when it is no peer MAC.
 *
 * @param base  the cache's first tag (ipoib_peer_tag_base())
 */
static inline uint64_t
ipoib_mac_to_tag(const struct rte_ether_addr *mac, uint64_t base)
{
	uint16_t hi;
	uint32_t lo;
	uint64_t rel;

	if (mac->addr_bytes[0] != IPOIB_MAC_PEER_BYTE0)
		return 0;
	/* bytes 1..5, big endian: two loads rather than five */
	memcpy(&hi, &mac->addr_bytes[0], sizeof(hi));
	memcpy(&lo, &mac->addr_bytes[2], sizeof(lo));
	rel = ((uint64_t)(rte_be_to_cpu_16(hi) & 0xff) << 32) |
		rte_be_to_cpu_32(lo);
	return rel == 0 ? 0 : base + rel;
}

/**
 * The port's own MAC: a hash of its port GUID and vdev name, made
 * locally administered unicast and kept out of the peer MAC space.
 *
 * @param salt  0 normally; another value gives another MAC (used when two
 *              ports of a process would collide)
 */
void ipoib_mac_own(uint64_t port_guid, const char *name, uint32_t salt,
		   struct rte_ether_addr *mac);

/**
 * The IPoIB MGID of an IPv4 group (Linux ip_ib_mc_map): signature 401b,
 * scope and P_Key from the broadcast MGID, low 28 bits of the group.
 *
 * @param group  the IPv4 group, network byte order
 */
void ipoib_mgid_of_ipv4(uint32_t group, const union hca_gid *bcast,
			union hca_gid *mgid);

/**
 * The IPoIB MGID of an IPv6 group (Linux ipv6_ib_mc_map): signature 601b,
 * scope and P_Key from the broadcast MGID, last 10 bytes of the group.
 */
void ipoib_mgid_of_ipv6(const uint8_t group[16], const union hca_gid *bcast,
			union hca_gid *mgid);

/**
 * The MGID a multicast MAC most likely stands for (for set_mc_addr_list,
 * which gives MACs only): 01:00:5e:xx:yy:zz -> 224.xx.yy.zz (the five
 * group bits the MAC lost are taken as zero); 33:33:ff:xx:yy:zz -> the
 * solicited-node group ff02::1:ffxx:yyzz; 33:33:aa:bb:cc:dd -> the group
 * whose last 10 bytes are 0...0aabbccdd; ff:ff:ff:ff:ff:ff -> broadcast.
 *
 * @return 0, or -EINVAL for a MAC that is no multicast MAC of these kinds
 */
int ipoib_mgid_of_mac(const struct rte_ether_addr *mac,
		      const union hca_gid *bcast, union hca_gid *mgid);

/**
 * The group MAC of a received packet's destination MGID.
 *
 * @return 0, or -ENOENT for an MGID that maps to no MAC (other signature)
 */
int ipoib_mac_of_mgid(const union hca_gid *mgid, const union hca_gid *bcast,
		      struct rte_ether_addr *mac);

#endif /* IPOIB_MAC_H */
