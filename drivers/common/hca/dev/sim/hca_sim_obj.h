/* SPDX-License-Identifier: BSD-3-Clause */

#ifndef HCA_SIM_OBJ_H
#define HCA_SIM_OBJ_H

/**
 * @file
 * The soft HCA backend's objects, made with firmware commands as on a
 * ConnectX (hca_cmd.h through hca_sim_transport.h): PDs (ALLOC_PD),
 * memory regions (a UMEM and CREATE_MKEY), CQs and UD QPs whose rings
 * and doorbell records this side allocates (sealed memfds, mapped here,
 * registered as UMEMs), QP state changes and multicast attachment. The
 * public structs (hca_cq, hca_qp) are filled as the data path expects.
 * A QP with an RSS parent is an SQ and an RQ behind the parent's
 * steering (hca_sim_rss.h).
 */

#include <stdbool.h>

#include "hca_sim_port.h"


/**
 * Set up the object side of a port whose connection is open: the command
 * transport over call/lost/conn, then QUERY_HCA_CAP.
 *
 * @return 0 or a negative errno (logged)
 */
int hca_sim_port_init(struct hca_sim_port *p, hca_sim_call_fn call,
		      hca_sim_lost_fn lost, void *conn);

/**
 * Free this side of every object of a port (its connection is closed:
 * the daemon has freed its side) and what hca_sim_port_init() set up.
 */
void hca_sim_port_fini(struct hca_sim_port *p);

/**
 * Make the port's event queue (CREATE_EQ): a ring of 64 entries whose
 * owner bits start at 1, for port changes, QP and CQ errors.
 *
 * @return 0 or a negative errno
 */
int hca_sim_eq_create(struct hca_sim_port *p);

/**
 * Take the next entry of the port's event queue, if software owns it,
 * and give the slot back (the consumer counter after the ring).
 *
 * @param e  filled with the entry
 * @return 1, or 0 when there is none (or no EQ)
 */
int hca_sim_eq_next(struct hca_sim_port *p, struct hcasim_eqe *e);

/* The device API's object calls (struct hca_dev_ops). */

/** Allocate a PD (ALLOC_PD). */
struct hca_pd *hca_sim_pd_alloc(struct hca_dev *dev, int *err);
/** Free a PD (DEALLOC_PD). */
int hca_sim_pd_free(struct hca_pd *pd);
/** Register memory behind fd: a UMEM and CREATE_MKEY over it. */
int hca_sim_mr_reg(struct hca_pd *pd, void *addr, size_t len, int fd,
		   off_t fd_off, struct hca_mr **mr);
/** Deregister memory (DESTROY_MKEY, UMEM released). */
int hca_sim_mr_dereg(struct hca_mr *mr);
/** Create a CQ over a ring of this side (CREATE_CQ). */
int hca_sim_cq_create(struct hca_dev *dev, uint32_t min_cqe,
		      struct hca_cq **cq);
/** Destroy a CQ (DESTROY_CQ) and free its ring. */
int hca_sim_cq_destroy(struct hca_cq *cq);
/** Create a UD QP in RESET over rings of this side (CREATE_QP). */
int hca_sim_qp_create_ud(struct hca_pd *pd,
			 const struct hca_qp_init_attr *attr,
			 struct hca_qp **qp);
/** Move a QP to a state (RST2INIT, INIT2RTR, RTR2RTS, 2ERR, 2RST). */
int hca_sim_qp_modify(struct hca_qp *qp, enum hca_qp_state state,
		      uint32_t qkey, uint16_t pkey_index);
/** Attach a QP to a multicast group (ATTACH_TO_MCG). */
int hca_sim_qp_attach(struct hca_qp *qp, const union hca_gid *mgid,
		      uint16_t mlid);
/** Detach a QP from a multicast group (DETACH_FROM_MCG). */
int hca_sim_qp_detach(struct hca_qp *qp, const union hca_gid *mgid,
		      uint16_t mlid);
/** Destroy a QP (DESTROY_QP) and free its rings. */
int hca_sim_qp_destroy(struct hca_qp *qp);

#endif /* HCA_SIM_OBJ_H */
