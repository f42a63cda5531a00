/* SPDX-License-Identifier: BSD-3-Clause */

/**
 * @file
 * Unit test of the peer-key cache (drivers/net/ipoib/ipoib_peer.c):
 * insert, lookup, remove, eviction when full, stale key detection, an
 * overflowing bucket of the address index, grace periods, and
 * concurrent lock-free readers while a writer churns ten times the
 * capacity. Every address encodes its identity (QPN and GID interface ID
 * derived from one number), so a reader can tell a wrong peer at once.
 *
 * Run: test_peer_cache --no-huge -m 256 --no-pci --lcores ... (EAL args)
 * Exit status 0 when every check passed.
 */

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_byteorder.h>
#include <rte_cycles.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_pause.h>
#include <rte_random.h>

#include "ipoib_mac.h"
#include "ipoib_peer.h"

/** Capacity of the small cache in the concurrent test. */
#define CHURN_CAPACITY 256u
/** How many times the capacity the writer inserts. */
#define CHURN_FACTOR 10u
/** Stale keys each reader remembers. */
#define READER_OLD_KEYS 256

static unsigned int failures;
static uint32_t written;          /* identities inserted so far (atomic) */
static int stop_readers;          /* atomic */

/** Per-reader results. */
struct reader_result {
	uint64_t lookups;
	uint64_t hits;
	uint64_t stale;           /**< stale tags refused */
	uint64_t stale_known;     /**< tags checked after their slot's reuse */
	uint64_t wrong;           /**< another peer by lookup or tag */
	uint64_t wrong_untagged;  /**< another peer by bare key */
	uint64_t ambiguous;       /**< bare keys refused as ambiguous */
};

static struct reader_result results[RTE_MAX_LCORE];
static struct ipoib_peer_cache *churn_cache;
static uint32_t churn_capacity;
static uint64_t *cur_tag;         /* tag of each identity, 0 once stale */
static uint32_t *slot_owner;      /* identity + 1 in each slot (writer) */

#include "../ipoib_test.h"

/** The address of identity id: QPN id (24 bits), GID ::<id>. */
static void
addr_of(uint32_t id, struct ipoib_hwaddr *a)
{
	union hca_gid gid;

	memset(&gid, 0, sizeof(gid));
	gid.raw[0] = 0xfe;
	gid.raw[1] = 0x80;
	gid.global.interface_id = rte_cpu_to_be_64(0x1000000000ULL + id);
	ipoib_hwaddr_make(a, (id * 7 + 1) & 0xffffff, &gid);
}

/** Whether peer p is the one of identity id. */
static int
peer_is(const struct ipoib_peer *p, uint32_t id)
{
	struct ipoib_hwaddr a;

	addr_of(id, &a);
	return p->qpn == ipoib_hwaddr_qpn(&a) &&
		memcmp(&p->gid, &a.gid, sizeof(a.gid)) == 0;
}

/** Identity of a peer (inverse of addr_of). */
static uint32_t
id_of(const struct ipoib_peer *p)
{
	return (uint32_t)(rte_be_to_cpu_64(p->gid.global.interface_id) -
			  0x1000000000ULL);
}

/**
 * mode=eth peer MACs of two caches of one process: each cache gives its
 * peers MACs (counted from its own first tag) that map back to the tag
 * in that cache only.
 */
static void
test_macs_of_two_caches(const struct ipoib_peer_cache *pa, uint64_t tag_a,
			const struct ipoib_peer_cache *pb, uint64_t tag_b)
{
	uint64_t base_a = ipoib_peer_tag_base(pa);
	uint64_t base_b = ipoib_peer_tag_base(pb);
	struct rte_ether_addr ma, mb, m;

	CHECK(base_a != base_b, "two caches have two tag bases");
	CHECK(ipoib_mac_of_tag(tag_a, base_a, &ma), "first cache gives a MAC");
	CHECK(ipoib_mac_of_tag(tag_b, base_b, &mb),
	      "second cache gives a MAC (tag %#" PRIx64 ")", tag_b);
	CHECK(ipoib_mac_to_tag(&ma, base_a) == tag_a &&
	      ipoib_mac_to_tag(&mb, base_b) == tag_b,
	      "each MAC maps back to its tag in its own cache");
	CHECK(!ipoib_mac_of_tag(tag_b, base_a, &m) &&
	      !ipoib_mac_of_tag(tag_a, base_b, &m),
	      "no MAC for another cache's tag");
	CHECK(!ipoib_mac_of_tag(base_b, base_b, &m) &&
	      ipoib_mac_to_tag(&(struct rte_ether_addr){{2, 0, 0, 0, 0, 0}},
			       base_b) == 0,
	      "the base itself is no peer MAC");
}

