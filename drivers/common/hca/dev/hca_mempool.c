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

/**
 * A table replaced, and the regions a removal dropped, waiting until the
 * readers passed the quiescent state of token.
 */
struct hca_mr_retired {
	struct hca_mr_retired *next;
	uint64_t token;
	struct hca_mr_table *table;  /**< freed */
	uint32_t n_mrs;
	struct hca_mr *mrs[];        /**< deregistered */
};

/** A table able to hold cap ranges, empty (libc memory). */
static struct hca_mr_table *
hca_mr_table_alloc(uint32_t cap)
{
	struct hca_mr_table *t =
		calloc(1, sizeof(*t) + sizeof(t->ranges[0]) * cap);

	if (t != NULL)
		t->max = cap;
	return t;
}

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
	pthread_mutex_init(&map->lock, NULL);
	map->table = hca_mr_table_alloc(0);
	map->pools = calloc(map->max_pools, sizeof(*map->pools));
	if (map->table == NULL || map->pools == NULL) {
		hca_mr_map_destroy(map);
		return NULL;
	}
	return map;
}

/** Deregister the regions of a retired entry and free it. */
static void
hca_mr_retired_release(struct hca_mr_retired *r)
{
	uint32_t i;

	for (i = 0; i < r->n_mrs; i++)
		hca_mr_dereg(r->mrs[i]);
	free(r->table);
	free(r);
}

/** Deregister every region of a map and free it. */
void
hca_mr_map_destroy(struct hca_mr_map *map)
{
	struct hca_mr_retired *r;
	uint32_t i;

	if (map == NULL)
		return;
	while ((r = map->retired) != NULL) {
		map->retired = r->next;
		hca_mr_retired_release(r);
	}
	if (map->table != NULL)
		for (i = 0; i < map->table->n; i++)
			if (map->table->ranges[i].mr != NULL)
				hca_mr_dereg(map->table->ranges[i].mr);
	free(map->table);
	free(map->pools);
	pthread_mutex_destroy(&map->lock);
	rte_free(map);
}

/** Name the readers' RCU variable (see hca_mempool.h). */
void
hca_mr_map_set_rcu(struct hca_mr_map *map, struct rte_rcu_qsbr *qsv)
{
	pthread_mutex_lock(&map->lock);
	map->qsv = qsv;
	pthread_mutex_unlock(&map->lock);
}

/** Release the retired entries past their grace period (lock held). */
static void
hca_mr_map_reclaim_locked(struct hca_mr_map *map)
{
	struct hca_mr_retired **pp = &map->retired, *r;

	if (map->qsv == NULL)
		return;
	while ((r = *pp) != NULL) {
		if (rte_rcu_qsbr_check(map->qsv, r->token, false) == 1) {
			*pp = r->next;
			map->n_retired--;
			hca_mr_retired_release(r);
		} else {
			pp = &r->next;
		}
	}
}

/** Release what is past its grace period (see hca_mempool.h). */
void
hca_mr_map_reclaim(struct hca_mr_map *map)
{
	pthread_mutex_lock(&map->lock);
	hca_mr_map_reclaim_locked(map);
	pthread_mutex_unlock(&map->lock);
}

/** The number of ranges published now. */
uint32_t
hca_mr_map_regions(const struct hca_mr_map *map)
{
	return __atomic_load_n(&map->table, __ATOMIC_ACQUIRE)->n;
}

/**
 * A writer's copy of the published table (lock held): every range except
 * those overlapping [lo, hi) (none when lo == hi), with room for the
 * map's maximum.
 */
static struct hca_mr_table *
hca_mr_map_copy(const struct hca_mr_map *map, uintptr_t lo, uintptr_t hi)
{
	const struct hca_mr_table *old = map->table;
	struct hca_mr_table *t = hca_mr_table_alloc(RTE_MAX(map->max, old->n));
	uint32_t i;

	if (t == NULL)
		return NULL;
	for (i = 0; i < old->n; i++) {
		const struct hca_mr_range *r = &old->ranges[i];

		if (lo < hi && r->start < hi && r->end > lo)
			continue;
		t->ranges[t->n++] = *r;
	}
	return t;
}

/**
 * Publish a writer's table (lock held) and retire the old one with the
 * regions listed in r (allocated by the caller, so that this cannot
 * fail).
 */
