/* SPDX-License-Identifier: BSD-3-Clause */

/**
 * @file
 * DPDK glue: registering mempool memory with the HCA layer (see
 * hca_mempool.h).
 */

#include <errno.h>
#include <stdlib.h>

#include <rte_eal_memconfig.h>
#include <rte_malloc.h>
#include <rte_memory.h>

#include "hca_log.h"
#include "hca_mempool.h"

/** Mempools one map remembers (beyond that, pools are re-walked). */
#define HCA_MAP_MAX_POOLS 64

/** Create an empty map (see hca_mempool.h). */
struct hca_mr_map *
hca_mr_map_create(struct hca_pd *pd, unsigned int max_ranges)
{
	struct hca_mr_map *map = rte_zmalloc("hca_mr_map", sizeof(*map), 0);

	if (map == NULL)
		return NULL;
	map->pd = pd;
	map->max = max_ranges;
	map->max_pools = HCA_MAP_MAX_POOLS;
	map->ranges = rte_zmalloc("hca_mr_ranges",
				  sizeof(*map->ranges) * max_ranges, 0);
	map->mrs = calloc(max_ranges, sizeof(*map->mrs));
	map->pools = calloc(map->max_pools, sizeof(*map->pools));
	if (map->ranges == NULL || map->mrs == NULL || map->pools == NULL) {
		hca_mr_map_destroy(map);
		return NULL;
	}
	return map;
}

/** Deregister every region of a map and free it. */
void
hca_mr_map_destroy(struct hca_mr_map *map)
{
	uint32_t i;

	if (map == NULL)
		return;
	for (i = 0; i < map->n; i++)
		if (map->mrs[i] != NULL)
			hca_mr_dereg(map->mrs[i]);
	free(map->pools);
	free(map->mrs);
	rte_free(map->ranges);
	rte_free(map);
}

/** Whether [start, end) is already inside one registered range. */
static int
hca_mr_map_covers(const struct hca_mr_map *map, uintptr_t start,
		  uintptr_t end)
{
	uint32_t i;

	for (i = 0; i < map->n; i++)
		if (start >= map->ranges[i].start && end <= map->ranges[i].end)
			return 1;
	return 0;
}

/** Register one run [start, end) of file fd at offset off. */
static int
hca_mr_map_add_run(struct hca_mr_map *map, uintptr_t start, uintptr_t end,
		   int fd, size_t off)
{
	struct hca_mr *mr;
	int ret;

	if (hca_mr_map_covers(map, start, end))
		return 0;
	if (map->n >= map->max)
		return -ENOSPC;
	ret = hca_mr_reg(map->pd, (void *)start, end - start, fd,
			 (off_t)off, &mr);
	if (ret < 0) {
		HCA_LOG(ERR, "cannot register %zu bytes at %p (fd %d): %d",
			(size_t)(end - start), (void *)start, fd, ret);
		return ret;
	}
	map->mrs[map->n] = mr;
	map->ranges[map->n].start = start;
	map->ranges[map->n].end = end;
	map->ranges[map->n].lkey = mr->lkey;
	__atomic_store_n(&map->n, map->n + 1, __ATOMIC_RELEASE);
	return 0;
}

/**
 * The file and offset of the memseg holding va, or -1 in *fd when the
 * segment has no file (the region is then registered without one).
 */
static const struct rte_memseg *
hca_memseg_of(uintptr_t va, int *fd, size_t *off)
{
	const struct rte_memseg *ms = rte_mem_virt2memseg((void *)va, NULL);

	if (ms == NULL)
		return NULL;
	*fd = rte_memseg_get_fd_thread_unsafe(ms);
	if (*fd < 0 ||
	    rte_memseg_get_fd_offset_thread_unsafe(ms, off) < 0) {
		*fd = -1;
		*off = 0;
	}
	return ms;
}

/**
 * Register [start, end) as runs of memsegs contiguous in address and file
 * offset. Called with the memory configuration read-locked.
 */
static int
hca_mr_map_add_range(struct hca_mr_map *map, uintptr_t start, uintptr_t end)
{
	while (start < end) {
		const struct rte_memseg *ms;
		uintptr_t run_start, run_end;
		size_t off, next_off;
		int fd, next_fd, ret;

		ms = hca_memseg_of(start, &fd, &off);
		if (ms == NULL) {
			HCA_LOG(ERR, "%p is not DPDK memory", (void *)start);
			return -EINVAL;
		}
		run_start = (uintptr_t)ms->addr;
		run_end = run_start + ms->len;
		while (run_end < end) {
			const struct rte_memseg *nx =
				hca_memseg_of(run_end, &next_fd, &next_off);

			if (nx == NULL || next_fd != fd || fd < 0 ||
			    next_off != off + (run_end - run_start))
				break;
			run_end += nx->len;
		}
		ret = hca_mr_map_add_run(map, run_start, run_end, fd, off);
		if (ret < 0)
			return ret;
		start = run_end;
	}
	return 0;
}

/** Context of a mempool walk. */
struct hca_mr_walk {
	struct hca_mr_map *map;
	int ret;
};

/** rte_mempool_mem_iter callback: register one memory chunk. */
static void
hca_mr_map_add_chunk(struct rte_mempool *mp __rte_unused, void *opaque,
		     struct rte_mempool_memhdr *memhdr,
		     unsigned int mem_idx __rte_unused)
{
	struct hca_mr_walk *w = opaque;

	if (w->ret == 0)
		w->ret = hca_mr_map_add_range(w->map, (uintptr_t)memhdr->addr,
			(uintptr_t)memhdr->addr + memhdr->len);
}

/** Whether a mempool was registered in the map. */
int
hca_mr_map_has_mempool(const struct hca_mr_map *map,
		       const struct rte_mempool *mp)
{
	uint32_t i;

	for (i = 0; i < map->n_pools; i++)
		if (map->pools[i] == mp)
			return 1;
	return 0;
}

/** Register the memory of a mempool (see hca_mempool.h). */
int
hca_mr_map_add_mempool(struct hca_mr_map *map, struct rte_mempool *mp)
{
	struct hca_mr_walk w = { .map = map, .ret = 0 };

	if (hca_mr_map_has_mempool(map, mp))
		return 0;
	rte_mcfg_mem_read_lock();
	rte_mempool_mem_iter(mp, hca_mr_map_add_chunk, &w);
	rte_mcfg_mem_read_unlock();
	if (w.ret == 0 && map->n_pools < map->max_pools)
		map->pools[map->n_pools++] = mp;
	return w.ret;
}
