/* SPDX-License-Identifier: BSD-3-Clause */

#ifndef HCA_CMDOBJ_RSS_H
#define HCA_CMDOBJ_RSS_H

/**
 * @file
 * The RSS children of a command-made QP, as ConnectX IPoIB makes its
 * queues:
 * SQs behind a TIS naming the parent, RQs behind the parent's TIR and
 * root flow table (hca_cmdobj_rss.c).
 */

#include "hca_cmdobj_port.h"

/** Most children of one parent (the RQ table this layer writes). */
#define HCA_CMDOBJ_RSS_MAX_CHILDREN 64

/**
 * How many RSS children one QP of the port can have: what QUERY_HCA_CAP
 * allows (hca_cmd_hca_cap_rss_queues()), at most
 * HCA_CMDOBJ_RSS_MAX_CHILDREN; 1 when the device has no RSS on UD (the
 * QP receives alone, no child can be made).
 */
uint32_t hca_cmdobj_rss_queues(const struct hca_cmdobj_port *p);

/**
 * Make an RSS child of attr->rss_parent: an SQ (through the parent's
 * TIS, made with the first child) and an RQ (added to the RQ table of
 * the parent's TIR, which its root flow table forwards to; all made with
 * the first child). From then on the parent itself receives nothing. A
 * parent of another device (connection) makes a forger: an SQ through a
 * TIS of its own naming that QP, an RQ that nothing steers to.
 *
 * @param q  the child, its ring not yet allocated
 * @return 0 or a negative errno
 */
int hca_cmdobj_rss_child_create(struct hca_cmdobj_port *p, struct cmdobj_qp *q,
			     uint32_t pdn,
			     const struct hca_qp_init_attr *attr);

/**
 * Move a child's SQ and RQ to follow a QP state: RESET both to RST; RTR
 * the RQ to RDY; RTS the SQ to RDY; ERR both to ERR; INIT nothing.
 *
 * @return 0 or a negative errno
 */
int hca_cmdobj_rss_child_modify(struct hca_cmdobj_port *p, struct cmdobj_qp *q,
			     enum hca_qp_state state);

/**
 * Destroy a child: out of its parent's RQ table (the steering goes with
 * the last child), then its RQ and SQ, then its ring.
 *
 * @return 0, or a negative errno (-ECONNRESET: the daemon is gone, the
 *         ring is freed without its UMEM)
 */
int hca_cmdobj_rss_child_destroy(struct hca_cmdobj_port *p, struct cmdobj_qp *q);

/**
 * Release a parent's TIS (its children are gone).
 *
 * @return 0, -EBUSY while it has children, or a negative errno
 */
int hca_cmdobj_rss_parent_release(struct hca_cmdobj_port *p, struct cmdobj_qp *q);

#endif /* HCA_CMDOBJ_RSS_H */
