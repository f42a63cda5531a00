/* SPDX-License-Identifier: BSD-3-Clause */

/**
 * @file
 * Command execution and queue memory of a soft-HCA port (see
 * hca_sim_port.h).
 */

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>

#include "hca_log.h"
#include "hca_sim_port.h"

/** Smallest power of two >= n. */
uint32_t
hca_sim_pow2_at_least(uint32_t n)
{
	uint32_t p = 1;

	while (p < n)
		p <<= 1;
	return p;
}

/** log2 of a power of two. */
uint8_t
hca_sim_log2_of(uint32_t n)
{
	uint8_t l = 0;

	while ((1u << l) < n)
		l++;
	return l;
}

/**
 * Execute an encoded command (in_len: the encoder's result) whose output
 * must hold min_out bytes.
 *
 * @return 0 or a negative errno (logged by hca_cmd_exec()); -ECONNRESET
 *         unsent and unlogged once the connection is lost (logged then)
 */
int
hca_sim_exec(struct hca_sim_port *p, const uint8_t *in, int in_len,
	     uint8_t *out, size_t min_out)
{
	if (hca_sim_transport_lost(&p->st))
		return -ECONNRESET;
	if (in_len < 0) {
		HCA_LOG(ERR, "hcasim: command not encoded: %s",
			strerror(-in_len));
		return in_len;
	}
	return hca_cmd_exec(&p->cmd, in, (size_t)in_len, out, OUT_MAX,
			    min_out);
}

/**
 * Allocate queue memory: a memfd of len bytes (page rounded), sealed
 * against shrinking, mapped, registered as a UMEM.
 *
 * @return 0 or a negative errno
 */
int
hca_sim_ring_alloc(struct hca_sim_port *p, const char *name, size_t len,
		   struct sim_ring *r)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);
	int fd, ret;

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
void
hca_sim_ring_free(struct hca_sim_port *p, struct sim_ring *r, bool dereg)
{
	if (dereg && r->umem != 0)
		hca_sim_transport_umem_dereg(&p->cmd, r->umem);
	munmap(r->map, r->len);
}
