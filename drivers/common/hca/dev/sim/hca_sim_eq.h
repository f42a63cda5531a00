/* SPDX-License-Identifier: BSD-3-Clause */

#ifndef HCA_SIM_EQ_H
#define HCA_SIM_EQ_H

/**
 * @file
 * The soft HCA port's event queue: a ring of this side (CREATE_EQ over
 * a UMEM) that the daemon writes entries into (hcasim_proto.h).
 */

#include "hca_cmdobj_port.h"
#include "hcasim_proto.h"

/** The port's event queue: a ring of this side, registered as a UMEM. */
struct hca_sim_eq {
	void *map;                          /**< ring, then consumer counter */
	size_t len;
	uint32_t umem;
	uint8_t eqn;                        /**< 0: none */
	uint8_t log_size;
	uint32_t ci;                        /**< entries consumed */
};

/**
 * Make the port's event queue (CREATE_EQ): a ring of 64 entries whose
 * owner bits start at 1, for port changes, QP and CQ errors.
 *
 * @return 0 or a negative errno
 */
int hca_sim_eq_create(struct hca_cmdobj_port *p, struct hca_sim_eq *q);

/**
 * Take the next entry of the port's event queue, if software owns it,
 * and give the slot back (the consumer counter after the ring).
 *
 * @param e  filled with the entry
 * @return 1, or 0 when there is none (or no EQ)
 */
int hca_sim_eq_next(struct hca_sim_eq *q, struct hcasim_eqe *e);

/** Unmap the ring (the daemon freed its side). */
void hca_sim_eq_free(struct hca_sim_eq *q);

#endif /* HCA_SIM_EQ_H */
