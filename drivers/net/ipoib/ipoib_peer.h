/* SPDX-License-Identifier: BSD-3-Clause */

#ifndef IPOIB_PEER_H
#define IPOIB_PEER_H

/**
 * @file
 * The peer-key cache: maps 20-byte IPoIB hardware addresses (QPN + GID)
 * to 16-bit peer keys and keys to peers (address, path, address vector).
 *
 * Readers (the data path, any number of lcores) never lock: they look up
 * addresses in the cache's address index (below) and read peer entries
 * by key. Writers (the control thread; the caller
 * serializes them) insert, resolve and evict peers. An evicted entry is
 * reused only after an RCU grace period (rte_rcu_qsbr): every reader
 * reports a quiescent state between bursts.
 *
 * Keys and tags. Every slot counts its occupants (a 48-bit generation,
 * incremented on each reuse, starting at the cache's epoch). A peer's
 * 16-bit key is (generation << slot_bits | slot) truncated to 16 bits:
 * slot 0 is never used, so 0 is never a valid key. Its 64-bit tag is
 * (generation << 16 | key): unique for the life of the cache (a slot
 * reused 2^32 times is retired) and across the next 65535 caches of the
 * process (a port stopped and started again). Readers holding a tag find the peer with
 * ipoib_peer_get_tagged(), which fails for any tag but the current
 * occupant's: a stale tag never reaches another peer.
 *
 * A bare key is ambiguous once its slot's generation bits wrapped (at
 * once with capacity >= 32768, where keys have no generation bits): the
 * same key value was handed out for an earlier peer. Each entry says
 * whether its key value is fresh (never handed out for another peer);
 * ipoib_peer_get_untagged() accepts a bare key only then, so a bare key
 * never reaches another peer either; it may be refused instead.
 *
 * A tag issued by another live cache of the process (another port: an
 * application forwarding a received packet out of a second port leaves
 * the receiving port's tag on it) is foreign, not stale: its epoch is
 * marked live in ipoib_peer_live_epochs. The sending port then ignores it
 * and judges the bare key by the rule above (ipoib_peer_tag_is_foreign).
 *
 * The address index is a table of 64-byte buckets, each a spill count
 * and 15 words (16-bit signature of the address's hash << 16 | slot, 0
 * when empty); an address lives in its home bucket (low bits of the
 * hash) or, when that is full, in the next bucket with room, and every
 * bucket passed counts it in its spill count. A lookup reads the home
 * bucket, then the entry of each slot whose signature matches, and
 * compares the address with the one the entry holds: one dependent miss
 * for the bucket and one for the entry (whose two lines are fetched
 * together), where a general hash table has a third for its key store.
 * Words and spill counts change with single atomic stores; an entry
 * found through a word stays the slot's until the reader's next
 * quiescent report (its slot is reused only after a grace period).
 *
 * A second lock-free index maps (LID, QPN) to tags for unicast peers with
 * a path, so that packets without a GRH (Linux sends unicast inside a
 * subnet without one) can be given their source's key. Its entries are
 * hints: a reader checks the tag it finds with ipoib_peer_get_tagged().
 */

#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_common.h>
#include <rte_hash.h>
#include <rte_rcu_qsbr.h>
#include <infiniband/mlx5dv.h>

#include "hca_sa.h"

/** Largest number of peers (the key is 16 bits, 0 is reserved). */
#define IPOIB_PEER_MAX 65535u
/**
 * Generations of a slot in one cache before its tags could repeat; a
 * slot that reaches it is not used again. Tags are (generation << 16 |
 * key) with 48-bit generations: each cache of a process starts its
 * slots at its own epoch * IPOIB_PEER_GEN_LIMIT, so the caches of one
 * port started again never hand out a tag of an earlier start.
 */
#define IPOIB_PEER_GEN_LIMIT (1ULL << 32)
/** Epochs before the generations of caches repeat (2^48 / limit). */
#define IPOIB_PEER_EPOCHS 65536u
/** Bitmap of the epochs of the caches alive in this process. */
extern uint64_t ipoib_peer_live_epochs[IPOIB_PEER_EPOCHS / 64];
/**
 * Changes of ipoib_peer_live_epochs so far (a cache made or freed): a
 * memo of which tags are foreign holds while it is unchanged.
 */
extern uint32_t ipoib_peer_live_seq;
/** Smallest number of slots a cache has. */
#define IPOIB_PEER_MIN_SLOTS 16u
/** QPN of multicast destinations. */
#define IPOIB_MCAST_QPN 0xffffffu

