/* SPDX-License-Identifier: BSD-3-Clause */

/**
 * @file
 * The peer-key cache (see ipoib_peer.h): an address index with lock-free
 * readers from addresses to slots, an array of peer entries indexed by
 * the key's slot, a FIFO of free slots, and an RCU defer queue that
 * returns evicted slots (and their positions in the (LID, QPN) hash) once
 * no reader can see them. One queue for both: a grace period starts (the
 * RCU token, a line every reader reads once a burst, is written) once per
 * eviction, not once per index. An address's word in the index is
 * cleared at once on eviction and may be reused at once: a reader that
 * read the old word holds a slot that is not reused before its next
 * quiescent report.
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_hash_crc.h>
#include <rte_malloc.h>
#include <rte_prefetch.h>
#include <rte_vect.h>

#include "hca_dp.h"
#include "ipoib_peer.h"

/** Largest batch of peers evicted at once when the cache is full. */
#define IPOIB_EVICT_BATCH_MAX 64u
/** Entries looked at to choose one victim. */
#define IPOIB_EVICT_SCAN 32u
/** Index buckets per slot: at most half the index's words are used. */
#define IPOIB_IDX_SLOTS_PER_BUCKET 8u
/** Addresses hashed and fetched together by ipoib_peer_lookup_bulk(). */
#define IPOIB_LOOKUP_CHUNK 64u
/** Copies tried before a concurrently changing entry is given up on. */
#define IPOIB_READ_TRIES 8

/** Caches created so far in this process (the epoch of the next one). */
static uint32_t ipoib_cache_epoch;
/** Epochs of the caches alive in this process (see ipoib_peer.h). */
uint64_t ipoib_peer_live_epochs[IPOIB_PEER_EPOCHS / 64];
/** Changes of ipoib_peer_live_epochs so far (see ipoib_peer.h). */
uint32_t ipoib_peer_live_seq;

/** Mark a cache's epoch alive or gone, for foreign-tag checks. */
static void
ipoib_peer_epoch_set_live(const struct ipoib_peer_cache *pc, bool live)
{
	uint32_t epoch = (uint32_t)(pc->gen_base >> 32) % IPOIB_PEER_EPOCHS;
	uint64_t bit = 1ULL << (epoch % 64);

	if (live)
		__atomic_fetch_or(&ipoib_peer_live_epochs[epoch / 64], bit,
				  __ATOMIC_RELEASE);
	else
		__atomic_fetch_and(&ipoib_peer_live_epochs[epoch / 64], ~bit,
				   __ATOMIC_RELEASE);
	/* after the bit: a memo made before sees the change */
	__atomic_fetch_add(&ipoib_peer_live_seq, 1, __ATOMIC_RELEASE);
}

/**
 * Entries retired since the last grace period started that wait for
 * the next: one RCU token for up to this many (see ipoib_limbo_close()).
 */
#define IPOIB_LIMBO_BATCH 32

/** A slot and a (LID, QPN) hash position waiting for a grace period. */
struct ipoib_limbo {
	uint64_t token;           /**< its grace period (once started) */
	uint32_t slot;            /**< 0: no slot, a (LID, QPN) entry only */
	int32_t lid_pos;          /**< in by_lid, or negative */
};

/* ------------------------------------------------------------- helpers */

/** Fill a hardware address from a QPN and a GID (flags zero). */
void
ipoib_hwaddr_make(struct ipoib_hwaddr *addr, uint32_t qpn,
		  const union hca_gid *gid)
{
	addr->flags = 0;
	addr->qpn[0] = (qpn >> 16) & 0xff;
	addr->qpn[1] = (qpn >> 8) & 0xff;
	addr->qpn[2] = qpn & 0xff;
	addr->gid = *gid;
}

/** Name of a peer state. */
const char *
ipoib_peer_state_name(uint8_t state)
{
	switch (state) {
	case IPOIB_PEER_FREE: return "free";
	case IPOIB_PEER_RESOLVING: return "resolving";
	case IPOIB_PEER_RESOLVED: return "resolved";
	case IPOIB_PEER_FAILED: return "failed";
	}
	return "?";
}

/** Number of bits needed to index n slots (n a power of two or not). */
static uint32_t
ipoib_bits_for(uint32_t n)
{
	uint32_t bits = 0;

	while ((1u << bits) < n)
		bits++;
	return bits;
}

/** Push a slot at the tail of the free FIFO. */
static void
ipoib_free_push(struct ipoib_peer_cache *pc, uint32_t slot)
{
	uint32_t n = pc->slot_mask + 1;

	pc->free_fifo[(pc->free_head + pc->free_count) % n] = slot;
	pc->free_count++;
}