/**
 * Tags of another live cache (another port of the process) are foreign,
 * so the sending port judges the bare key instead; once that cache is
 * gone its tags are no longer foreign (they are stale everywhere).
 */
static void
test_foreign_tags(void)
{
	struct ipoib_peer_cache *pa, *pb;
	struct ipoib_hwaddr a;
	uint16_t ka, kb;
	uint64_t tag_a, tag_b;
	uint32_t seq = __atomic_load_n(&ipoib_peer_live_seq, __ATOMIC_ACQUIRE);

	pa = ipoib_peer_cache_create("foreign_a", 16, 4, SOCKET_ID_ANY);
	pb = ipoib_peer_cache_create("foreign_b", 16, 4, SOCKET_ID_ANY);
	CHECK(pa != NULL && pb != NULL, "create two caches");
	if (pa == NULL || pb == NULL) {
		ipoib_peer_cache_free(pa);
		ipoib_peer_cache_free(pb);
		return;
	}
	addr_of(5, &a);
	CHECK(ipoib_peer_insert(pa, &a, 0, &ka) == 1, "insert in a");
	CHECK(ipoib_peer_insert(pb, &a, 0, &kb) == 1, "insert in b");
	tag_a = ipoib_peer_tag(ipoib_peer_get(pa, ka));
	tag_b = ipoib_peer_tag(ipoib_peer_get(pb, kb));
	CHECK(tag_a != tag_b, "two caches never issue the same tag");
	CHECK(!ipoib_peer_tag_is_foreign(pa, tag_a), "own tag is not foreign");
	CHECK(ipoib_peer_tag_is_foreign(pb, tag_a), "a's tag is foreign to b");
	CHECK(ipoib_peer_tag_is_foreign(pa, tag_b), "b's tag is foreign to a");
	CHECK(ipoib_peer_get_tagged(pb, tag_a) == NULL,
	      "a foreign tag never finds a peer by itself");
	test_macs_of_two_caches(pa, tag_a, pb, tag_b);
	CHECK(__atomic_load_n(&ipoib_peer_live_seq, __ATOMIC_ACQUIRE) != seq,
	      "a cache made changes the live sequence (memos of foreign "
	      "tags end)");
	seq = __atomic_load_n(&ipoib_peer_live_seq, __ATOMIC_ACQUIRE);
	ipoib_peer_cache_free(pa);
	CHECK(__atomic_load_n(&ipoib_peer_live_seq, __ATOMIC_ACQUIRE) != seq,
	      "a cache freed changes the live sequence");
	CHECK(!ipoib_peer_tag_is_foreign(pb, tag_a),
	      "a gone cache's tag is stale, not foreign");
	ipoib_peer_cache_free(pb);
}