/** A 20-byte IPoIB link-layer address, as on the wire. */
struct ipoib_hwaddr {
	uint8_t flags;            /**< 0x80: connected mode; 0 in the cache */
	uint8_t qpn[3];           /**< big endian */
	union hca_gid gid;
} __rte_packed;

/** Lifecycle of a peer entry. */
enum ipoib_peer_state {
	IPOIB_PEER_FREE = 0,      /**< slot unused */
	IPOIB_PEER_RESOLVING,     /**< waiting for a path */
	IPOIB_PEER_RESOLVED,      /**< path and address vector valid */
	IPOIB_PEER_FAILED,        /**< path query failed, retry later */
};

/** Peer flags. */
#define IPOIB_PEER_F_MCAST  0x1   /**< a multicast group (QPN 0xFFFFFF) */
#define IPOIB_PEER_F_STATIC 0x2   /**< never evicted (broadcast, joins) */

/** The path to a peer, as the SA (or the first packet) gave it. */
struct ipoib_path {
	uint16_t lid;             /**< destination LID or MLID */
	uint8_t sl;
	uint8_t rate;             /**< IB rate code */
	uint8_t mtu;              /**< IB MTU code */
	uint8_t hop_limit;
	uint8_t tclass;
	uint32_t flow_label;
};

/**
 * TSC bits below a peer's use stamp: a stamp counts units of 2^28 cycles
 * (about 0.1 s at 2.5 GHz) and wraps after 2^16 of them (about 2 hours).
 */
#define IPOIB_PEER_STAMP_SHIFT 28

/**
 * One peer entry, indexed by slot: two cache lines. The first holds all
 * the data path reads and writes per packet: identity, state, the
 * prebuilt address vector and a coarse use stamp that changes a few
 * times a second at most, so that readers on several lcores share the
 * line clean. The vector names the peer from its slot's first use on
 * (its rgid is the peer's GID even when it sends no GRH, which a
 * ConnectX then ignores; its dqp_dct the QPN): a lookup by address
 * compares those, one line per entry. The second holds the address
 * again for the writer, and what only the writer and the slow paths use
 * (held packets, path).
 */
struct ipoib_peer {
	/* first line: the data path's */
	uint64_t tag;             /**< current tag, 0 while free (atomic) */
	uint16_t key;             /**< current key, 0 while free (atomic) */
	uint8_t state;            /**< enum ipoib_peer_state (atomic) */
	uint8_t flags;
	uint8_t key_fresh;        /**< key never handed out for another peer */
	uint16_t used;            /**< use stamp, see ipoib_peer_touch()
				   *   (relaxed) */
	struct mlx5_wqe_av av;    /**< prebuilt address vector; rgid and
				   *   dqp_dct set while the slot is indexed */
	/* second line: the writer's and the slow paths' fields */
	uint32_t pending __rte_cache_aligned;
				  /**< packets held for resolution (atomic) */
	uint32_t qpn;
	struct ipoib_path path;
	union hca_gid gid;
} __rte_cache_aligned;

static_assert(offsetof(struct ipoib_peer, av) + sizeof(struct mlx5_wqe_av) <=
	      RTE_CACHE_LINE_SIZE, "a peer's hot fields fit one cache line");
static_assert(offsetof(struct ipoib_peer, gid) + sizeof(union hca_gid) <=
	      2 * RTE_CACHE_LINE_SIZE, "a peer entry is two cache lines");

/**
 * A reader's memo of its last destination lookup by tag (one per
 * transmit queue): a packet with this tag and the tag's key in its
 * header goes to this peer while the entry still holds peer_tag (the
 * same occupant: same key, same freshness) and ipoib_peer_live_seq is
 * unchanged (the tag is still this cache's, or still foreign).
 */
struct ipoib_peer_memo {
	uint64_t tag;             /**< the packets' tag, 0: no memo */
	uint64_t peer_tag;        /**< the peer's own tag then */
	struct ipoib_peer *peer;
	uint32_t live_seq;        /**< ipoib_peer_live_seq then */
};

/** Slots of an address index bucket (a spill count takes the 16th word). */
#define IPOIB_PEER_IDX_WAYS 15u

/** A bucket of the address index (see the file comment). */
struct ipoib_peer_bucket {
	uint32_t spill;           /**< addresses of this or an earlier home
				   *   bucket stored in a later one (atomic) */
	uint32_t e[IPOIB_PEER_IDX_WAYS]; /**< signature << 16 | slot, 0: empty
					  *   (atomic) */
} __rte_cache_aligned;

