/* SPDX-License-Identifier: BSD-3-Clause */

/**
 * @file
 * Unit test of the peer-key cache (drivers/net/ipoib/ipoib_peer.c):
 * insert, lookup, remove, eviction when full, stale key detection, and
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

#include "ipoib_peer.h"

/** Capacity of the cache in the concurrent test. */
#define CHURN_CAPACITY 256u
/** How many times the capacity the writer inserts. */
#define CHURN_FACTOR 10u
/** Stale keys each reader remembers. */
#define READER_OLD_KEYS 64

static unsigned int failures;
static uint32_t written;          /* identities inserted so far (atomic) */
static int stop_readers;          /* atomic */

/** Per-reader results. */
struct reader_result {
	uint64_t lookups;
	uint64_t hits;
	uint64_t stale;
	uint64_t wrong;
};

static struct reader_result results[RTE_MAX_LCORE];
static struct ipoib_peer_cache *churn_cache;

#define CHECK(cond, ...) do { \
	if (!(cond)) { \
		failures++; \
		printf("FAIL %s:%d: ", __func__, __LINE__); \
		printf(__VA_ARGS__); \
		printf("\n"); \
	} \
} while (0)

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

/** Reader lcore: look up recent identities and stale keys, verify. */
static int
reader_main(void *arg)
{
	unsigned int tid = (unsigned int)(uintptr_t)arg;
	struct reader_result *r = &results[rte_lcore_id()];
	uint16_t old_keys[READER_OLD_KEYS];
	uint32_t old_ids[READER_OLD_KEYS];
	unsigned int n_old = 0;

	ipoib_peer_reader_online(churn_cache, tid);
	while (!__atomic_load_n(&stop_readers, __ATOMIC_ACQUIRE)) {
		uint32_t w = __atomic_load_n(&written, __ATOMIC_ACQUIRE);
		uint32_t id;
		struct ipoib_hwaddr a;
		struct ipoib_peer *p;
		uint16_t k;
		unsigned int j;

		if (w == 0)
			goto quiescent;
		id = w - 1 - (uint32_t)(rte_rand() % RTE_MIN(w, 2 *
						CHURN_CAPACITY));
		addr_of(id, &a);
		r->lookups++;
		k = ipoib_peer_lookup(churn_cache, &a);
		p = k ? ipoib_peer_get(churn_cache, k) : NULL;
		if (p != NULL) {
			r->hits++;
			if (!peer_is(p, id)) {
				r->wrong++;
				printf("reader %u: key %u for id %u gave id "
				       "%u\n", tid, k, id, id_of(p));
			}
			old_keys[n_old % READER_OLD_KEYS] = k;
			old_ids[n_old % READER_OLD_KEYS] = id;
			n_old++;
		}
		/* keys kept from earlier rounds: the same peer or stale */
		for (j = 0; j < RTE_MIN(n_old, (unsigned)READER_OLD_KEYS);
		     j += 7) {
			p = ipoib_peer_get(churn_cache, old_keys[j]);
			if (p == NULL)
				r->stale++;
			else if (!peer_is(p, old_ids[j]))
				r->wrong++;
		}
quiescent:
		ipoib_peer_reader_quiescent(churn_cache, tid);
	}
	ipoib_peer_reader_offline(churn_cache, tid);
	return 0;
}

/** Concurrent readers while the writer churns 10x the capacity. */
static void
test_concurrent(void)
{
	struct reader_result sum = { 0 };
	unsigned int lcore, tid = 0, readers = 0;
	uint32_t id, total = CHURN_CAPACITY * CHURN_FACTOR;
	uint64_t deadline;
	uint16_t k;

	churn_cache = ipoib_peer_cache_create("churn", CHURN_CAPACITY, 8,
					      SOCKET_ID_ANY);
	CHECK(churn_cache != NULL, "create");
	if (churn_cache == NULL)
		return;
	RTE_LCORE_FOREACH_WORKER(lcore) {
		rte_eal_remote_launch(reader_main, (void *)(uintptr_t)tid++,
				      lcore);
		readers++;
	}
	CHECK(readers >= 2, "need two reader lcores, have %u", readers);
	deadline = rte_get_tsc_cycles() + 60 * rte_get_tsc_hz();
	for (id = 0; id < total; id++) {
		struct ipoib_hwaddr a;
		struct ipoib_path path = { .lid = (uint16_t)(id + 1) };
		int ret;

		addr_of(id, &a);
		while ((ret = ipoib_peer_insert(churn_cache, &a, 0, &k)) ==
		       -ENOSPC && rte_get_tsc_cycles() < deadline)
			rte_delay_us_sleep(100); /* let readers pass */
		if (ret != 1) {
			CHECK(0, "churn insert %u: %d", id, ret);
			break;
		}
		ipoib_peer_resolve(churn_cache, k, &path, 1);
		__atomic_store_n(&written, id + 1, __ATOMIC_RELEASE);
		if (id % 64 == 0)
			rte_delay_us_sleep(50);
	}
	rte_delay_us_sleep(100000);
	__atomic_store_n(&stop_readers, 1, __ATOMIC_RELEASE);
	rte_eal_mp_wait_lcore();
	RTE_LCORE_FOREACH_WORKER(lcore) {
		sum.lookups += results[lcore].lookups;
		sum.hits += results[lcore].hits;
		sum.stale += results[lcore].stale;
		sum.wrong += results[lcore].wrong;
	}
	printf("concurrent: %u inserts (capacity %u), %" PRIu64 " evictions, "
	       "%" PRIu64 " lookups, %" PRIu64 " hits, %" PRIu64
	       " stale keys detected, %" PRIu64 " wrong\n", id,
	       CHURN_CAPACITY, churn_cache->stats.evictions, sum.lookups,
	       sum.hits, sum.stale, sum.wrong);
	CHECK(sum.wrong == 0, "%" PRIu64 " lookups gave another peer",
	      sum.wrong);
	CHECK(sum.hits > 0, "readers found peers");
	CHECK(sum.stale > 0, "readers saw stale keys");
	CHECK(churn_cache->stats.evictions >=
	      (uint64_t)total - CHURN_CAPACITY, "evictions");
	CHECK(churn_cache->size <= CHURN_CAPACITY, "size within capacity");
	ipoib_peer_cache_free(churn_cache);
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
	test_evict();
	test_limits();
	test_concurrent();
	rte_eal_cleanup();
	printf("%s: %u failures\n", failures ? "FAIL" : "PASS", failures);
	return failures ? 1 : 0;
}