/** Insert, lookup, duplicate insert, remove and stale detection. */
static void
test_basic(void)
{
	struct ipoib_peer_cache *pc;
	struct ipoib_hwaddr a, b;
	struct ipoib_peer copy;
	uint16_t ka, ka2, kb;
	struct ipoib_path path = { .lid = 7, .sl = 1 };

	pc = ipoib_peer_cache_create("basic", 16, 4, SOCKET_ID_ANY);
	CHECK(pc != NULL, "create");
	if (pc == NULL)
		return;
	addr_of(1, &a);
	addr_of(2, &b);
	CHECK(ipoib_peer_lookup(pc, &a) == 0, "empty lookup");
	CHECK(ipoib_peer_insert(pc, &a, 0, &ka) == 1 && ka != 0, "insert a");
	CHECK(ipoib_peer_insert(pc, &a, 0, &ka2) == 0 && ka2 == ka,
	      "insert a again gives the same key");
	CHECK(ipoib_peer_lookup(pc, &a) == ka, "lookup a");
	CHECK(ipoib_peer_get(pc, ka) != NULL &&
	      peer_is(ipoib_peer_get(pc, ka), 1), "get a");
	CHECK(!ipoib_peer_is_resolved(ipoib_peer_get(pc, ka)),
	      "new peer is unresolved");
	CHECK(ipoib_peer_resolve(pc, ka, &path, 0x0b1b) == 0, "resolve");
	CHECK(ipoib_peer_is_resolved(ipoib_peer_get(pc, ka)), "resolved");
	CHECK(ipoib_peer_read(pc, ka, &copy) == 0 && copy.path.lid == 7 &&
	      rte_be_to_cpu_16(copy.av.rlid) == 7 &&
	      (rte_be_to_cpu_32(copy.av.dqp_dct) & 0xffffff) == copy.qpn,
	      "read copy with address vector");
	CHECK(ipoib_peer_get(pc, 0) == NULL, "key 0 is never valid");
	CHECK(ipoib_peer_remove(pc, ka) == 0, "remove a");
	CHECK(ipoib_peer_get(pc, ka) == NULL, "removed key is stale");
	CHECK(ipoib_peer_lookup(pc, &a) == 0, "removed address is gone");
	CHECK(ipoib_peer_remove(pc, ka) == -ENOENT, "double remove");
	ipoib_peer_reclaim(pc);
	CHECK(ipoib_peer_insert(pc, &b, 0, &kb) == 1 && kb != ka,
	      "new peer gets another key");
	CHECK(ipoib_peer_get(pc, ka) == NULL, "old key still stale");
	ipoib_peer_cache_free(pc);
}

/** Fill the cache, insert more: idle peers are evicted, keys go stale. */
static void
test_evict(void)
{
	const uint32_t cap = 32;
	struct ipoib_peer_cache *pc;
	struct ipoib_hwaddr a;
	uint16_t keys[64], k, kstatic;
	unsigned int stale = 0, i;

	pc = ipoib_peer_cache_create("evict", cap, 4, SOCKET_ID_ANY);
	CHECK(pc != NULL, "create");
	if (pc == NULL)
		return;
	addr_of(1000, &a);
	CHECK(ipoib_peer_insert(pc, &a, IPOIB_PEER_F_STATIC, &kstatic) == 1,
	      "static insert");
	for (i = 1; i < cap; i++) {
		addr_of(i, &a);
		CHECK(ipoib_peer_insert(pc, &a, 0, &keys[i]) == 1,
		      "fill %u", i);
	}
	CHECK(pc->size == cap, "full: size %u", pc->size);
	for (i = cap; i < 2 * cap; i++) {
		addr_of(i, &a);
		CHECK(ipoib_peer_insert(pc, &a, 0, &k) == 1,
		      "insert beyond capacity %u", i);
		CHECK(pc->size <= cap, "size %u over capacity", pc->size);
	}
	CHECK(pc->stats.evictions >= cap - 1, "evictions %" PRIu64,
	      pc->stats.evictions);
	for (i = 1; i < cap; i++) {
		struct ipoib_peer *p = ipoib_peer_get(pc, keys[i]);

		if (p == NULL)
			stale++;
		else
			CHECK(peer_is(p, i), "old key %u maps to another peer",
			      keys[i]);
	}
	CHECK(stale > 0, "evicted keys detected as stale (%u)", stale);
	CHECK(ipoib_peer_get(pc, kstatic) != NULL, "static peer kept");
	ipoib_peer_cache_free(pc);
	printf("evict: %u stale keys detected\n", stale);
}

/** Spilled addresses of test_index_spill(). */
#define SPILL_N 40u

/** Whether every address of ids[0..n) is found, by itself and in bulk. */
static bool
spill_all_found(struct ipoib_peer_cache *pc, const uint32_t *ids,
		const uint16_t *keys, unsigned int n)
{
	struct ipoib_hwaddr a[SPILL_N];
	const struct ipoib_hwaddr *ap[SPILL_N];
	uint16_t got[SPILL_N];
	unsigned int i;
	bool ok = true;

	for (i = 0; i < n; i++) {
		addr_of(ids[i], &a[i]);
		ap[i] = &a[i];
		ok &= ipoib_peer_lookup(pc, &a[i]) == keys[i];
	}
	ok &= ipoib_peer_lookup_bulk(pc, ap, n, got) == n;
	for (i = 0; i < n; i++)
		ok &= got[i] == keys[i];
	return ok;
}

