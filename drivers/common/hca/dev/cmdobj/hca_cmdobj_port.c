/* SPDX-License-Identifier: BSD-3-Clause */

/**
 * @file
 * Command execution and queue memory of a port whose objects are
 * firmware commands (see hca_cmdobj_port.h): the backend's hooks, or
 * their defaults over the transport alone.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hca_log.h"
#include "hca_cmdobj_port.h"

/** Smallest power of two >= n. */
uint32_t
hca_cmdobj_pow2_at_least(uint32_t n)
{
	uint32_t p = 1;

	while (p < n)
		p <<= 1;
	return p;
}

/** log2 of a power of two. */
uint8_t
hca_cmdobj_log2_of(uint32_t n)
{
	uint8_t l = 0;

	while ((1u << l) < n)
		l++;
	return l;
}

/** Whether commands can no longer reach the device (hooks->lost). */
bool
hca_cmdobj_lost(struct hca_cmdobj_port *p)
{
	return p->hooks->lost != NULL && p->hooks->lost(p);
}

/**
 * Execute an encoded command (in_len: the encoder's result) whose output
 * must hold min_out bytes.
 *
 * @return 0 or a negative errno (logged by hca_cmd_exec()); -ECONNRESET
 *         unsent and unlogged once the device is lost (logged then)
 */
int
hca_cmdobj_exec(struct hca_cmdobj_port *p, const uint8_t *in, int in_len,
		uint8_t *out, size_t min_out)
{
	if (hca_cmdobj_lost(p))
		return -ECONNRESET;
	if (in_len < 0) {
		HCA_LOG(ERR, "%s: command not encoded: %s", p->backend,
			strerror(-in_len));
		return in_len;
	}
	return hca_cmd_exec(&p->cmd, in, (size_t)in_len, out, OUT_MAX,
			    min_out);
}

/**
 * Register memory as a UMEM through the transport, by its address.
 *
 * @return 0 and *umem, or a negative errno (logged)
 */
int
hca_cmdobj_umem_reg(struct hca_cmdobj_port *p, void *addr, size_t len,
		    uint32_t *umem)
{
	int ret = p->cmd.ops->umem_reg(p->cmd.ctx, addr, len,
				       HCA_CMD_ACCESS_LOCAL_WRITE, umem);

	if (ret < 0)
		HCA_LOG(ERR, "%s: UMEM registration of %zu bytes failed: %s",
			p->cmd.ops->name, len, strerror(-ret));
	return ret;
}

/** Release a UMEM (a failure is logged). @return 0 or a negative errno. */
int
hca_cmdobj_umem_dereg(struct hca_cmdobj_port *p, uint32_t umem)
{
	int ret = p->cmd.ops->umem_dereg(p->cmd.ctx, umem);

	if (ret < 0 && ret != -ECONNRESET)
		HCA_LOG(ERR, "%s: release of UMEM %u failed: %s",
			p->cmd.ops->name, umem, strerror(-ret));
	return ret;
}

/**
 * Allocate queue memory: the backend's, or by default page-aligned
 * process memory, zeroed, registered by address.
 *
 * @return 0 or a negative errno
 */
int
hca_cmdobj_ring_alloc(struct hca_cmdobj_port *p, const char *name,
		      size_t len, struct cmdobj_ring *r)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);
	int ret;

	if (p->hooks->ring_alloc != NULL)
		return p->hooks->ring_alloc(p, name, len, r);
	memset(r, 0, sizeof(*r));
	r->len = (len + pg - 1) & ~(pg - 1);
	if (posix_memalign(&r->map, pg, r->len) != 0)
		return -ENOMEM;
	memset(r->map, 0, r->len);
	ret = hca_cmdobj_umem_reg(p, r->map, r->len, &r->umem);
	if (ret < 0)
		free(r->map);
	return ret;
}

/** Free queue memory; with dereg, release its UMEM first. */
void
hca_cmdobj_ring_free(struct hca_cmdobj_port *p, struct cmdobj_ring *r,
		     bool dereg)
{
	if (p->hooks->ring_free != NULL) {
		p->hooks->ring_free(p, r, dereg);
		return;
	}
	if (dereg && r->umem != 0)
		hca_cmdobj_umem_dereg(p, r->umem);
	free(r->map);
}
