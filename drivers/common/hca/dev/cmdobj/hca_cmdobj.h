/* SPDX-License-Identifier: BSD-3-Clause */

#ifndef HCA_CMDOBJ_H
#define HCA_CMDOBJ_H

/**
 * @file
 * Objects made with firmware commands as on a ConnectX (hca_cmd.h,
 * through the port's struct hca_cmd_transport): PDs (ALLOC_PD, or the
 * backend's hook), memory regions (a UMEM and CREATE_MKEY), CQs and UD
 * QPs whose rings and doorbell records this side allocates (queue
 * memory registered as UMEMs), QP state changes and multicast
 * attachment. The public structs (hca_cq, hca_qp) are filled as the
 * data path expects. A QP with an RSS parent is an SQ and an RQ behind
 * the parent's steering (hca_cmdobj_rss.h). Every backend that reaches
 * a device through firmware commands (the soft HCA, DevX) uses these.
 */

#include <stdbool.h>

#include "hca_cmdobj_port.h"

/**
 * Set up the object side of a port whose transport, hooks and port
 * fields are set: QUERY_HCA_CAP.
 *
 * @return 0 or a negative errno (logged)
 */
int hca_cmdobj_port_init(struct hca_cmdobj_port *p);

/**
 * Free this side of every object of a port (the device has freed, or
 * will free, its side) and what hca_cmdobj_port_init() set up.
 */
void hca_cmdobj_port_fini(struct hca_cmdobj_port *p);

/* The device API's object calls (struct hca_dev_ops). */

/** Allocate a PD (ALLOC_PD). */
struct hca_pd *hca_cmdobj_pd_alloc(struct hca_dev *dev, int *err);
/** Free a PD (DEALLOC_PD). */
int hca_cmdobj_pd_free(struct hca_pd *pd);
/** Register memory (hooks->umem_reg) and CREATE_MKEY over it. */
int hca_cmdobj_mr_reg(struct hca_pd *pd, void *addr, size_t len, int fd,
		   off_t fd_off, struct hca_mr **mr);
/** Deregister memory (DESTROY_MKEY, UMEM released). */
int hca_cmdobj_mr_dereg(struct hca_mr *mr);
/** Create a CQ over a ring of this side (CREATE_CQ). */
int hca_cmdobj_cq_create(struct hca_dev *dev, uint32_t min_cqe,
		      struct hca_cq **cq);
/** Destroy a CQ (DESTROY_CQ) and free its ring. */
int hca_cmdobj_cq_destroy(struct hca_cq *cq);
/** Create a UD QP in RESET over rings of this side (CREATE_QP). */
int hca_cmdobj_qp_create_ud(struct hca_pd *pd,
			 const struct hca_qp_init_attr *attr,
			 struct hca_qp **qp);
/** Move a QP to a state (RST2INIT, INIT2RTR, RTR2RTS, 2ERR, 2RST). */
int hca_cmdobj_qp_modify(struct hca_qp *qp, enum hca_qp_state state,
		      uint32_t qkey, uint16_t pkey_index);
/** Attach a QP to a multicast group (ATTACH_TO_MCG). */
int hca_cmdobj_qp_attach(struct hca_qp *qp, const union hca_gid *mgid,
		      uint16_t mlid);
/** Detach a QP from a multicast group (DETACH_FROM_MCG). */
int hca_cmdobj_qp_detach(struct hca_qp *qp, const union hca_gid *mgid,
		      uint16_t mlid);
/** Destroy a QP (DESTROY_QP) and free its rings. */
int hca_cmdobj_qp_destroy(struct hca_qp *qp);

#endif /* HCA_CMDOBJ_H */