/**
 * The address index when one bucket overflows: 40 addresses of one home
 * bucket (found with the index's hash, as the cache computes it) take
 * three buckets; all are found, by themselves and in bulk, while the
 * first ones come and go, and the spill counts are 0 again once all are
 * gone.
 */
static void
test_index_spill(void)
{
	struct ipoib_peer_cache *pc;
	struct ipoib_hwaddr a;
	uint32_t ids[SPILL_N], id, b;
	uint16_t keys[SPILL_N];
	unsigned int n = 0, i, spill = 0;

	pc = ipoib_peer_cache_create("spill", 255, 4, SOCKET_ID_ANY);
	CHECK(pc != NULL, "create");
	if (pc == NULL)
		return;
	for (id = 0; n < SPILL_N && id < 1000000; id++) {
		addr_of(id, &a);
		if ((ipoib_peer_addr_hash(&a) & pc->idx_mask) == 0)
			ids[n++] = id;
	}
	CHECK(n == SPILL_N, "%u addresses of one home bucket", n);
	for (i = 0; i < n; i++) {
		addr_of(ids[i], &a);
		CHECK(ipoib_peer_insert(pc, &a, 0, &keys[i]) == 1,
		      "insert %u", i);
	}
	CHECK(pc->idx[0].spill > 0 && pc->idx[1].spill > 0,
	      "two buckets spill (%u, %u)", pc->idx[0].spill,
	      pc->idx[1].spill);
	CHECK(spill_all_found(pc, ids, keys, n), "all found");
	for (i = 0; i < 20; i++)
		CHECK(ipoib_peer_remove(pc, keys[i]) == 0, "remove %u", i);
	CHECK(spill_all_found(pc, &ids[20], &keys[20], n - 20),
	      "the spilled ones found with holes in the home bucket");
	for (i = 0; i < 20; i++) {
		addr_of(ids[i], &a);
		CHECK(ipoib_peer_lookup(pc, &a) == 0, "removed %u gone", i);
		CHECK(ipoib_peer_insert(pc, &a, 0, &keys[i]) == 1,
		      "insert again %u", i);
	}
	CHECK(spill_all_found(pc, ids, keys, n), "all found again");
	for (i = 0; i < n; i++)
		CHECK(ipoib_peer_remove(pc, keys[i]) == 0, "remove all %u", i);
	for (b = 0; b <= pc->idx_mask; b++)
		spill += pc->idx[b].spill;
	CHECK(spill == 0, "no spill count left (%u)", spill);
	ipoib_peer_cache_free(pc);
}

/**
 * Tags and bare keys when a key value repeats (capacity 40000: keys have
 * no generation bits): the old tag is refused, the new tag works, the
 * bare key is refused as ambiguous instead of reaching the new peer.
 */
static void
test_tags(void)
{
	const uint32_t cap = 40000;
	struct ipoib_peer_cache *pc;
	struct ipoib_hwaddr a;
	uint64_t tag_a, tag_b = 0;
	uint16_t ka, k;
	bool amb;
	uint32_t i;

	pc = ipoib_peer_cache_create("tags", cap, 4, SOCKET_ID_ANY);
	CHECK(pc != NULL, "create");
	if (pc == NULL)
		return;
	addr_of(1, &a);
	CHECK(ipoib_peer_insert(pc, &a, 0, &ka) == 1, "insert a");
	tag_a = ipoib_peer_tag(ipoib_peer_get(pc, ka));
	CHECK(ipoib_tag_key(tag_a) == ka, "tag holds the key");
	CHECK(ipoib_peer_get_tagged(pc, tag_a) != NULL, "tag of a works");
	CHECK(ipoib_peer_get_untagged(pc, ka, &amb) != NULL && !amb,
	      "fresh bare key works");
	CHECK(ipoib_peer_remove(pc, ka) == 0, "remove a");
	ipoib_peer_reclaim(pc);
	/* the FIFO hands out every other slot before a's again */
	for (i = 2; i <= cap + 1; i++) {
		addr_of(i, &a);
		if (ipoib_peer_insert(pc, &a, 0, &k) != 1) {
			CHECK(0, "insert %u", i);
			break;
		}
		if (k == ka)
			tag_b = ipoib_peer_tag(ipoib_peer_get(pc, k));
	}
	CHECK(tag_b != 0 && tag_b != tag_a, "a's slot reused with key %u", ka);
	CHECK(ipoib_peer_get_tagged(pc, tag_a) == NULL, "old tag refused");
	CHECK(ipoib_peer_get_tagged(pc, tag_b) != NULL, "new tag works");
	CHECK(ipoib_peer_get_untagged(pc, ka, &amb) == NULL && amb,
	      "reused bare key refused as ambiguous");
	ipoib_peer_cache_free(pc);
}

