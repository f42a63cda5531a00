/* SPDX-License-Identifier: BSD-3-Clause */

#ifndef FUZZ_PMD_H
#define FUZZ_PMD_H

/**
 * @file
 * What the PMD harnesses share: a port of net_ipoib without an ethdev, a
 * device or a fabric (fuzz_pmd_port.c). The PMD's own sources are
 * compiled into each harness; the port is their real state (struct
 * ipoib_priv, a receive queue, the mode=eth state, a peer cache with a
 * few peers of every kind), and its "device" is memory: a receive ring
 * and a completion queue the harness fills as a ConnectX would. So the
 * harnesses run the production burst and translation functions as they
 * are, on mbufs from a real pool (EAL with --no-huge).
 */

#include <stdbool.h>
#include <stdint.h>

#include "ipoib_dp.h"
#include "ipoib_rx_refill.h"
#include "ipoib_eth.h"
#include "rte_pmd_ipoib.h"

/**
 * libFuzzer's optional set-up hook (the harnesses create the port there;
 * the replay build creates it at the first input instead).
 */
int LLVMFuzzerInitialize(int *argc, char ***argv);

/** Receive WQEs of the fake queue (a power of two). */
#define FUZZ_PMD_DESC 8
/** Entries of the fake completion queue (a power of two). */
#define FUZZ_PMD_CQES 16
/** Mbufs of the pool. */
#define FUZZ_PMD_MBUFS 64
/** Data room of an mbuf (the PMD's default pool layout). */
#define FUZZ_PMD_ROOM 2048
/** The lkey of the one memory region (everything). */
#define FUZZ_PMD_LKEY 0x1234
/** Peers of the oracle table. */
#define FUZZ_PMD_NPEERS 8

/** What a peer of the oracle table is in the port's cache. */
enum fuzz_peer_kind {
	FUZZ_PEER_RESOLVED,   /**< unicast with a path (in the LID index) */
	FUZZ_PEER_RESOLVING,  /**< unicast waiting for its path */
	FUZZ_PEER_FAILED,     /**< unicast whose path query failed */
	FUZZ_PEER_STALE,      /**< removed: its address and tag mean nobody */
	FUZZ_PEER_GROUP,      /**< a multicast group (QPN 0xFFFFFF) */
};

/** One peer as the harness put it into the cache (the oracle). */
struct fuzz_peer {
	struct ipoib_hwaddr addr;  /**< flags zero */
	uint16_t lid;
	uint64_t tag;              /**< its tag (the old one when stale) */
	enum fuzz_peer_kind kind;
};

/** The fake port. */
struct fuzz_port {
	struct ipoib_priv *priv;
	struct ipoib_rxq *rxq;     /**< queue 0 */
	struct ipoib_eth *eth;     /**< mode=eth state (NULL in raw) */
	struct rte_mempool *mp;
	struct hca_qp qp;
	struct hca_cq cq;
	struct fuzz_peer peers[FUZZ_PMD_NPEERS];
	unsigned int pending;      /**< completions written, not yet read */
};

/**
 * The port of this process, created at the first call (EAL, pool, peer
 * cache, queue, mode=eth state when eth is true). Exits on failure.
 */
struct fuzz_port *fuzz_pmd_port(bool eth);

/**
 * Write one receive completion as the device would: the bytes of the
 * packet (GRH area first) into the buffer of the next posted WQE, at
 * most byte_cnt of them and never past the buffer (the rest up to
 * byte_cnt is zeroed), then the CQE with the owner bit of its index.
 *
 * @param opcode   MLX5_CQE_* of the completion
 * @param byte_cnt the CQE's byte count (GRH area included)
 * @param grh      whether the CQE says a GRH is present
 * @param bytes    GRH area and packet
 * @param len      their length
 * @return false when no WQE is posted (nothing written)
 */
bool fuzz_pmd_complete(struct fuzz_port *fp, uint8_t opcode,
		       uint32_t byte_cnt, bool grh, uint32_t src_qpn,
		       uint16_t slid, uint8_t sl, uint32_t rss_hash,
		       const uint8_t *bytes, uint32_t len);

/** Receive WQEs posted and not completed. */
uint32_t fuzz_pmd_posted(const struct fuzz_port *fp);

/**
 * Check that every mbuf is either posted or back in the pool, and that
 * the receive ring is full (the pool has enough for it).
 */
void fuzz_pmd_check_mbufs(const struct fuzz_port *fp);

/**
 * A peer of the oracle table whose address equals addr (flags ignored),
 * NULL when none.
 */
const struct fuzz_peer *fuzz_pmd_peer_of_addr(const struct fuzz_port *fp,
					      const struct ipoib_hwaddr *addr);

/**
 * The MAC the port should give a unicast address: its own MAC, or the MAC
 * of the live unicast peer that has it.
 *
 * @return false when the address stands for nobody with a MAC
 */
bool fuzz_pmd_expect_mac(const struct fuzz_port *fp,
			 const struct ipoib_hwaddr *addr,
			 struct rte_ether_addr *mac);

/**
 * The address a unicast MAC should stand for: the own one, or that of the
 * live unicast peer whose tag the MAC holds.
 *
 * @return false when it stands for nobody
 */
bool fuzz_pmd_expect_addr(const struct fuzz_port *fp,
			  const struct rte_ether_addr *mac,
			  struct ipoib_hwaddr *addr);

/**
 * A 20-byte address chosen by a selector byte: 0..FUZZ_PMD_NPEERS-1 a
 * peer of the table, FUZZ_PMD_NPEERS the port's own; else false (the
 * caller keeps the bytes of the input).
 */
bool fuzz_pmd_pick_addr(const struct fuzz_port *fp, uint8_t sel,
			struct ipoib_hwaddr *addr);

/** The first tag of the port's peer cache (what its peer MACs count from). */
static inline uint64_t
fuzz_pmd_tag_base(const struct fuzz_port *fp)
{
	return ipoib_peer_tag_base(fp->priv->peers);
}

/**
 * A MAC chosen by a selector byte: a peer's (live or stale, unicast or
 * group tag), the own MAC, zero, broadcast; else false (input bytes).
 */
bool fuzz_pmd_pick_mac(const struct fuzz_port *fp, uint8_t sel,
		       struct rte_ether_addr *mac);

/**
 * An mbuf of the pool holding len bytes at data offset headroom; its
 * tailroom is what is left of the data room. NULL when they do not fit.
 */
struct rte_mbuf *fuzz_pmd_mbuf(struct fuzz_port *fp, uint16_t headroom,
			       const uint8_t *data, uint32_t len);

/** The ones' complement sum of n bytes (big-endian 16-bit words). */
uint32_t fuzz_pmd_sum(uint32_t sum, const uint8_t *p, uint32_t n);

#endif /* FUZZ_PMD_H */
