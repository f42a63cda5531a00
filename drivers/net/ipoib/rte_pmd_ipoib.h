/* SPDX-License-Identifier: BSD-3-Clause */

#ifndef RTE_PMD_IPOIB_H
#define RTE_PMD_IPOIB_H

/**
 * @file
 * Public API of the net_ipoib PMD for raw-mode applications.
 *
 * In mode=raw a packet starts with the 4-byte IPoIB header (struct
 * rte_ipoib_hdr). Inside the host its reserved field carries a peer key,
 * in network byte order: on receive the key of the source, on transmit
 * the key of the destination. On the wire the field is always zero.
 * Keys stand for 20-byte IPoIB hardware addresses (flags, QPN, GID); this
 * API converts between the two. Key 0 is never valid. A key can go stale
 * when its peer is evicted from the port's cache: the PMD then drops what
 * is sent to it and counts it (xstat tx_stale_key); resolve the address
 * again to get a fresh key.
 *
 * Peer tags. A 16-bit key cannot tell an evicted peer from the one that
 * took its slot, so every key comes with a 64-bit tag (the key in its low
 * 16 bits, the slot's generation above) that is unique for the life of
 * the port's cache. Received packets carry their source's tag in an mbuf
 * dynamic field (rte_pmd_ipoib_get_tag()); rte_pmd_ipoib_resolve_tag()
 * returns one; rte_pmd_ipoib_set_dst_tag() addresses a packet with one.
 * A tagged packet is sent only to the peer the tag was given for, else
 * dropped (tx_stale_key). A packet with only a header key (no tag, or a
 * tag for another key) is sent only when that key value was never handed
 * out for another peer; else it is dropped and counted (tx_untagged).
 * So no packet ever reaches a peer other than the one its key or tag was
 * given for. Replying to a received packet keeps its tag.
 *
 * Every function returns 0 or a negative errno (-ENODEV: not an ipoib
 * port, -ENOENT: unknown or stale key, -EINVAL: bad argument,
 * -ETIMEDOUT: the subnet manager did not answer in time, -ENOSPC: the peer
 * cache is full), unless said otherwise. Call them from control threads,
 * not from the data path.
 *
 * @warning
 * @b EXPERIMENTAL: this API may change without prior notice. Its
 * functions are marked __rte_experimental: define ALLOW_EXPERIMENTAL_API
 * before including this header (-DALLOW_EXPERIMENTAL_API) to use them.
 */

#include <stdint.h>

#include <rte_byteorder.h>
#include <rte_compat.h>
#include <rte_mbuf.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Length of an IPoIB hardware address. */
#define RTE_IPOIB_ADDR_LEN 20
/** Length of the IPoIB header. */
#define RTE_IPOIB_HDR_LEN 4

/** The IPoIB header (RFC 4391). */
struct rte_ipoib_hdr {
	rte_be16_t proto;    /**< EtherType */
	rte_be16_t key;      /**< peer key inside the host, 0 on the wire */
} __rte_packed;

/** A 20-byte IPoIB hardware address: flags, QPN (24 bits), port GID. */
struct rte_ipoib_addr {
	uint8_t bytes[RTE_IPOIB_ADDR_LEN];
};

/** The path behind a key. */
struct rte_ipoib_path {
	uint16_t lid;        /**< destination LID (MLID for a group) */
	uint8_t sl;
	uint8_t rate;        /**< IB rate code */
	uint8_t mtu;         /**< IB MTU code */
	uint8_t resolved;    /**< 1 when packets can be sent now */
	uint8_t multicast;   /**< 1 for a multicast group */
};

/** Name of the mbuf dynamic field that holds a peer tag (uint64_t). */
#define RTE_PMD_IPOIB_DYNFIELD_TAG "rte_net_ipoib_dynfield_peer_tag"
/** Name of the mbuf dynamic flag that says the field is set. */
#define RTE_PMD_IPOIB_DYNFLAG_TAG "rte_net_ipoib_dynflag_peer_tag"