/** Pop the oldest free slot; 0 when none is free. */
static uint32_t
ipoib_free_pop(struct ipoib_peer_cache *pc)
{
	uint32_t slot;

	if (pc->free_count == 0)
		return 0;
	slot = pc->free_fifo[pc->free_head];
	pc->free_head = (pc->free_head + 1) % (pc->slot_mask + 1);
	pc->free_count--;
	return slot;
}

/**
 * Release the oldest entry of the limbo queue, whose grace period is
 * over (writer): its hash position back, its slot on the free FIFO.
 */
static void
ipoib_limbo_pop(struct ipoib_peer_cache *pc)
{
	const struct ipoib_limbo *l = &pc->limbo[pc->limbo_head];

	if (l->lid_pos >= 0)
		rte_hash_free_key_with_position(pc->by_lid, l->lid_pos);
	/* a slot whose tags would repeat is never used again */
	if (l->slot != 0 &&
	    pc->gen[l->slot] - pc->gen_base < IPOIB_PEER_GEN_LIMIT)
		ipoib_free_push(pc, l->slot);
	pc->limbo_head = (pc->limbo_head + 1) % pc->limbo_size;
	pc->limbo_count--;
}

/**
 * Start the grace period of the entries queued since the last one
 * started (writer): one RCU token for all of them. Every reader reads
 * the token at each quiescent report; a writer that started one per
 * retired entry took its cache line from the readers as often (a
 * reader looking up resident peers ran at 0.71x of its rate while
 * another thread churned entries, 0.92x with one token per batch of
 * IPOIB_LIMBO_BATCH).
 */
static void
ipoib_limbo_close(struct ipoib_peer_cache *pc)
{
	uint64_t token;
	uint32_t i, at;

	if (pc->limbo_open == 0)
		return;
	token = rte_rcu_qsbr_start(pc->qsv);
	at = pc->limbo_head + pc->limbo_count - pc->limbo_open;
	for (i = 0; i < pc->limbo_open; i++)
		pc->limbo[(at + i) % pc->limbo_size].token = token;
	pc->limbo_open = 0;
}

/* ------------------------------------------------------ create / free */

/** Create the address index: a power of two of buckets, 1/8 per slot. */
static int
ipoib_idx_create(struct ipoib_peer_cache *pc, int socket)
{
	uint32_t n = RTE_MAX((pc->slot_mask + 1) / IPOIB_IDX_SLOTS_PER_BUCKET,
			     2u);

	pc->idx = rte_zmalloc_socket("ipoib_peer_idx", sizeof(*pc->idx) * n,
				     RTE_CACHE_LINE_SIZE, socket);
	pc->idx_mask = n - 1;
	return pc->idx == NULL ? -ENOMEM : 0;
}

/**
 * Create the (LID, QPN) index; the positions of deleted entries go
 * through the cache's defer queue, with the slots.
 */
static struct rte_hash *
ipoib_lid_hash_create(struct ipoib_peer_cache *pc, const char *name,
		      int socket)
{
	char hname[RTE_HASH_NAMESIZE];
	struct rte_hash_parameters hp = {
		.name = hname,
		.entries = 2 * (pc->slot_mask + 1),
		.key_len = sizeof(struct ipoib_lid_key),
		.hash_func = rte_hash_crc,
		.socket_id = socket,
		.extra_flag = RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF |
			RTE_HASH_EXTRA_FLAGS_EXT_TABLE,
	};

	snprintf(hname, sizeof(hname), "ipoib_l_%s", name);
	return rte_hash_create(&hp);
}

/** Create the RCU variable and the limbo queue of a cache. */
static int
ipoib_peer_rcu_create(struct ipoib_peer_cache *pc, int socket)
{
	size_t sz = rte_rcu_qsbr_get_memsize(pc->max_readers);

	pc->qsv = rte_zmalloc_socket("ipoib_qsbr", sz, RTE_CACHE_LINE_SIZE,
				     socket);
	if (pc->qsv == NULL)
		return -ENOMEM;
	if (rte_rcu_qsbr_init(pc->qsv, pc->max_readers) != 0)
		return -rte_errno;
	/* every slot once, and as many LID changes */
	pc->limbo_size = 2 * (pc->slot_mask + 1);
	pc->limbo = rte_zmalloc_socket("ipoib_peer_limbo",
				       sizeof(*pc->limbo) * pc->limbo_size, 0,
				       socket);
	return pc->limbo == NULL ? -ENOMEM : 0;
}