static void
hca_mr_map_publish(struct hca_mr_map *map, struct hca_mr_table *t,
		   struct hca_mr_retired *r)
{
	r->table = map->table;
	__atomic_store_n(&map->table, t, __ATOMIC_RELEASE);
	r->token = map->qsv != NULL ? rte_rcu_qsbr_start(map->qsv) : 0;
	r->next = map->retired;
	map->retired = r;
	map->n_retired++;
	hca_mr_map_reclaim_locked(map);
}

/**
 * Undo a writer's table that is not published: deregister the regions it
 * added after the first keep ranges, free it.
 */
static void
hca_mr_table_discard(struct hca_mr_table *t, uint32_t keep)
{
	uint32_t i;

	for (i = keep; i < t->n; i++)
		if (t->ranges[i].mr != NULL)
			hca_mr_dereg(t->ranges[i].mr);
	free(t);
}

/** Whether [start, end) is already inside one range of t. */
static int
hca_mr_table_covers(const struct hca_mr_table *t, uintptr_t start,
		    uintptr_t end)
{
	uint32_t i;

	for (i = 0; i < t->n; i++)
		if (start >= t->ranges[i].start && end <= t->ranges[i].end)
			return 1;
	return 0;
}

/** Register one run [start, end) of file fd at offset off into t. */
static int
hca_mr_map_add_run(struct hca_mr_map *map, struct hca_mr_table *t,
		   uintptr_t start, uintptr_t end, int fd, size_t off)
{
	struct hca_mr_range *r;
	struct hca_mr *mr;
	int ret;

	if (hca_mr_table_covers(t, start, end))
		return 0;
	if (t->n >= t->max)
		return -ENOSPC;
	ret = hca_mr_reg(map->pd, (void *)start, end - start, fd,
			 (off_t)off, &mr);
	if (ret < 0) {
		HCA_LOG(ERR, "cannot register %zu bytes at %p (fd %d): %d",
			(size_t)(end - start), (void *)start, fd, ret);
		return ret;
	}
	r = &t->ranges[t->n++];
	r->start = start;
	r->end = end;
	r->lkey = mr->lkey;
	r->mr = mr;
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
 * Register [start, end) into t as runs of memsegs contiguous in address
 * and file offset. Called with the memory configuration locked.
 */
static int
hca_mr_map_add_range(struct hca_mr_map *map, struct hca_mr_table *t,
		     uintptr_t start, uintptr_t end)
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
		ret = hca_mr_map_add_run(map, t, run_start, run_end, fd, off);
		if (ret < 0)
			return ret;
		start = run_end;
	}
	return 0;
}

/** A retired entry with room for n regions. */
static struct hca_mr_retired *
hca_mr_retired_alloc(uint32_t n)
{
	return calloc(1, sizeof(struct hca_mr_retired) +
		      sizeof(struct hca_mr *) * n);
}

/** Context of a memseg or mempool walk. */
struct hca_mr_walk {
	struct hca_mr_map *map;
	struct hca_mr_table *t;      /**< the writer's table */
	int ret;                     /**< first error (mempool walk) */
	int failed;                  /**< runs not registered (memseg walk) */
};

/** rte_memseg_contig_walk callback: register one contiguous chunk. */
static int
hca_mr_map_add_chunk_ms(const struct rte_memseg_list *msl __rte_unused,
			const struct rte_memseg *ms, size_t len, void *arg)
{
	struct hca_mr_walk *w = arg;
	uintptr_t start = (uintptr_t)ms->addr;

	if (hca_mr_map_add_range(w->map, w->t, start, start + len) < 0)
		w->failed++;
	return 0;
}

/** Register every populated memseg (see hca_mempool.h). */
int
hca_mr_map_add_memsegs(struct hca_mr_map *map)
{
	struct hca_mr_walk w = { .map = map };
	struct hca_mr_retired *r = hca_mr_retired_alloc(0);

	if (r == NULL)
		return -ENOMEM;
	rte_mcfg_mem_read_lock(); /* before the map's lock, as events do */
	pthread_mutex_lock(&map->lock);
	w.t = hca_mr_map_copy(map, 0, 0);
	if (w.t == NULL) {
		pthread_mutex_unlock(&map->lock);
		rte_mcfg_mem_read_unlock();
		free(r);
		return -ENOMEM;
	}
	rte_memseg_contig_walk_thread_unsafe(hca_mr_map_add_chunk_ms, &w);
	hca_mr_map_publish(map, w.t, r);
	pthread_mutex_unlock(&map->lock);
	rte_mcfg_mem_read_unlock();
	return w.failed;
}

