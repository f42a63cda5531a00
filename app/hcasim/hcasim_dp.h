/* SPDX-License-Identifier: BSD-3-Clause */

#ifndef HCASIM_DP_H
#define HCASIM_DP_H

/**
 * @file
 * What the soft HCA's data path (hcasim_dp.c) shares with its QP 1 side
 * (hcasim_dp_gsi.c): the datagram in flight and its delivery.
 */

#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/uio.h>

#include "hcasim.h"
#include "hcasim_wqe.h"

/** A datagram being sent: its WQE as parsed, then routing state. */
struct hcasim_dp_pkt {
	struct hcasim_send s;              /**< the WQE (payload as sent) */
	struct hcasim_qp *sqp;
	struct hcasim_port *sport;
	uint16_t slid;
	uint16_t pkey;
	const struct iovec *out_iov;       /**< as received (after the wire) */
	int out_cnt;
	struct iovec bounce_iov;
	bool hashed;
	uint32_t hash;
	uint8_t hash_type;                 /**< the CQE's rx_hash_type */
};

/** Copy a gathered payload to dst. */
static inline void
hcasim_dp_payload_copy(uint8_t *dst, const struct hcasim_dp_pkt *p)
{
	int i;

	for (i = 0; i < p->out_cnt; i++) {
		memcpy(dst, p->out_iov[i].iov_base, p->out_iov[i].iov_len);
		dst += p->out_iov[i].iov_len;
	}
}

/**
 * Deliver a datagram to a QP: through its root flow table when one is
 * bound (the TIR's hash picks an RQ), else to the QP itself.
 *
 * @param dgid  the GRH's destination GID, or NULL for no GRH
 * @param hash  the RSS hash if already known
 */
void hcasim_dp_deliver(struct hcasim *h, struct hcasim_dp_pkt *p,
		       struct hcasim_qp *qp, const uint8_t *dgid,
		       uint32_t hash);

/** Hand a datagram to QPN 1 to the SA relay (see hcasim_dp_gsi.c). */
void hcasim_dp_gsi_send(struct hcasim *h, struct hcasim_dp_pkt *p);

/** Deliver the SA replies the relay queued; how many were handled. */
unsigned int hcasim_dp_gsi_deliver(struct hcasim *h);

#endif /* HCASIM_DP_H */