/** Create a peer cache (see ipoib_peer.h). */
struct ipoib_peer_cache *
ipoib_peer_cache_create(const char *name, uint32_t capacity,
			uint32_t max_readers, int socket)
{
	struct ipoib_peer_cache *pc;
	uint32_t slots, i;
	int ret;

	if (capacity == 0 || capacity > IPOIB_PEER_MAX || max_readers == 0) {
		rte_errno = EINVAL;
		return NULL;
	}
	pc = rte_zmalloc_socket("ipoib_peers", sizeof(*pc), 0, socket);
	if (pc == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}
	pc->slot_bits = ipoib_bits_for(capacity + 1);
	if ((1u << pc->slot_bits) < IPOIB_PEER_MIN_SLOTS)
		pc->slot_bits = ipoib_bits_for(IPOIB_PEER_MIN_SLOTS);
	slots = 1u << pc->slot_bits;
	pc->slot_mask = slots - 1;
	pc->capacity = capacity;
	pc->max_readers = max_readers;
	pc->idle_tsc = rte_get_tsc_hz() * 60;
	pc->peers = rte_zmalloc_socket("ipoib_peer_tab",
				       sizeof(*pc->peers) * slots,
				       RTE_CACHE_LINE_SIZE, socket);
	pc->gen = rte_zmalloc_socket("ipoib_peer_gen",
				     sizeof(*pc->gen) * slots, 0, socket);
	pc->free_fifo = rte_zmalloc_socket("ipoib_peer_free",
					   sizeof(*pc->free_fifo) * slots, 0,
					   socket);
	ret = ipoib_idx_create(pc, socket);
	/* caches of one process (a port started again) never share tags */
	pc->gen_base = (uint64_t)(__atomic_fetch_add(&ipoib_cache_epoch, 1,
			__ATOMIC_RELAXED) % IPOIB_PEER_EPOCHS) *
		IPOIB_PEER_GEN_LIMIT;
	for (i = 0; pc->gen != NULL && i < slots; i++)
		pc->gen[i] = pc->gen_base;
	ipoib_peer_epoch_set_live(pc, true);
	if (pc->peers == NULL || pc->gen == NULL || pc->free_fifo == NULL ||
	    ret < 0) {
		ret = -ENOMEM;
		goto fail;
	}
	ret = ipoib_peer_rcu_create(pc, socket);
	if (ret < 0)
		goto fail;
	pc->by_lid = ipoib_lid_hash_create(pc, name, socket);
	if (pc->by_lid == NULL) {
		ret = -ENOMEM;
		goto fail;
	}
	for (i = 1; i <= capacity; i++)
		ipoib_free_push(pc, i);
	return pc;
fail:
	ipoib_peer_cache_free(pc);
	rte_errno = -ret;
	return NULL;
}

/** Free a peer cache; no reader may use it any more. */
void
ipoib_peer_cache_free(struct ipoib_peer_cache *pc)
{
	if (pc == NULL)
		return;
	ipoib_peer_epoch_set_live(pc, false);
	rte_free(pc->limbo); /* its hash positions go with the hash */
	rte_hash_free(pc->by_lid);
	rte_free(pc->idx);
	rte_free(pc->qsv);
	rte_free(pc->free_fifo);
	rte_free(pc->gen);
	rte_free(pc->peers);
	rte_free(pc);
}

/** Register a reader thread id and mark it online. */
void
ipoib_peer_reader_online(struct ipoib_peer_cache *pc, unsigned int tid)
{
	rte_rcu_qsbr_thread_register(pc->qsv, tid);
	rte_rcu_qsbr_thread_online(pc->qsv, tid);
}

/** Mark a reader offline and unregister it. */
void
ipoib_peer_reader_offline(struct ipoib_peer_cache *pc, unsigned int tid)
{
	rte_rcu_qsbr_thread_offline(pc->qsv, tid);
	rte_rcu_qsbr_thread_unregister(pc->qsv, tid);
}

/* ------------------------------------------------------------ readers */

/**
 * The address index's hash of an address: CRC32-C of its 20 bytes in
 * three steps (8, 8, 4 bytes), without rte_hash_crc()'s loop over the
 * length.
 */
static inline uint32_t
ipoib_idx_hash(const struct ipoib_hwaddr *addr)
{
	uint64_t a0, a1;
	uint32_t a2;

	memcpy(&a0, addr, 8);
	memcpy(&a1, (const uint8_t *)addr + 8, 8);
	memcpy(&a2, (const uint8_t *)addr + 16, 4);
	return rte_hash_crc_4byte(a2, rte_hash_crc_8byte(a1,
				  rte_hash_crc_8byte(a0, 0)));
}

/** The address index's hash of an address (see ipoib_peer.h). */
uint32_t
ipoib_peer_addr_hash(const struct ipoib_hwaddr *addr)
{
	return ipoib_idx_hash(addr);
}

/** The signature of a hash in an index word (never 0). */
static inline uint32_t
ipoib_idx_sig(uint32_t h)
{
	uint32_t sig = h >> 16;

	return sig | (sig == 0);
}

/**
 * The words of a bucket whose signature is sig: bit 4 * w + 2 set for
 * word w (1..15) of the bucket seen as 16 words (word 0 the spill count).
 */