/** Writer-side counters of a cache. */
struct ipoib_peer_cache_stats {
	uint64_t inserts;
	uint64_t evictions;
	uint64_t full;            /**< inserts refused: no slot */
};

/** Key of the (LID, QPN) index. */
struct ipoib_lid_key {
	uint32_t qpn;
	uint16_t lid;
	uint16_t zero;
};

/** The tag of a key with generation gen. */
static inline uint64_t
ipoib_tag_make(uint64_t gen, uint16_t key)
{
	return (gen << 16) | key;
}

/** The key part of a tag. */
static inline uint16_t
ipoib_tag_key(uint64_t tag)
{
	return (uint16_t)tag;
}

struct ipoib_limbo;

/**
 * A peer cache (one per port). The fields readers use are written only
 * when the cache is made; the writer's own fields are on cache lines of
 * their own, so that inserts and evictions do not take the readers' line
 * away from them.
 */
struct ipoib_peer_cache {
	/* read by the data path, constant */
	struct ipoib_peer_bucket *idx; /**< address index, idx_mask + 1 */
	struct ipoib_peer *peers;      /**< slot_mask + 1 entries */
	struct rte_hash *by_lid;       /**< (LID, QPN) -> tag, hints */
	struct rte_rcu_qsbr *qsv;
	uint64_t gen_base;             /**< first generation (the epoch) */
	uint32_t slot_bits;
	uint32_t slot_mask;
	uint32_t idx_mask;             /**< buckets of the index - 1 */
	uint32_t capacity;             /**< peers at most */
	uint32_t max_readers;
	bool grh_auto;                 /**< no GRH to unicast peers whose
					*   path has hop limit <= 1 */
	uint64_t idle_tsc;             /**< idle time that makes a peer
					*   evictable first */
	uint64_t *gen;                 /**< next generation per slot */
	uint32_t *free_fifo;           /**< free slots, FIFO */
	struct ipoib_limbo *limbo;     /**< retired slots and (LID, QPN)
					*   positions waiting for a grace
					*   period, a FIFO of limbo_size */
	uint32_t limbo_size;
	/* written by the writer */
	uint32_t size __rte_cache_aligned; /**< peers now (writer) */
	uint32_t free_head;
	uint32_t free_count;
	uint32_t evict_hand;           /**< clock hand for eviction */
	uint32_t limbo_head;           /**< the oldest in limbo */
	uint32_t limbo_count;          /**< entries in limbo */
	uint32_t limbo_open;           /**< the newest of them, whose grace
					*   period has not started */
	struct ipoib_peer_cache_stats stats;
} __rte_cache_aligned;

/**
 * Create a peer cache.
 *
 * @param name         unique name (for the hash and queues)
 * @param capacity     peers at most (1..IPOIB_PEER_MAX)
 * @param max_readers  reader thread ids (0..max_readers-1) for RCU
 * @param socket       NUMA socket for the memory
 * @return the cache, or NULL (rte_errno set)
 */
struct ipoib_peer_cache *ipoib_peer_cache_create(const char *name,
		uint32_t capacity, uint32_t max_readers, int socket);

/** Free a peer cache; no reader may use it any more. */
void ipoib_peer_cache_free(struct ipoib_peer_cache *pc);

/** Register a reader thread id and mark it online. */
void ipoib_peer_reader_online(struct ipoib_peer_cache *pc, unsigned int tid);

/** Mark a reader offline and unregister it. */
void ipoib_peer_reader_offline(struct ipoib_peer_cache *pc, unsigned int tid);

/**
 * Report that a reader holds no reference into the cache (between bursts).
 */
static inline void
ipoib_peer_reader_quiescent(struct ipoib_peer_cache *pc, unsigned int tid)
{
	rte_rcu_qsbr_quiescent(pc->qsv, tid);
}

/** Fill a hardware address from a QPN and a GID (flags zero). */
void ipoib_hwaddr_make(struct ipoib_hwaddr *addr, uint32_t qpn,
		       const union hca_gid *gid);

/**
 * Whether two hardware addresses are equal (20 bytes, three loads).
 *
 * @param a  one address
 * @param b  the other
 * @return true when every byte is the same
 */
static inline bool
ipoib_hwaddr_equal(const struct ipoib_hwaddr *a, const struct ipoib_hwaddr *b)
{
	uint64_t a0, a1, b0, b1;
	uint32_t a2, b2;

	memcpy(&a0, a, 8);
	memcpy(&b0, b, 8);
	memcpy(&a1, (const uint8_t *)a + 8, 8);
	memcpy(&b1, (const uint8_t *)b + 8, 8);
	memcpy(&a2, (const uint8_t *)a + 16, 4);
	memcpy(&b2, (const uint8_t *)b + 16, 4);
	return ((a0 ^ b0) | (a1 ^ b1) | (uint64_t)(a2 ^ b2)) == 0;
}

