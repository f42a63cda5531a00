/* SPDX-License-Identifier: BSD-3-Clause */

/**
 * @file
 * Queue memory and memory regions of the soft HCA (see hca_sim_mem.h).
 */

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>

#include "hca_sim_mem.h"
#include "hca_sim_transport.h"

/** Whether the connection to the daemon is lost. */
static bool
sim_lost(struct hca_cmdobj_port *p)
{
	return hca_sim_transport_lost(p->cmd.ctx);
}

/**
 * Allocate queue memory: a memfd of len bytes (page rounded), sealed
 * against shrinking, mapped, registered as a UMEM with its fd.
 *
 * @return 0 or a negative errno
 */
static int
sim_ring_alloc(struct hca_cmdobj_port *p, const char *name, size_t len,
	       struct cmdobj_ring *r)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);
	int fd, ret;

	memset(r, 0, sizeof(*r));
	r->len = (len + pg - 1) & ~(pg - 1);
	fd = memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0)
		return -errno;
	if (ftruncate(fd, (off_t)r->len) != 0 ||
	    fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK) != 0) {
		ret = -errno;
		close(fd);
		return ret;
	}
	r->map = mmap(NULL, r->len, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		      0);
	if (r->map == MAP_FAILED) {
		ret = -errno;
		close(fd);
		return ret;
	}
	ret = hca_sim_transport_umem_reg_fd(&p->cmd, r->map, r->len, fd, 0,
					    &r->umem);
	close(fd);
	if (ret < 0)
		munmap(r->map, r->len);
	return ret;
}

/** Free queue memory; with dereg, release its UMEM first. */
static void
sim_ring_free(struct hca_cmdobj_port *p, struct cmdobj_ring *r, bool dereg)
{
	if (dereg && r->umem != 0)
		hca_sim_transport_umem_dereg(&p->cmd, r->umem);
	munmap(r->map, r->len);
}

/**
 * Register a memory region's bytes: the daemon needs the fd behind
 * them.
 *
 * @return 0 and *umem, -EINVAL without an fd, or a negative errno
 */
static int
sim_umem_reg(struct hca_cmdobj_port *p, void *addr, size_t len, int fd,
	     off_t off, uint32_t *umem)
{
	if (fd < 0 || off < 0)
		return -EINVAL; /* the soft HCA needs an fd to map */
	return hca_sim_transport_umem_reg_fd(&p->cmd, addr, len, fd, off,
					     umem);
}

const struct hca_cmdobj_hooks hca_sim_hooks = {
	.lost = sim_lost,
	.ring_alloc = sim_ring_alloc,
	.ring_free = sim_ring_free,
	.umem_reg = sim_umem_reg,
};