static inline uint64_t
ipoib_idx_match(const struct ipoib_peer_bucket *b, uint32_t sig)
{
#if defined(RTE_ARCH_X86)
	const __m128i *v = (const __m128i *)b;
	__m128i s = _mm_set1_epi16((short)sig);
	uint64_t m;

	/* 16-bit lanes: the signature is the upper half of each word */
	m = (uint64_t)(uint16_t)_mm_movemask_epi8(
			_mm_cmpeq_epi16(_mm_load_si128(&v[0]), s)) |
		(uint64_t)(uint16_t)_mm_movemask_epi8(
			_mm_cmpeq_epi16(_mm_load_si128(&v[1]), s)) << 16 |
		(uint64_t)(uint16_t)_mm_movemask_epi8(
			_mm_cmpeq_epi16(_mm_load_si128(&v[2]), s)) << 32 |
		(uint64_t)(uint16_t)_mm_movemask_epi8(
			_mm_cmpeq_epi16(_mm_load_si128(&v[3]), s)) << 48;
	/* the upper half's low byte of words 1..15 */
	return m & 0x4444444444444440ULL;
#else
	uint64_t m = 0;
	unsigned int w;

	for (w = 0; w < IPOIB_PEER_IDX_WAYS; w++)
		if ((__atomic_load_n(&b->e[w], __ATOMIC_RELAXED) >> 16) == sig)
			m |= 1ULL << (4 * (w + 1) + 2);
	return m;
#endif
}

/** The slot of word w (1..15, as ipoib_idx_match() numbers them). */
static inline uint32_t
ipoib_idx_slot(const struct ipoib_peer_bucket *b, unsigned int w)
{
	return __atomic_load_n(&b->e[w - 1], __ATOMIC_ACQUIRE) & 0xffff;
}

/**
 * Give a slot's address vector the peer's name before the slot is
 * indexed (writer): the GID in rgid and the QPN in dqp_dct, the rest
 * zero until the peer is resolved.
 */
static void
ipoib_peer_av_name(struct ipoib_peer *p)
{
	memset(&p->av, 0, sizeof(p->av));
	memcpy(p->av.rgid, p->gid.raw, sizeof(p->av.rgid));
	p->av.dqp_dct = rte_cpu_to_be_32(p->qpn | MLX5_EXTENDED_UD_AV);
}

/**
 * Whether the entry of a slot holds this address (qpn host order): the
 * address vector in the entry's first line names it (see ipoib_peer.h).
 */
static inline bool
ipoib_idx_entry_is(const struct ipoib_peer *p, uint32_t qpn,
		   const struct ipoib_hwaddr *addr)
{
	uint32_t dqp = rte_cpu_to_be_32(qpn | MLX5_EXTENDED_UD_AV);
	uint64_t a0, a1, b0, b1;

	memcpy(&a0, p->av.rgid, 8);
	memcpy(&a1, p->av.rgid + 8, 8);
	memcpy(&b0, &addr->gid, 8);
	memcpy(&b1, (const uint8_t *)&addr->gid + 8, 8);
	return ((a0 ^ b0) | (a1 ^ b1) | (uint64_t)(p->av.dqp_dct ^ dqp)) == 0;
}

/**
 * Find an address in the index (reader or writer), from its home bucket
 * on: its slot, or 0.
 */
static uint32_t
ipoib_idx_find(const struct ipoib_peer_cache *pc,
	       const struct ipoib_hwaddr *addr, uint32_t h)
{
	uint32_t sig = ipoib_idx_sig(h), qpn = ipoib_hwaddr_qpn(addr);
	uint32_t b = h & pc->idx_mask, n;

	for (n = 0; n <= pc->idx_mask; n++) {
		const struct ipoib_peer_bucket *bk = &pc->idx[b];
		uint64_t m = ipoib_idx_match(bk, sig);

		while (m != 0) {
			uint32_t slot = ipoib_idx_slot(bk,
					(unsigned int)rte_bsf64(m) / 4);

			if (slot != 0 && ipoib_idx_entry_is(&pc->peers[slot],
							    qpn, addr))
				return slot;
			m &= m - 1;
		}
		if (__atomic_load_n(&bk->spill, __ATOMIC_ACQUIRE) == 0)
			break;
		b = (b + 1) & pc->idx_mask;
	}
	return 0;
}

/** The current key of a slot found in the index (0: being retired). */
static inline uint16_t
ipoib_idx_key(const struct ipoib_peer_cache *pc, uint32_t slot)
{
	return slot == 0 ? 0 :
		__atomic_load_n(&pc->peers[slot].key, __ATOMIC_ACQUIRE);
}