/** The QPN of a hardware address. */
static inline uint32_t
ipoib_hwaddr_qpn(const struct ipoib_hwaddr *addr)
{
	return ((uint32_t)addr->qpn[0] << 16) | ((uint32_t)addr->qpn[1] << 8) |
		addr->qpn[2];
}

/**
 * The address index's hash of an address (CRC32-C of its 20 bytes): its
 * home bucket is the low bits, its signature the high 16.
 */
uint32_t ipoib_peer_addr_hash(const struct ipoib_hwaddr *addr);

/**
 * Find the key of an address (reader, lock free).
 *
 * @return the key, or 0 if the address is not in the cache
 */
uint16_t ipoib_peer_lookup(const struct ipoib_peer_cache *pc,
			   const struct ipoib_hwaddr *addr);

/**
 * Find the keys of n addresses at once (reader, lock free): the hashes
 * of all, then their buckets, then their entries are fetched together,
 * so that the misses of a burst overlap; the entries found are in the
 * cache for the caller.
 *
 * @param addrs  the addresses (any n)
 * @param keys   filled with a key or 0 each
 * @return how many were found
 */
unsigned int ipoib_peer_lookup_bulk(const struct ipoib_peer_cache *pc,
				    const struct ipoib_hwaddr **addrs,
				    unsigned int n, uint16_t *keys);

/**
 * The peer behind a key (reader, lock free), or NULL when the key is 0 or
 * stale (its peer was evicted or its slot now holds another peer). The
 * entry stays valid until the reader's next quiescent report.
 */
static inline struct ipoib_peer *
ipoib_peer_get(const struct ipoib_peer_cache *pc, uint16_t key)
{
	struct ipoib_peer *p = &pc->peers[key & pc->slot_mask];

	if (unlikely(key == 0 ||
		     __atomic_load_n(&p->key, __ATOMIC_ACQUIRE) != key))
		return NULL;
	return p;
}

/**
 * The peer of a tag (reader, lock free), or NULL when the tag is 0 or not
 * the current occupant's of its slot (stale). The entry stays valid
 * until the reader's next quiescent report.
 */
static inline struct ipoib_peer *
ipoib_peer_get_tagged(const struct ipoib_peer_cache *pc, uint64_t tag)
{
	struct ipoib_peer *p = &pc->peers[tag & pc->slot_mask];

	if (unlikely(tag == 0 ||
		     __atomic_load_n(&p->tag, __ATOMIC_ACQUIRE) != tag))
		return NULL;
	return p;
}

/**
 * Whether a tag was issued by another cache of this process that is still
 * alive (another port), rather than by this one or by a cache now gone.
 *
 * @param pc   the cache judging the tag
 * @param tag  a non-zero tag
 * @return true for a foreign tag: the caller ignores it and judges the
 *         bare key instead; false when the tag is this cache's to check
 */
static inline bool
ipoib_peer_tag_is_foreign(const struct ipoib_peer_cache *pc, uint64_t tag)
{
	uint32_t epoch = (uint32_t)(tag >> 48) % IPOIB_PEER_EPOCHS;

	if (epoch == (uint32_t)(pc->gen_base >> 32) % IPOIB_PEER_EPOCHS)
		return false;
	return (__atomic_load_n(&ipoib_peer_live_epochs[epoch / 64],
				__ATOMIC_RELAXED) >> (epoch % 64)) & 1;
}

/**
 * The peer of a bare key (no tag) when the key cannot mean another peer:
 * NULL when it is 0, stale, or ambiguous (its value was handed out for
 * an earlier occupant of the slot; *ambiguous is then set to true).
 */
static inline struct ipoib_peer *
ipoib_peer_get_untagged(const struct ipoib_peer_cache *pc, uint16_t key,
			bool *ambiguous)
{
	struct ipoib_peer *p = ipoib_peer_get(pc, key);

	*ambiguous = false;
	if (p == NULL)
		return NULL;
	if (unlikely(!__atomic_load_n(&p->key_fresh, __ATOMIC_RELAXED))) {
		*ambiguous = true;
		return NULL;
	}
	return p;
}

/**
 * The first tag of this cache (its epoch in the top bits): tags of the
 * cache are this plus (generation count << 16 | key). Peer MACs hold a
 * tag relative to it, so every cache of a process has the same MAC room.
 */
