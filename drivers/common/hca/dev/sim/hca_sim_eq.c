/* SPDX-License-Identifier: BSD-3-Clause */

/**
 * @file
 * The soft HCA port's event queue (see hca_sim_eq.h).
 */

#include <endian.h>
#include <string.h>
#include <sys/mman.h>

#include "hca_sim_eq.h"

/** Entries of the port's event queue (log2). */
#define EQ_LOG_SIZE 6

/* See hca_sim_eq.h. */
int
hca_sim_eq_create(struct hca_cmdobj_port *p, struct hca_sim_eq *q)
{
	uint8_t in[IN_MAX], out[OUT_MAX];
	size_t bytes = sizeof(struct hcasim_eqe) << EQ_LOG_SIZE;
	struct cmdobj_ring r;
	struct hcasim_eqe *ring;
	struct hca_cmd_eq eq;
	uint64_t pas;
	uint32_t i;
	int ret;

	ret = hca_cmdobj_ring_alloc(p, "hcasim-eq", bytes + HCASIM_EQ_DBR_ROOM,
				    &r);
	if (ret < 0)
		return ret;
	ring = r.map;
	for (i = 0; i < 1u << EQ_LOG_SIZE; i++)
		ring[i].owner = 1;
	memset(&eq, 0, sizeof(eq));
	eq.log_eq_size = EQ_LOG_SIZE;
	eq.event_bitmask[0] =
		UINT64_C(1) << HCASIM_EQE_TYPE_PORT_CHANGE |
		UINT64_C(1) << HCASIM_EQE_TYPE_CQ_ERROR |
		UINT64_C(1) << HCASIM_EQE_TYPE_WQ_CATAS_ERROR |
		UINT64_C(1) << HCASIM_EQE_TYPE_WQ_ACCESS_ERROR;
	pas = HCASIM_EQ_PA(r.umem, 0);
	eq.pas = &pas;
	eq.npas = 1;
	ret = hca_cmdobj_exec(p, in, hca_cmd_create_eq_in(in, sizeof(in), &eq),
			      out, HCA_CMD_SHORT_LEN);
	if (ret == 0)
		ret = hca_cmd_create_eq_out(out, HCA_CMD_SHORT_LEN, &q->eqn);
	if (ret < 0) {
		hca_cmdobj_ring_free(p, &r, true);
		return ret;
	}
	q->map = r.map;
	q->len = r.len;
	q->umem = r.umem;
	q->log_size = EQ_LOG_SIZE;
	q->ci = 0;
	return 0;
}

/* See hca_sim_eq.h. */
int
hca_sim_eq_next(struct hca_sim_eq *q, struct hcasim_eqe *e)
{
	struct hcasim_eqe *ring = q->map;
	struct hcasim_eqe *slot;
	volatile uint32_t *dbrec;

	if (q->eqn == 0)
		return 0;
	slot = &ring[q->ci & ((1u << q->log_size) - 1)];
	if ((__atomic_load_n(&slot->owner, __ATOMIC_ACQUIRE) & 1) !=
	    ((q->ci >> q->log_size) & 1))
		return 0;
	memcpy(e, slot, sizeof(*e));
	q->ci++;
	dbrec = (volatile uint32_t *)(ring + (1u << q->log_size));
	__atomic_store_n(dbrec, htobe32(q->ci & 0xffffff), __ATOMIC_RELEASE);
	return 1;
}


/* See hca_sim_eq.h. */
void
hca_sim_eq_free(struct hca_sim_eq *q)
{
	if (q->eqn != 0)
		munmap(q->map, q->len);
	q->eqn = 0;
}
