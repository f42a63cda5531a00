/* SPDX-License-Identifier: BSD-3-Clause */

/**
 * @file
 * The soft HCA's event queues (see hcasim_cmd.h): CREATE_EQ and
 * DESTROY_EQ, and writing an entry into a client's ring.
 *
 * A ConnectX finds an EQ's ring through the page addresses of
 * CREATE_EQ's input (pas, in pages of 4 KiB << log_page_size). The soft
 * HCA has no physical memory of its own: a client's UMEM is its I/O
 * address space, UMEM id in the upper 32 bits of an address, offset in
 * it in the lower 32 (HCASIM_EQ_PA()). The pages must follow each other
 * in one sealed UMEM, with HCASIM_EQ_DBR_ROOM bytes after the ring for
 * the consumer counter (hcasim_proto.h). One EQ per client
 * (QUERY_HCA_CAP's log_max_eq is 0). Control thread only.
 */

#include <endian.h>
#include <stdlib.h>
#include <string.h>

#include "hcasim_cmd.h"

/** Last EQ number given (a client sees only its own). */
static uint8_t eqn_last;

/**
 * Find the client's UMEM that holds the ring and its consumer counter
 * from the page addresses of the input.
 *
 * @param bytes  the ring's size
 * @param u      set to the UMEM
 * @param off    set to the ring's offset in it
 * @return 0 or a failed status (x's syndrome set)
 */
static int
eq_ring_umem(struct hcasim_cmd_ctx *x, uint64_t bytes,
	     struct hcasim_umem **u, uint64_t *off)
{
	const uint8_t *pas = x->in + HCA_CREATE_EQ_IN_PAS_OFF;
	unsigned int lps = hca_prm_get(x->in + HCA_CREATE_EQ_IN_EQC_OFF,
				       HCA_EQC_LOG_PAGE_SIZE);
	uint64_t pg, first, i, npas;

	if (lps > HCASIM_EQ_LOG_MAX_PAGE)
		return hcasim_cmd_fail(x, HCA_STATUS_BAD_PARAM,
				       HCASIM_SYN_EQ_PAS);
	pg = UINT64_C(4096) << lps;
	npas = (bytes + pg - 1) / pg;
	if (x->in_len < HCA_CREATE_EQ_IN_PAS_OFF + npas * 8)
		return hcasim_cmd_fail(x, HCA_STATUS_BAD_INPUT_LEN,
				       HCASIM_SYN_INPUT_LEN);
	first = hca_prm_get(pas, 0, 64);
	for (i = 1; i < npas; i++)
		if (hca_prm_get(pas + i * 8, 0, 64) != first + i * pg)
			return hcasim_cmd_fail(x, HCA_STATUS_BAD_PARAM,
					       HCASIM_SYN_EQ_PAS);
	*u = hcasim_cmd_umem(x->c, (uint32_t)(first >> 32));
	if (*u == NULL)
		return hcasim_cmd_fail(x, HCA_STATUS_BAD_RESOURCE,
				       HCASIM_SYN_UMEM);
	*off = first & 0xffffffffu;
	if (*off % pg != 0)
		return hcasim_cmd_fail(x, HCA_STATUS_BAD_PARAM,
				       HCASIM_SYN_EQ_PAS);
	if (!(*u)->sealed)
		return hcasim_cmd_fail(x, HCA_STATUS_BAD_PARAM,
				       HCASIM_SYN_UNSEALED);
	if (*off > (*u)->len ||
	    bytes + HCASIM_EQ_DBR_ROOM > (*u)->len - *off)
		return hcasim_cmd_fail(x, HCA_STATUS_BAD_PARAM,
				       HCASIM_SYN_UMEM_BOUNDS);
	return 0;
}

/**
 * CREATE_EQ: the client's event queue, its ring in one of its UMEMs
 * (see above), with the event types of its bitmask. The ring's entries
 * are the client's to initialise (owner bit 1).
 */
