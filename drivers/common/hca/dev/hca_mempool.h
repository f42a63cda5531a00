/* SPDX-License-Identifier: BSD-3-Clause */

#ifndef HCA_MEMPOOL_H
#define HCA_MEMPOOL_H

/**
 * @file
 * DPDK glue of the HCA layer: register DPDK memory for DMA and find the
 * lkey of an address on the data path.
 *
 * A map holds the memory regions of a device (one protection domain).
 * Memory is registered by memsegs: each run of memsegs contiguous in
 * virtual address and in the same file (the memfd under --no-huge, a
 * hugetlbfs file otherwise) becomes one region, with its file descriptor
 * passed to hca_mr_reg() so that the soft HCA can map it.
 *
 * The data path reads an immutable table of ranges, published by
 * pointer. Writers (serialised by the map's mutex) copy the table, add
 * or drop ranges and publish the copy; the old table, and the regions a
 * removal dropped, are freed and deregistered once the readers passed a
 * quiescent state of the RCU variable given by hca_mr_map_set_rcu()
 * (without one: when the map is destroyed). Writers allocate with libc
 * only (never rte_malloc), so that they may run inside a memory event
 * callback, where the heap's lock is held.
 */

#include <pthread.h>
#include <stdint.h>
#include <stddef.h>

#include <rte_common.h>
#include <rte_mempool.h>
#include <rte_rcu_qsbr.h>

#include "hca_dev.h"

#ifdef __cplusplus
extern "C" {
#endif

/** lkey value meaning "no region holds this address". */
#define HCA_NO_LKEY UINT32_MAX

/** One registered address range. */
struct hca_mr_range {
	uintptr_t start;
	uintptr_t end;               /**< exclusive */
	uint32_t lkey;
	struct hca_mr *mr;           /**< its region (NULL: not owned) */
};

/** An immutable set of ranges, as the data path sees it. */
struct hca_mr_table {
	uint32_t n;                  /**< ranges in use */
	uint32_t max;                /**< ranges allocated */
	struct hca_mr_range ranges[];
};

struct hca_mr_retired;

/** The regions of a device, searched by address. */
struct hca_mr_map {
	struct hca_mr_table *table;  /**< published table (atomic pointer) */
	struct hca_pd *pd;
	uint32_t max;                /**< ranges a table may hold at most */
	pthread_mutex_t lock;        /**< serialises the writers */
	struct rte_rcu_qsbr *qsv;    /**< readers' RCU variable, or NULL */
	struct hca_mr_retired *retired; /**< waiting for a grace period */
	uint32_t n_retired;          /**< entries in retired */
	uint32_t n_pools;
	uint32_t max_pools;
	const struct rte_mempool **pools; /**< mempools registered */
};

/**
 * Create an empty map.
 *
 * @param pd          the protection domain regions are registered in
 * @param max_ranges  regions the map can hold at most
 * @return the map, or NULL (out of memory)
 */
struct hca_mr_map *hca_mr_map_create(struct hca_pd *pd,
				     unsigned int max_ranges);

/**
 * Deregister every region of a map, the retired ones too, and free it
 * (NULL is a no-op). No reader may use the map any more.
 */
void hca_mr_map_destroy(struct hca_mr_map *map);

/**
 * Name the RCU variable the map's readers report quiescent states on:
 * replaced tables and removed regions are released once they all passed
 * one. Without it, they are released by hca_mr_map_destroy().
 *
 * @param qsv  the readers' variable (must outlive the map), or NULL
 */
void hca_mr_map_set_rcu(struct hca_mr_map *map, struct rte_rcu_qsbr *qsv);

/**
 * Register every populated memseg of every memseg list (external memory
 * too, when it can be registered). A run that cannot be registered is
 * skipped with a log.
 *
 * @return the number of runs that could not be registered, or -ENOMEM
 */
int hca_mr_map_add_memsegs(struct hca_mr_map *map);

/**
 * Register the memory of a mempool (every chunk, through its memsegs);
 * memory already registered is not registered twice.
 *
 * @return 0, -ENOSPC (map full), -EINVAL (memory that is not EAL memory),
 *         or a negative errno from hca_mr_reg()
 */
int hca_mr_map_add_mempool(struct hca_mr_map *map, struct rte_mempool *mp);

/** Whether a mempool was registered in the map. */
int hca_mr_map_has_mempool(const struct hca_mr_map *map,
			   const struct rte_mempool *mp);

/**
 * Register [addr, addr + len), memory just added to the memseg lists (a
 * memory event callback; the memory hotplug lock is held: only
 * thread-unsafe memseg functions are used).
 *
 * @param[out] added  regions registered (may be NULL)
 * @return 0 or a negative errno (then nothing of it is registered)
 */
int hca_mr_map_event_alloc(struct hca_mr_map *map, const void *addr,
			   size_t len, unsigned int *added);

/**
 * Stop using [addr, addr + len), memory about to leave the memseg lists
 * (a memory event callback, hotplug lock held): every range touching it
 * is dropped from the table (what remains of a range that only partly
 * overlaps is registered again) and its region is deregistered after a
 * grace period.
 *
 * @param[out] removed  regions dropped (may be NULL)
 * @return 0, or a negative errno (the remaining parts of a partly freed
 *         range could not be registered again; the freed part is
 *         dropped anyway, unless -ENOMEM)
 */
int hca_mr_map_event_free(struct hca_mr_map *map, const void *addr,
			  size_t len, unsigned int *removed);

/**
 * Release what waits for a grace period and is past it, without
 * blocking.
 */
void hca_mr_map_reclaim(struct hca_mr_map *map);

/** The number of ranges published now. */
uint32_t hca_mr_map_regions(const struct hca_mr_map *map);

/**
 * The lkey of [addr, addr + len) on the data path, without locks.
 *
 * @param hint  index of the range that matched last time (updated)
 * @return the lkey, or HCA_NO_LKEY when no single region holds it
 */
static inline uint32_t
hca_mr_map_lkey(const struct hca_mr_map *map, uintptr_t addr, size_t len,
		uint32_t *hint)
{
	const struct hca_mr_table *t =
		__atomic_load_n(&map->table, __ATOMIC_ACQUIRE);
	const struct hca_mr_range *r;
	uint32_t i, n = t->n;

	if (likely(*hint < n)) {
		r = &t->ranges[*hint];
		if (likely(addr >= r->start && addr + len <= r->end))
			return r->lkey;
	}
	for (i = 0; i < n; i++) {
		r = &t->ranges[i];
		if (addr >= r->start && addr + len <= r->end) {
			*hint = i;
			return r->lkey;
		}
	}
	return HCA_NO_LKEY;
}

#ifdef __cplusplus
}
#endif

#endif /* HCA_MEMPOOL_H */