/** rte_mempool_mem_iter callback: register one memory chunk. */
static void
hca_mr_map_add_chunk(struct rte_mempool *mp __rte_unused, void *opaque,
		     struct rte_mempool_memhdr *memhdr,
		     unsigned int mem_idx __rte_unused)
{
	struct hca_mr_walk *w = opaque;

	if (w->ret == 0)
		w->ret = hca_mr_map_add_range(w->map, w->t,
			(uintptr_t)memhdr->addr,
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
	struct hca_mr_walk w = { .map = map };
	struct hca_mr_retired *r;
	uint32_t keep;

	if (hca_mr_map_has_mempool(map, mp))
		return 0;
	r = hca_mr_retired_alloc(0);
	if (r == NULL)
		return -ENOMEM;
	rte_mcfg_mem_read_lock();
	pthread_mutex_lock(&map->lock);
	w.t = hca_mr_map_copy(map, 0, 0);
	if (w.t == NULL) {
		w.ret = -ENOMEM;
		goto out;
	}
	keep = w.t->n;
	rte_mempool_mem_iter(mp, hca_mr_map_add_chunk, &w);
	if (w.t->n == keep) {
		free(w.t); /* all of it was registered already */
	} else if (w.ret < 0) {
		hca_mr_table_discard(w.t, keep);
	} else {
		hca_mr_map_publish(map, w.t, r);
		r = NULL;
	}
	if (w.ret == 0 && map->n_pools < map->max_pools)
		map->pools[map->n_pools++] = mp;
out:
	pthread_mutex_unlock(&map->lock);
	rte_mcfg_mem_read_unlock();
	free(r);
	return w.ret;
}

/** Register memory a memory event added (see hca_mempool.h). */
int
hca_mr_map_event_alloc(struct hca_mr_map *map, const void *addr,
		       size_t len, unsigned int *added)
{
	struct hca_mr_retired *r = hca_mr_retired_alloc(0);
	struct hca_mr_table *t;
	uint32_t keep;
	int ret = -ENOMEM;

	if (added != NULL)
		*added = 0;
	if (r == NULL)
		return -ENOMEM;
	pthread_mutex_lock(&map->lock);
	t = hca_mr_map_copy(map, 0, 0);
	if (t == NULL)
		goto out;
	keep = t->n;
	ret = hca_mr_map_add_range(map, t, (uintptr_t)addr,
				   (uintptr_t)addr + len);
	if (ret < 0 || t->n == keep) {
		hca_mr_table_discard(t, keep);
		goto out;
	}
	if (added != NULL)
		*added = t->n - keep;
	hca_mr_map_publish(map, t, r);
	r = NULL;
out:
	pthread_mutex_unlock(&map->lock);
	free(r);
	return ret;
}

/** Stop using memory a memory event frees (see hca_mempool.h). */
int
hca_mr_map_event_free(struct hca_mr_map *map, const void *addr,
		      size_t len, unsigned int *removed)
{
	uintptr_t lo = (uintptr_t)addr, hi = lo + len;
	const struct hca_mr_table *old;
	struct hca_mr_retired *r = NULL;
	struct hca_mr_table *t = NULL;
	uint32_t i, n = 0;
	int ret = 0;

	if (removed != NULL)
		*removed = 0;
	pthread_mutex_lock(&map->lock);
	old = map->table;
	for (i = 0; i < old->n; i++)
		if (old->ranges[i].start < hi && old->ranges[i].end > lo)
			n++;
	if (n == 0)
		goto out; /* none of ours */
	r = hca_mr_retired_alloc(n);
	t = hca_mr_map_copy(map, lo, hi);
	if (r == NULL || t == NULL) {
		free(r);
		free(t);
		ret = -ENOMEM;
		goto out;
	}
	for (i = 0; i < old->n; i++) {
		const struct hca_mr_range *o = &old->ranges[i];
		int err = 0;

		if (!(o->start < hi && o->end > lo))
			continue;
		if (o->mr != NULL)
			r->mrs[r->n_mrs++] = o->mr;
		/* what of it stays allocated is registered afresh */
		if (o->start < lo)
			err = hca_mr_map_add_range(map, t, o->start, lo);
		if (err == 0 && o->end > hi)
			err = hca_mr_map_add_range(map, t, hi, o->end);
		if (err < 0 && ret == 0)
			ret = err;
	}
	hca_mr_map_publish(map, t, r);
	if (removed != NULL)
		*removed = n;
out:
	pthread_mutex_unlock(&map->lock);
	return ret;
}