/**
 * Retired slots wait for every reader's quiescent report: 40 removals
 * (a batch of 32 whose grace period starts when it fills, 8 whose
 * grace period starts at the reclaim) free nothing before the reader's
 * report and all 40 after it.
 */
static void
test_grace_period(void)
{
	struct ipoib_peer_cache *gc;
	struct ipoib_hwaddr a;
	uint16_t k[40];
	unsigned int i, n = 0, freed;

	gc = ipoib_peer_cache_create("grace", 64, 1, SOCKET_ID_ANY);
	CHECK(gc != NULL, "create a cache of 64");
	if (gc == NULL)
		return;
	ipoib_peer_reader_online(gc, 0);
	for (i = 0; i < RTE_DIM(k); i++) {
		addr_of(5000 + i, &a);
		if (ipoib_peer_insert(gc, &a, 0, &k[i]) != 1)
			break;
	}
	CHECK(i == RTE_DIM(k), "insert 40 (%u)", i);
	ipoib_peer_reader_quiescent(gc, 0);
	for (i = 0; i < RTE_DIM(k); i++)
		n += ipoib_peer_remove(gc, k[i]) == 0;
	CHECK(n == RTE_DIM(k), "remove 40 (%u)", n);
	freed = ipoib_peer_reclaim(gc);
	CHECK(freed == 0, "nothing freed before the reader's report (%u)",
	      freed);
	ipoib_peer_reader_quiescent(gc, 0);
	freed = ipoib_peer_reclaim(gc);
	CHECK(freed == RTE_DIM(k), "all 40 freed after it (%u)", freed);
	CHECK(ipoib_peer_reclaim(gc) == 0, "nothing left to free");
	ipoib_peer_reader_offline(gc, 0);
	ipoib_peer_cache_free(gc);
}

/** Keys at the limits: capacity 65535 works, 0 and 65536 do not. */
static void
test_limits(void)
{
	struct ipoib_peer_cache *pc;
	struct ipoib_hwaddr a;
	uint16_t k;
	unsigned int i;

	CHECK(ipoib_peer_cache_create("l0", 0, 4, SOCKET_ID_ANY) == NULL,
	      "capacity 0 refused");
	CHECK(ipoib_peer_cache_create("l1", 65536, 4, SOCKET_ID_ANY) == NULL,
	      "capacity 65536 refused");
	pc = ipoib_peer_cache_create("l2", IPOIB_PEER_MAX, 4, SOCKET_ID_ANY);
	CHECK(pc != NULL, "capacity 65535");
	if (pc == NULL)
		return;
	for (i = 0; i < 1000; i++) {
		addr_of(i, &a);
		if (ipoib_peer_insert(pc, &a, 0, &k) != 1 ||
		    !peer_is(ipoib_peer_get(pc, k), i)) {
			CHECK(0, "insert %u in a large cache", i);
			break;
		}
	}
	ipoib_peer_cache_free(pc);
}