/**
 * Find the key of an address (reader, lock free); 0 if absent. The cache
 * holds addresses with flags 0: one with flags is never found.
 */
uint16_t
ipoib_peer_lookup(const struct ipoib_peer_cache *pc,
		  const struct ipoib_hwaddr *addr)
{
	if (addr->flags != 0)
		return 0;
	return ipoib_idx_key(pc, ipoib_idx_find(pc, addr,
						ipoib_idx_hash(addr)));
}

/**
 * Look up at most IPOIB_LOOKUP_CHUNK addresses in three passes: hash
 * and fetch the home buckets; take the first slot whose signature
 * matches and fetch its entry's first line; compare the addresses
 * (the rare rest, a second match or a spilled address, the long way).
 */
static unsigned int
ipoib_peer_lookup_chunk(const struct ipoib_peer_cache *pc,
			const struct ipoib_hwaddr **addrs, unsigned int n,
			uint16_t *keys)
{
	uint32_t h[IPOIB_LOOKUP_CHUNK], slot[IPOIB_LOOKUP_CHUNK];
	unsigned int i, found = 0;

	for (i = 0; i < n; i++) {
		h[i] = ipoib_idx_hash(addrs[i]);
		rte_prefetch0(&pc->idx[h[i] & pc->idx_mask]);
	}
	for (i = 0; i < n; i++) {
		const struct ipoib_peer_bucket *bk =
			&pc->idx[h[i] & pc->idx_mask];
		uint64_t m = ipoib_idx_match(bk, ipoib_idx_sig(h[i]));

		slot[i] = m != 0 ?
			ipoib_idx_slot(bk, (unsigned int)rte_bsf64(m) / 4) : 0;
		if (slot[i] != 0)
			rte_prefetch0(&pc->peers[slot[i]]);
	}
	for (i = 0; i < n; i++) {
		const struct ipoib_hwaddr *a = addrs[i];
		uint32_t s = slot[i];

		if (unlikely(a->flags != 0 || s == 0 ||
			     !ipoib_idx_entry_is(&pc->peers[s],
						 ipoib_hwaddr_qpn(a), a))) {
			/* not the first match, spilled, absent, or flagged */
			keys[i] = ipoib_peer_lookup(pc, a);
		} else {
			keys[i] = ipoib_idx_key(pc, s);
		}
		found += keys[i] != 0;
	}
	return found;
}

/** Find the keys of n addresses at once (reader, lock free). */
unsigned int
ipoib_peer_lookup_bulk(const struct ipoib_peer_cache *pc,
		       const struct ipoib_hwaddr **addrs, unsigned int n,
		       uint16_t *keys)
{
	unsigned int done = 0, found = 0;

	while (done < n) {
		unsigned int c = RTE_MIN(n - done, IPOIB_LOOKUP_CHUNK);

		found += ipoib_peer_lookup_chunk(pc, &addrs[done], c,
						 &keys[done]);
		done += c;
	}
	return found;
}

/** The tag of the unicast peer with this (LID, QPN), 0 if unknown. */
uint64_t
ipoib_peer_lookup_lid(const struct ipoib_peer_cache *pc, uint16_t lid,
		      uint32_t qpn)
{
	struct ipoib_lid_key lk = { .qpn = qpn, .lid = lid };
	void *data;

	if (rte_hash_lookup_data(pc->by_lid, &lk, &data) < 0)
		return 0;
	return (uint64_t)(uintptr_t)data;
}

/** Copy a peer consistently (any thread); 0 or -ENOENT. */
int
ipoib_peer_read(const struct ipoib_peer_cache *pc, uint16_t key,
		struct ipoib_peer *copy)
{
	const struct ipoib_peer *p = &pc->peers[key & pc->slot_mask];
	int i;

	if (key == 0)
		return -ENOENT;
	for (i = 0; i < IPOIB_READ_TRIES; i++) {
		uint8_t st = __atomic_load_n(&p->state, __ATOMIC_ACQUIRE);

		if (__atomic_load_n(&p->key, __ATOMIC_ACQUIRE) != key)
			return -ENOENT;
		memcpy(copy, p, sizeof(*copy));
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		if (__atomic_load_n(&p->key, __ATOMIC_RELAXED) != key)
			return -ENOENT;
		if (__atomic_load_n(&p->state, __ATOMIC_RELAXED) == st) {
			copy->state = st;
			return 0;
		}
	}
	return -EAGAIN;
}

/* ------------------------------------------------------------ writers */

/** Index a unicast peer by (LID, QPN) (writer); the latest peer wins. */
static void
ipoib_lid_index_add(struct ipoib_peer_cache *pc, const struct ipoib_peer *p)
{
	struct ipoib_lid_key lk = { .qpn = p->qpn, .lid = p->path.lid };

	if (p->path.lid == 0 || (p->flags & IPOIB_PEER_F_MCAST))
		return;
	rte_hash_add_key_data(pc->by_lid, &lk, (void *)(uintptr_t)p->tag);
}

