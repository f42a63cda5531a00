/* SPDX-License-Identifier: BSD-3-Clause */

#ifndef HCA_MEMPOOL_H
#define HCA_MEMPOOL_H

/**
 * @file
 * DPDK glue of the HCA layer: register the memory of mempools for DMA and
 * find the lkey of an address on the data path.
 *
 * A map holds the memory regions of a device (one protection domain).
 * Mempools are registered by the memsegs that back them: each run of
 * memsegs contiguous in virtual address and in the same file (the memfd
 * under --no-huge, a hugetlbfs file otherwise) becomes one region, with
 * its file descriptor passed to hca_mr_reg() so that the soft HCA can map
 * it. Regions are only added while the map lives (a control thread adds,
 * the data path looks up without locks); they are freed with the map.
 */

#include <stdint.h>
#include <stddef.h>

#include <rte_common.h>
#include <rte_mempool.h>

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
};

/** The regions of a device, searched by address. */
struct hca_mr_map {
	struct hca_pd *pd;
	uint32_t n;                  /**< ranges published (atomic) */
	uint32_t max;
	struct hca_mr_range *ranges;
	struct hca_mr **mrs;
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

/** Deregister every region of a map and free it (NULL is a no-op). */
void hca_mr_map_destroy(struct hca_mr_map *map);

/**
 * Register the memory of a mempool (every chunk, through its memsegs).
 * Registering the same pool again does nothing.
 *
 * @return 0, -ENOSPC (map full), -EINVAL (memory that is not EAL memory),
 *         or a negative errno from hca_mr_reg()
 */
int hca_mr_map_add_mempool(struct hca_mr_map *map, struct rte_mempool *mp);

/** Whether a mempool was registered in the map. */
int hca_mr_map_has_mempool(const struct hca_mr_map *map,
			   const struct rte_mempool *mp);

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
	uint32_t n = __atomic_load_n(&map->n, __ATOMIC_ACQUIRE);
	const struct hca_mr_range *r;
	uint32_t i;

	if (likely(*hint < n)) {
		r = &map->ranges[*hint];
		if (likely(addr >= r->start && addr + len <= r->end))
			return r->lkey;
	}
	for (i = 0; i < n; i++) {
		r = &map->ranges[i];
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