/** Reader lcore: look up recent identities, hold tags and keys, verify. */
static int
reader_main(void *arg)
{
	unsigned int tid = (unsigned int)(uintptr_t)arg;
	struct reader_result *r = &results[rte_lcore_id()];
	uint64_t old_tags[READER_OLD_KEYS];
	uint32_t old_ids[READER_OLD_KEYS];
	unsigned int n_old = 0, round = 0;

	ipoib_peer_reader_online(churn_cache, tid);
	while (!__atomic_load_n(&stop_readers, __ATOMIC_ACQUIRE)) {
		uint32_t w = __atomic_load_n(&written, __ATOMIC_ACQUIRE);
		uint32_t id;
		struct ipoib_hwaddr a;
		struct ipoib_peer *p;
		uint64_t tag;
		uint16_t k;
		unsigned int j;

		if (w == 0)
			goto quiescent;
		id = w - 1 - (uint32_t)(rte_rand() % RTE_MIN(w, 2 *
						churn_capacity));
		addr_of(id, &a);
		r->lookups++;
		k = ipoib_peer_lookup(churn_cache, &a);
		p = k ? ipoib_peer_get(churn_cache, k) : NULL;
		tag = p ? ipoib_peer_tag(p) : 0;
		if (p != NULL && ipoib_tag_key(tag) == k) {
			r->hits++;
			if (!peer_is(p, id)) {
				r->wrong++;
				printf("reader %u: key %u for id %u gave id "
				       "%u\n", tid, k, id, id_of(p));
			}
			old_tags[n_old % READER_OLD_KEYS] = tag;
			old_ids[n_old % READER_OLD_KEYS] = id;
			n_old++;
		}
		/*
		 * Tags and bare keys kept from earlier rounds: the same peer
		 * or refused. A tag the writer already saw replaced (its
		 * slot reused) must be refused: every stale tag detected.
		 */
		for (j = round++ % 7; j < RTE_MIN(n_old,
			     (unsigned int)READER_OLD_KEYS); j += 7) {
			uint64_t truth = __atomic_load_n(&cur_tag[old_ids[j]],
							 __ATOMIC_ACQUIRE);
			bool ambiguous;

			p = ipoib_peer_get_tagged(churn_cache, old_tags[j]);
			if (p != NULL && !peer_is(p, old_ids[j]))
				r->wrong++;
			if (truth != old_tags[j]) {
				r->stale_known++;
				if (p == NULL)
					r->stale++;
			}
			p = ipoib_peer_get_untagged(churn_cache,
				ipoib_tag_key(old_tags[j]), &ambiguous);
			if (p != NULL && !peer_is(p, old_ids[j]))
				r->wrong_untagged++;
			if (ambiguous)
				r->ambiguous++;
		}
quiescent:
		ipoib_peer_reader_quiescent(churn_cache, tid);
	}
	ipoib_peer_reader_offline(churn_cache, tid);
	return 0;
}

/**
 * Insert identity id, waiting for readers when no slot is free, and
 * record its tag; the previous owner of the slot is known stale.
 *
 * @return 0, or -1 on failure (counted)
 */
static int
churn_insert(uint32_t id, uint64_t deadline)
{
	struct ipoib_path path = { .lid = (uint16_t)(id % 0xbfff + 1) };
	struct ipoib_hwaddr a;
	uint32_t slot, old;
	uint16_t k;
	int ret;

	addr_of(id, &a);
	while ((ret = ipoib_peer_insert(churn_cache, &a, 0, &k)) == -ENOSPC &&
	       rte_get_tsc_cycles() < deadline)
		rte_delay_us_sleep(100); /* let readers pass */
	if (ret != 1) {
		CHECK(0, "churn insert %u: %d", id, ret);
		return -1;
	}
	ipoib_peer_resolve(churn_cache, k, &path, 1);
	slot = k & churn_cache->slot_mask;
	old = slot_owner[slot];
	if (old != 0)
		__atomic_store_n(&cur_tag[old - 1], 0, __ATOMIC_RELEASE);
	slot_owner[slot] = id + 1;
	__atomic_store_n(&cur_tag[id],
			 ipoib_peer_tag(ipoib_peer_get(churn_cache, k)),
			 __ATOMIC_RELEASE);
	return 0;
}

/**
 * Concurrent readers while the writer churns 10x the capacity: no lookup,
 * tag or bare key ever gives another peer, and every tag known stale is
 * refused.
 */