/**
 * Drop the (LID, QPN) entry of a peer if it still names it (writer).
 *
 * @return its position in by_lid, to free after a grace period, or a
 *         negative value when there was none
 */
static int32_t
ipoib_lid_index_del(struct ipoib_peer_cache *pc, const struct ipoib_peer *p)
{
	struct ipoib_lid_key lk = { .qpn = p->qpn, .lid = p->path.lid };

	if (p->path.lid == 0 || (p->flags & IPOIB_PEER_F_MCAST) ||
	    ipoib_peer_lookup_lid(pc, p->path.lid, p->qpn) != p->tag)
		return -ENOENT;
	return rte_hash_del_key(pc->by_lid, &lk);
}

/**
 * Change by delta the spill counts of the buckets from an address's home
 * bucket up to the one before the bucket that holds its word (writer).
 */
static void
ipoib_idx_spill(struct ipoib_peer_cache *pc, uint32_t home, uint32_t upto,
		int32_t delta)
{
	uint32_t b;

	for (b = home; b != upto; b = (b + 1) & pc->idx_mask)
		__atomic_store_n(&pc->idx[b].spill,
				 pc->idx[b].spill + (uint32_t)delta,
				 __ATOMIC_RELEASE);
}

/**
 * Put an address in the index (writer): in the first word free from its
 * home bucket on; every full bucket passed counts it as spilled first,
 * so that a reader finding the word also finds the way to it.
 *
 * @return 0, or -ENOSPC when every bucket is full (never with the
 *         index's size)
 */
static int
ipoib_idx_add(struct ipoib_peer_cache *pc, const struct ipoib_hwaddr *addr,
	      uint32_t slot)
{
	uint32_t h = ipoib_idx_hash(addr), home = h & pc->idx_mask;
	uint32_t word = ipoib_idx_sig(h) << 16 | slot, b = home, n, w;

	for (n = 0; n <= pc->idx_mask; n++) {
		struct ipoib_peer_bucket *bk = &pc->idx[b];

		for (w = 0; w < IPOIB_PEER_IDX_WAYS; w++) {
			if (bk->e[w] != 0)
				continue;
			ipoib_idx_spill(pc, home, b, 1);
			/* the entry and the way to the word are written:
			 * publish it */
			__atomic_store_n(&bk->e[w], word, __ATOMIC_RELEASE);
			return 0;
		}
		b = (b + 1) & pc->idx_mask;
	}
	return -ENOSPC;
}

/**
 * Take an address's word out of the index (writer), and its count from
 * the spill counts of the buckets before it.
 */
static void
ipoib_idx_del(struct ipoib_peer_cache *pc, const struct ipoib_hwaddr *addr,
	      uint32_t slot)
{
	uint32_t h = ipoib_idx_hash(addr), home = h & pc->idx_mask;
	uint32_t word = ipoib_idx_sig(h) << 16 | slot, b = home, n, w;

	for (n = 0; n <= pc->idx_mask; n++) {
		struct ipoib_peer_bucket *bk = &pc->idx[b];

		for (w = 0; w < IPOIB_PEER_IDX_WAYS; w++) {
			if (bk->e[w] != word)
				continue;
			__atomic_store_n(&bk->e[w], 0, __ATOMIC_RELEASE);
			ipoib_idx_spill(pc, home, b, -1);
			return;
		}
		b = (b + 1) & pc->idx_mask;
	}
}

/**
 * Queue a slot and a (LID, QPN) position for a grace period (writer).
 * Its grace period starts with the batch's (ipoib_limbo_close()): when
 * IPOIB_LIMBO_BATCH are queued, or at the next reclaim.
 */
static void
ipoib_limbo_defer(struct ipoib_peer_cache *pc, uint32_t slot,
		  int32_t lid_pos)
{
	struct ipoib_limbo *l;

	if (pc->limbo_count == pc->limbo_size) {
		/* full: wait for the readers, then release all */
		ipoib_limbo_close(pc);
		rte_rcu_qsbr_synchronize(pc->qsv, RTE_QSBR_THRID_INVALID);
		while (pc->limbo_count > 0)
			ipoib_limbo_pop(pc);
	}
	/* its token is set by ipoib_limbo_close(), before any check */
	l = &pc->limbo[(pc->limbo_head + pc->limbo_count) % pc->limbo_size];
	l->slot = slot;
	l->lid_pos = lid_pos;
	pc->limbo_count++;
	if (++pc->limbo_open == IPOIB_LIMBO_BATCH)
		ipoib_limbo_close(pc);
}