static inline uint64_t
ipoib_peer_tag_base(const struct ipoib_peer_cache *pc)
{
	return pc->gen_base << 16;
}

/** The current tag of a peer entry (0 when it is free). */
static inline uint64_t
ipoib_peer_tag(const struct ipoib_peer *p)
{
	return __atomic_load_n(&p->tag, __ATOMIC_ACQUIRE);
}

/**
 * The tag of the unicast peer with this (LID, QPN) (reader, lock free),
 * 0 when unknown. A hint: check it with ipoib_peer_get_tagged().
 */
uint64_t ipoib_peer_lookup_lid(const struct ipoib_peer_cache *pc,
			       uint16_t lid, uint32_t qpn);

/**
 * Change the LID of a resolved unicast peer (writer): its address vector,
 * path and (LID, QPN) index entry. 0 or -ENOENT.
 */
int ipoib_peer_set_lid(struct ipoib_peer_cache *pc, uint16_t key,
		       uint16_t lid);

/** The use stamp of a TSC value (see IPOIB_PEER_STAMP_SHIFT). */
static inline uint16_t
ipoib_peer_stamp(uint64_t tsc)
{
	return (uint16_t)(tsc >> IPOIB_PEER_STAMP_SHIFT);
}

/**
 * Note that a peer was used (reader). The entry's line is written only
 * when the coarse stamp changed, a few times a second at most, not per
 * packet: other lcores reading the peer keep their copy of the line.
 *
 * @param p    a live entry
 * @param now  TSC of the burst
 */
static inline void
ipoib_peer_touch(struct ipoib_peer *p, uint64_t now)
{
	uint16_t s = ipoib_peer_stamp(now);

	if (__atomic_load_n(&p->used, __ATOMIC_RELAXED) != s)
		__atomic_store_n(&p->used, s, __ATOMIC_RELAXED);
}

/**
 * The LID a resolved unicast peer is sent to (its address vector's):
 * the path's LID, read from the entry's first line.
 */
static inline uint16_t
ipoib_peer_dlid(const struct ipoib_peer *p)
{
	return rte_be_to_cpu_16(p->av.rlid);
}

/** Whether a peer's address vector may be used (acquire). */
static inline bool
ipoib_peer_is_resolved(const struct ipoib_peer *p)
{
	return __atomic_load_n(&p->state, __ATOMIC_ACQUIRE) ==
		IPOIB_PEER_RESOLVED;
}

/**
 * Copy a peer consistently (for the API and telemetry, any thread).
 *
 * @return 0, or -ENOENT when the key is 0 or stale
 */
int ipoib_peer_read(const struct ipoib_peer_cache *pc, uint16_t key,
		    struct ipoib_peer *copy);

/**
 * Insert an address (writer). When the cache is full, idle peers are
 * evicted; their slots are reused after a grace period.
 *
 * @param flags  IPOIB_PEER_F_* for a new entry
 * @param key    set to the key (new or existing)
 * @return 1 when inserted, 0 when it was already there, -ENOSPC when no
 *         slot is free yet, another negative errno on failure
 */
int ipoib_peer_insert(struct ipoib_peer_cache *pc,
		      const struct ipoib_hwaddr *addr, uint8_t flags,
		      uint16_t *key);

/**
 * Give a peer its path and address vector and mark it resolved (writer).
 *
 * @param qkey  the Q_Key to send with
 * @return 0, or -ENOENT for a stale key
 */
int ipoib_peer_resolve(struct ipoib_peer_cache *pc, uint16_t key,
		       const struct ipoib_path *path, uint32_t qkey);

/** Mark a peer's resolution as failed (writer); 0 or -ENOENT. */
int ipoib_peer_fail(struct ipoib_peer_cache *pc, uint16_t key);

/** Remove a peer (writer); its key becomes stale. 0 or -ENOENT. */
int ipoib_peer_remove(struct ipoib_peer_cache *pc, uint16_t key);

/** Reclaim slots whose grace period is over (writer); how many. */
unsigned int ipoib_peer_reclaim(struct ipoib_peer_cache *pc);

/**
 * Call fn for every live peer (writer side or under the writer lock).
 *
 * @return the number of peers visited
 */
unsigned int ipoib_peer_foreach(struct ipoib_peer_cache *pc,
				void (*fn)(const struct ipoib_peer *p,
					   void *arg),
				void *arg);

/** Name of a peer state. */
const char *ipoib_peer_state_name(uint8_t state);

#endif /* IPOIB_PEER_H */