/** The peer key in a packet's IPoIB header (host order). */
__rte_experimental
static inline uint16_t
rte_pmd_ipoib_get_key(const struct rte_mbuf *m)
{
	const struct rte_ipoib_hdr *h =
		rte_pktmbuf_mtod(m, const struct rte_ipoib_hdr *);

	return rte_be_to_cpu_16(h->key);
}

/** Set the peer key of a packet's IPoIB header. */
__rte_experimental
static inline void
rte_pmd_ipoib_set_key(struct rte_mbuf *m, uint16_t key)
{
	struct rte_ipoib_hdr *h = rte_pktmbuf_mtod(m, struct rte_ipoib_hdr *);

	h->key = rte_cpu_to_be_16(key);
}

/**
 * The peer tag of a packet: on receive its source's (0 when the source
 * was not known yet); the key part equals the header's key.
 */
__rte_experimental
uint64_t rte_pmd_ipoib_get_tag(const struct rte_mbuf *m);

/** The key part of a tag. */
__rte_experimental
static inline uint16_t
rte_pmd_ipoib_tag_key(uint64_t tag)
{
	return (uint16_t)tag;
}

/**
 * Address a packet to a peer by its tag: writes the tag's key into the
 * IPoIB header and the tag into the packet's dynamic field.
 */
__rte_experimental
void rte_pmd_ipoib_set_dst_tag(struct rte_mbuf *m, uint64_t tag);

/**
 * Whether a received packet was sent to a multicast group (its GRH
 * destination is a multicast GID). The GRH itself is in the headroom, the
 * 40 bytes before the IPoIB header, when the packet had one.
 */
__rte_experimental
int rte_pmd_ipoib_rx_is_multicast(const struct rte_mbuf *m);

/**
 * Get the key of an address, adding it to the port's peer cache when it
 * is new; its path is asked from the subnet manager in the background.
 *
 * @param port_id  an ipoib port (started)
 * @param addr     the 20-byte address (the flags byte is ignored)
 * @param key      set to the key
 */
__rte_experimental
int rte_pmd_ipoib_resolve(uint16_t port_id, const struct rte_ipoib_addr *addr,
			  uint16_t *key);

/**
 * As rte_pmd_ipoib_resolve(), giving the peer's tag (see the file
 * comment): packets addressed with it never reach another peer.
 */
__rte_experimental
int rte_pmd_ipoib_resolve_tag(uint16_t port_id,
			      const struct rte_ipoib_addr *addr,
			      uint64_t *tag);

/**
 * The address and path behind a key.
 *
 * @param addr  filled with the address (may be NULL)
 * @param path  filled with the path (may be NULL)
 */
__rte_experimental
int rte_pmd_ipoib_peer_info(uint16_t port_id, uint16_t key,
			    struct rte_ipoib_addr *addr,
			    struct rte_ipoib_path *path);

/** The port's own address (QPN of its receive QP, port GID). */
__rte_experimental
int rte_pmd_ipoib_own_addr(uint16_t port_id, struct rte_ipoib_addr *addr);

/** The key of the port's broadcast group (once started). */
__rte_experimental
int rte_pmd_ipoib_broadcast_key(uint16_t port_id, uint16_t *key);

/**
 * Join a multicast group (full member) and attach the port to it; waits
 * for the subnet manager at most timeout_ms for each of its two requests
 * (whether the port is a member already, then the join). A group the
 * port was a member of before (the kernel's ib0 on the same port) is
 * never left at the subnet manager, only detached.
 *
 * @param mgid  the group's 16-byte MGID
 * @param key   set to the group's key (to send to it)
 */
__rte_experimental
int rte_pmd_ipoib_mcast_join(uint16_t port_id, const uint8_t mgid[16],
			     uint16_t *key, unsigned int timeout_ms);

/**
 * Leave a multicast group joined with rte_pmd_ipoib_mcast_join(): the
 * port is detached; the subnet manager is told unless the port was a
 * member before the join.
 */
__rte_experimental
int rte_pmd_ipoib_mcast_leave(uint16_t port_id, const uint8_t mgid[16]);

#ifdef __cplusplus
}
#endif

#endif /* RTE_PMD_IPOIB_H */