/** Retire a live slot: unlink it and queue it for the grace period. */
static int
ipoib_peer_retire(struct ipoib_peer_cache *pc, uint32_t slot)
{
	struct ipoib_peer *p = &pc->peers[slot];
	struct ipoib_hwaddr addr;
	int32_t lid_pos;

	ipoib_hwaddr_make(&addr, p->qpn, &p->gid);
	ipoib_idx_del(pc, &addr, slot);
	lid_pos = ipoib_lid_index_del(pc, p);
	__atomic_store_n(&p->tag, 0, __ATOMIC_RELEASE);
	__atomic_store_n(&p->key, 0, __ATOMIC_RELEASE);
	__atomic_store_n(&p->state, IPOIB_PEER_FREE, __ATOMIC_RELEASE);
	pc->size--;
	ipoib_limbo_defer(pc, slot, lid_pos);
	return 0;
}

/** Reclaim slots whose grace period is over (writer); how many. */
unsigned int
ipoib_peer_reclaim(struct ipoib_peer_cache *pc)
{
	unsigned int freed = 0;

	ipoib_limbo_close(pc);
	while (pc->limbo_count > 0 &&
	       rte_rcu_qsbr_check(pc->qsv, pc->limbo[pc->limbo_head].token,
				  false) == 1) {
		ipoib_limbo_pop(pc);
		freed++;
	}
	return freed;
}

/**
 * Choose an eviction victim: the least recently used of the next few
 * evictable entries under the clock hand (the oldest use stamp, ages
 * taken modulo the stamp's wrap). Returns its slot or 0.
 */
static uint32_t
ipoib_peer_pick_victim(struct ipoib_peer_cache *pc)
{
	uint16_t now = ipoib_peer_stamp(rte_get_tsc_cycles());
	int32_t oldest = -1;
	uint32_t victim = 0, seen = 0, i;

	for (i = 0; i < pc->slot_mask && seen < IPOIB_EVICT_SCAN; i++) {
		uint32_t slot = (pc->evict_hand++ & pc->slot_mask);
		struct ipoib_peer *p = &pc->peers[slot];
		int32_t age;

		if (slot == 0 || p->key == 0 ||
		    (p->flags & IPOIB_PEER_F_STATIC) ||
		    __atomic_load_n(&p->pending, __ATOMIC_ACQUIRE) != 0)
			continue;
		seen++;
		age = (uint16_t)(now - __atomic_load_n(&p->used,
						       __ATOMIC_RELAXED));
		if (age > oldest) {
			oldest = age;
			victim = slot;
		}
	}
	return victim;
}

/** Evict a batch of idle peers when the cache is full; how many. */
static unsigned int
ipoib_peer_evict(struct ipoib_peer_cache *pc)
{
	unsigned int batch = RTE_MIN(RTE_MAX(pc->capacity / 32, 1u),
				     IPOIB_EVICT_BATCH_MAX);
	unsigned int n = 0;

	while (n < batch) {
		uint32_t slot = ipoib_peer_pick_victim(pc);

		if (slot == 0)
			break;
		ipoib_peer_retire(pc, slot);
		pc->stats.evictions++;
		n++;
	}
	return n;
}

/** Take a free slot, reclaiming or evicting when needed; 0 if none. */
static uint32_t
ipoib_peer_take_slot(struct ipoib_peer_cache *pc)
{
	if (pc->free_count == 0)
		ipoib_peer_reclaim(pc);
	if (pc->free_count == 0 && ipoib_peer_evict(pc) > 0)
		ipoib_peer_reclaim(pc);
	return ipoib_free_pop(pc);
}

/** Insert an address (writer); see ipoib_peer.h. */
int
ipoib_peer_insert(struct ipoib_peer_cache *pc,
		  const struct ipoib_hwaddr *addr, uint8_t flags,
		  uint16_t *key)
{
	struct ipoib_hwaddr norm = *addr;
	struct ipoib_peer *p;
	uint32_t slot, gen_bits = 16 - pc->slot_bits;
	uint64_t gen, tag;
	uint16_t k;
	int ret;

	norm.flags = 0;
	k = ipoib_peer_lookup(pc, &norm);
	if (k != 0 && ipoib_peer_get(pc, k) != NULL) {
		*key = k;
		return 0;
	}
	slot = ipoib_peer_take_slot(pc);
	if (slot == 0) {
		pc->stats.full++;
		return -ENOSPC;
	}
	p = &pc->peers[slot];
	gen = pc->gen[slot];
	pc->gen[slot] = gen + 1;
	k = (uint16_t)(((gen << pc->slot_bits) | slot) & 0xffff);
	tag = ipoib_tag_make(gen, k);
	p->key_fresh = ((gen - pc->gen_base) >> gen_bits) == 0;
	p->qpn = ipoib_hwaddr_qpn(&norm);
	p->gid = norm.gid;
	p->flags = flags;
	memset(&p->path, 0, sizeof(p->path));
	ipoib_peer_av_name(p);
	__atomic_store_n(&p->pending, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&p->used, ipoib_peer_stamp(rte_get_tsc_cycles()),
			 __ATOMIC_RELAXED);
	__atomic_store_n(&p->state, IPOIB_PEER_RESOLVING, __ATOMIC_RELAXED);
	__atomic_store_n(&p->tag, tag, __ATOMIC_RELEASE);
	__atomic_store_n(&p->key, k, __ATOMIC_RELEASE);
	ret = ipoib_idx_add(pc, &norm, slot);
	if (ret < 0) {
		__atomic_store_n(&p->tag, 0, __ATOMIC_RELEASE);
		__atomic_store_n(&p->key, 0, __ATOMIC_RELEASE);
		__atomic_store_n(&p->state, IPOIB_PEER_FREE, __ATOMIC_RELEASE);
		ipoib_free_push(pc, slot);
		return ret;
	}
	pc->size++;
	pc->stats.inserts++;
	*key = k;
	return 1;
}