static void
test_concurrent(uint32_t capacity)
{
	struct reader_result sum = { 0 };
	unsigned int lcore, tid = 0, readers = 0;
	uint32_t id, total = capacity * CHURN_FACTOR;
	uint64_t deadline, t0 = rte_get_tsc_cycles();
	char name[32];

	memset(results, 0, sizeof(results));
	__atomic_store_n(&written, 0, __ATOMIC_RELEASE);
	__atomic_store_n(&stop_readers, 0, __ATOMIC_RELEASE);
	churn_capacity = capacity;
	cur_tag = calloc(total, sizeof(*cur_tag));
	slot_owner = calloc(IPOIB_PEER_MAX + 1, sizeof(*slot_owner));
	snprintf(name, sizeof(name), "churn%u", capacity);
	churn_cache = ipoib_peer_cache_create(name, capacity, 8,
					      SOCKET_ID_ANY);
	CHECK(churn_cache != NULL && cur_tag != NULL && slot_owner != NULL,
	      "create");
	if (churn_cache == NULL || cur_tag == NULL || slot_owner == NULL)
		goto out;
	RTE_LCORE_FOREACH_WORKER(lcore) {
		rte_eal_remote_launch(reader_main, (void *)(uintptr_t)tid++,
				      lcore);
		readers++;
	}
	CHECK(readers >= 2, "need two reader lcores, have %u", readers);
	deadline = rte_get_tsc_cycles() + 90 * rte_get_tsc_hz();
	for (id = 0; id < total; id++) {
		if (churn_insert(id, deadline) < 0)
			break;
		__atomic_store_n(&written, id + 1, __ATOMIC_RELEASE);
		if (id % 1024 == 0)
			rte_delay_us_sleep(50);
	}
	rte_delay_us_sleep(100000);
	__atomic_store_n(&stop_readers, 1, __ATOMIC_RELEASE);
	rte_eal_mp_wait_lcore();
	RTE_LCORE_FOREACH_WORKER(lcore) {
		sum.lookups += results[lcore].lookups;
		sum.hits += results[lcore].hits;
		sum.stale += results[lcore].stale;
		sum.stale_known += results[lcore].stale_known;
		sum.wrong += results[lcore].wrong;
		sum.wrong_untagged += results[lcore].wrong_untagged;
		sum.ambiguous += results[lcore].ambiguous;
	}
	printf("concurrent: %u inserts (capacity %u) in %.1f s, %" PRIu64
	       " evictions, %" PRIu64 " lookups, %" PRIu64 " hits, %" PRIu64
	       " of %" PRIu64 " stale tags detected, %" PRIu64
	       " bare keys refused as ambiguous, %" PRIu64 " wrong, %" PRIu64
	       " wrong by bare key\n", id, capacity,
	       (double)(rte_get_tsc_cycles() - t0) / rte_get_tsc_hz(),
	       churn_cache->stats.evictions, sum.lookups, sum.hits,
	       sum.stale, sum.stale_known, sum.ambiguous, sum.wrong,
	       sum.wrong_untagged);
	CHECK(sum.wrong == 0, "%" PRIu64 " lookups gave another peer",
	      sum.wrong);
	CHECK(sum.wrong_untagged == 0, "%" PRIu64 " bare keys gave another "
	      "peer", sum.wrong_untagged);
	CHECK(sum.hits > 0, "readers found peers");
	CHECK(sum.stale_known > 0, "readers held stale tags");
	CHECK(sum.stale == sum.stale_known, "every stale tag detected: %"
	      PRIu64 " of %" PRIu64, sum.stale, sum.stale_known);
	CHECK(churn_cache->stats.evictions >= (uint64_t)total - capacity,
	      "evictions");
	CHECK(churn_cache->size <= capacity, "size within capacity");
out:
	ipoib_peer_cache_free(churn_cache);
	free(cur_tag);
	free(slot_owner);
}

/** Run every test; exit 0 when all passed. */
int
main(int argc, char **argv)
{
	if (rte_eal_init(argc, argv) < 0) {
		printf("FAIL: EAL init\n");
		return 1;
	}
	test_basic();
	test_foreign_tags();
	test_evict();
	test_index_spill();
	test_limits();
	test_grace_period();
	test_tags();
	test_concurrent(CHURN_CAPACITY);
	test_concurrent(IPOIB_PEER_MAX);
	rte_eal_cleanup();
	printf("%s: %u failures\n", failures ? "FAIL" : "PASS", failures);
	return failures ? 1 : 0;
}