int
hcasim_cmd_create_eq(struct hcasim_cmd_ctx *x)
{
	const uint8_t *eqc = x->in + HCA_CREATE_EQ_IN_EQC_OFF;
	const uint8_t *mask = x->in + HCA_CREATE_EQ_IN_EVENT_BITMASK_OFF;
	unsigned int log = hca_prm_get(eqc, HCA_EQC_LOG_EQ_SIZE);
	struct hcasim_umem *u = NULL;
	struct hcasim_eq *eq;
	uint64_t off = 0;
	unsigned int i;
	int st;

	if (x->c->eq != NULL)
		return hcasim_cmd_fail(x, HCA_STATUS_LIMITS_EXCEEDED,
				       HCASIM_SYN_EQ_LIMIT);
	if (log == 0 || log > HCASIM_EQ_LOG_MAX)
		return hcasim_cmd_fail(x, HCA_STATUS_BAD_SIZE,
				       HCASIM_SYN_EQ_SIZE);
	st = eq_ring_umem(x, (uint64_t)sizeof(struct hcasim_eqe) << log, &u,
			  &off);
	if (st != 0)
		return st;
	eq = calloc(1, sizeof(*eq));
	if (eq == NULL)
		return hcasim_cmd_fail(x, HCA_STATUS_NO_RESOURCES,
				       HCASIM_SYN_NO_MEM);
	eq->eqn = ++eqn_last;
	if (eq->eqn == 0)
		eq->eqn = ++eqn_last;
	if (hcasim_cmd_hold_add(x->c, HCASIM_HOLD_EQ, eq->eqn, 0, eq, u,
				NULL) != 0) {
		free(eq);
		return hcasim_cmd_fail(x, HCA_STATUS_NO_RESOURCES,
				       HCASIM_SYN_NO_MEM);
	}
	eq->log_size = (uint8_t)log;
	for (i = 0; i < 4; i++)
		eq->event_bitmask[i] = hca_prm_get(mask + i * 8, 0, 64);
	eq->ring = (struct hcasim_eqe *)(u->base + off);
	eq->dbrec = (volatile uint32_t *)(u->base + off +
		((uint64_t)sizeof(struct hcasim_eqe) << log));
	x->c->eq = eq;
	hca_prm_set(x->out, HCA_CREATE_EQ_OUT_EQN, eq->eqn);
	return HCA_STATUS_OK;
}

/** DESTROY_EQ: the client's EQ goes, its UMEM is released. */
int
hcasim_cmd_destroy_eq(struct hcasim_cmd_ctx *x)
{
	uint8_t eqn = hca_prm_get(x->in, HCA_DESTROY_EQ_IN_EQN);

	if (x->c->eq == NULL || x->c->eq->eqn != eqn)
		return hcasim_cmd_fail(x, HCA_STATUS_BAD_RESOURCE,
				       HCASIM_SYN_EQ);
	hcasim_cmd_hold_drop(x->c, HCASIM_HOLD_EQ, eqn);
	free(x->c->eq);
	x->c->eq = NULL;
	return HCA_STATUS_OK;
}

/**
 * Write one entry into an EQ with the owner bit of its lap, unless the
 * ring is full (the consumer counter is a lap behind).
 *
 * @return true when written
 */
bool
hcasim_eq_write(struct hcasim_eq *eq, const struct hcasim_eqe *e)
{
	uint32_t nent = UINT32_C(1) << eq->log_size;
	uint32_t ci = be32toh(__atomic_load_n(eq->dbrec, __ATOMIC_ACQUIRE)) &
		      0xffffff;
	struct hcasim_eqe *slot = &eq->ring[eq->count & (nent - 1)];
	uint8_t owner = (uint8_t)((eq->count >> eq->log_size) & 1);

	if (((eq->count - ci) & 0xffffff) >= nent)
		return false;
	memcpy(slot, e, offsetof(struct hcasim_eqe, owner));
	/* the owner bit last: the entry is whole when software sees it */
	__atomic_store_n(&slot->owner, owner, __ATOMIC_RELEASE);
	eq->count++;
	return true;
}