/** Give a peer its path and address vector, mark it resolved (writer). */
int
ipoib_peer_resolve(struct ipoib_peer_cache *pc, uint16_t key,
		   const struct ipoib_path *path, uint32_t qkey)
{
	struct ipoib_peer *p = ipoib_peer_get(pc, key);
	struct mlx5_wqe_av av;
	bool with_grh;

	if (p == NULL)
		return -ENOENT;
	if (ipoib_peer_is_resolved(p))
		return 0; /* never rewrite a vector readers may be copying */
	p->path = *path;
	with_grh = !pc->grh_auto || (p->flags & IPOIB_PEER_F_MCAST) ||
		path->hop_limit > 1;
	hca_av_fill(&av, p->qpn, qkey, path->lid, path->sl, 0,
		    with_grh ? &p->gid : NULL,
		    path->hop_limit ? path->hop_limit : 1, path->tclass,
		    path->flow_label);
	/* the name lookups compare: the copy rewrites it with its own bytes */
	memcpy(av.rgid, p->gid.raw, sizeof(av.rgid));
	p->av = av;
	__atomic_store_n(&p->state, IPOIB_PEER_RESOLVED, __ATOMIC_RELEASE);
	ipoib_lid_index_add(pc, p);
	return 0;
}

/** Change the LID of a resolved unicast peer (writer). */
int
ipoib_peer_set_lid(struct ipoib_peer_cache *pc, uint16_t key, uint16_t lid)
{
	struct ipoib_peer *p = ipoib_peer_get(pc, key);
	int32_t lid_pos;

	if (p == NULL || !ipoib_peer_is_resolved(p) ||
	    (p->flags & IPOIB_PEER_F_MCAST) || lid == 0)
		return -ENOENT;
	if (p->path.lid == lid)
		return 0;
	lid_pos = ipoib_lid_index_del(pc, p);
	if (lid_pos >= 0)
		ipoib_limbo_defer(pc, 0, lid_pos);
	/* one aligned 16-bit store: a reader copies the old or the new LID */
	__atomic_store_n(&p->av.rlid, htobe16(lid), __ATOMIC_RELEASE);
	p->path.lid = lid;
	ipoib_lid_index_add(pc, p);
	return 0;
}

/** Mark a peer's resolution as failed (writer). */
int
ipoib_peer_fail(struct ipoib_peer_cache *pc, uint16_t key)
{
	struct ipoib_peer *p = ipoib_peer_get(pc, key);

	if (p == NULL)
		return -ENOENT;
	if (!ipoib_peer_is_resolved(p))
		__atomic_store_n(&p->state, IPOIB_PEER_FAILED,
				 __ATOMIC_RELEASE);
	return 0;
}

/** Remove a peer (writer); its key becomes stale. */
int
ipoib_peer_remove(struct ipoib_peer_cache *pc, uint16_t key)
{
	if (ipoib_peer_get(pc, key) == NULL)
		return -ENOENT;
	return ipoib_peer_retire(pc, key & pc->slot_mask);
}

/** Call fn for every live peer (writer side). */
unsigned int
ipoib_peer_foreach(struct ipoib_peer_cache *pc,
		   void (*fn)(const struct ipoib_peer *p, void *arg),
		   void *arg)
{
	unsigned int n = 0;
	uint32_t slot;

	for (slot = 1; slot <= pc->slot_mask; slot++) {
		struct ipoib_peer copy;
		uint16_t key = __atomic_load_n(&pc->peers[slot].key,
					       __ATOMIC_ACQUIRE);

		if (key == 0 || ipoib_peer_read(pc, key, &copy) != 0)
			continue;
		fn(&copy, arg);
		n++;
	}
	return n;
}
