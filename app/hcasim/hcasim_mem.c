/* SPDX-License-Identifier: BSD-3-Clause */

/**
 * @file
 * A client's memory as the soft HCA takes it, for memory regions
 * (MR_REG, hcasim_res.c) and UMEMs (UMEM_REG, hcasim_cmd.c) alike: the
 * client's and its host's quota, and the checked mapping of a range of
 * the client's memory fd.
 */

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <linux/magic.h>

#include "hcasim.h"

/**
 * Whether a client may register one more memory region (an MR or a
 * UMEM): its own limit and its host's; a refusal is counted.
 *
 * @return 0 or -EDQUOT
 */
int
hcasim_mr_quota_check(struct hcasim *h, struct hcasim_client *c)
{
	if (c->nmr >= h->cfg.limits.client_mr) {
		h->refused.client_mr++;
		return -EDQUOT;
	}
	if (c->ident != NULL && c->ident->nmr >= h->cfg.limits.host_mr) {
		h->refused.host_mr++;
		return -EDQUOT;
	}
	return 0;
}

/**
 * Map len bytes at fd_off of a client's memory fd, for an MR or a UMEM:
 * memory-backed files only (tmpfs, hugetlbfs: a page fault must never
 * wait for I/O), a regular file holding the whole range, mapped in whole
 * (huge) pages since hugetlbfs unmaps only aligned lengths.
 *
 * @param fd  the client's fd (the caller closes it)
 * @param m   filled on success (unmap m->map, m->map_len)
 * @return 0 or a negative errno (-EINVAL: not such memory)
 */
int
hcasim_client_mem_map(int fd, uint64_t fd_off, uint64_t len,
		      struct hcasim_mem_map *m)
{
	struct stat st;
	struct statfs sfs;
	uint64_t align, map_off, delta, map_len;
	int seals;
	void *map;

	if (fd < 0)
		return -EINVAL;
	if (fstat(fd, &st) < 0 || fstatfs(fd, &sfs) < 0)
		return -errno;
	if (sfs.f_type != TMPFS_MAGIC && sfs.f_type != HUGETLBFS_MAGIC)
		return -EINVAL;
	if (!S_ISREG(st.st_mode) || (uint64_t)st.st_size < fd_off + len)
		return -EINVAL;
	seals = fcntl(fd, F_GET_SEALS);
	align = (uint64_t)sysconf(_SC_PAGESIZE);
	if (st.st_blksize > (blksize_t)align &&
	    (st.st_blksize & (st.st_blksize - 1)) == 0 &&
	    st.st_blksize <= (1 << 30))
		align = (uint64_t)st.st_blksize; /* hugetlbfs */
	map_off = fd_off & ~(align - 1);
	delta = fd_off - map_off;
	map_len = (len + delta + align - 1) & ~(align - 1);
	map = mmap(NULL, map_len, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		   (off_t)map_off);
	if (map == MAP_FAILED)
		return -errno;
	m->map = map;
	m->map_len = map_len;
	m->base = (uint8_t *)map + delta;
	m->sealed = seals >= 0 && (seals & F_SEAL_SHRINK) != 0;
	return 0;
}
