/* SPDX-License-Identifier: BSD-3-Clause */

#ifndef HCA_DEV_BACKEND_H
#define HCA_DEV_BACKEND_H

/**
 * @file
 * Private to the HCA layer: how hca_dev_dispatch.c dispatches the device
 * API to a backend (the soft HCA client, or a ConnectX through rdma-core's
 * DevX). Every
 * backend object starts with the common head below, so the generic code
 * finds the backend's operations from any object.
 */

#include <stdbool.h>

#include "hca_dev.h"

/** A backend's implementation of the device API. */
struct hca_dev_ops {
	const char *name;
	void (*close)(struct hca_dev *dev);
	int (*query)(struct hca_dev *dev, struct hca_dev_attr *attr);
	int (*alive)(struct hca_dev *dev);
	int (*event_fd)(struct hca_dev *dev);
	int (*event_poll)(struct hca_dev *dev, struct hca_event *ev);
	struct hca_pd *(*pd_alloc)(struct hca_dev *dev, int *err);
	int (*pd_free)(struct hca_pd *pd);
	int (*mr_reg)(struct hca_pd *pd, void *addr, size_t len, int fd,
		      off_t fd_off, struct hca_mr **mr);
	int (*mr_dereg)(struct hca_mr *mr);
	int (*cq_create)(struct hca_dev *dev, uint32_t min_cqe,
			 struct hca_cq **cq);
	int (*cq_destroy)(struct hca_cq *cq);
	int (*qp_create_ud)(struct hca_pd *pd,
			    const struct hca_qp_init_attr *attr,
			    struct hca_qp **qp);
	int (*qp_modify)(struct hca_qp *qp, enum hca_qp_state state,
			 uint32_t qkey, uint16_t pkey_index);
	int (*qp_attach_mcast)(struct hca_qp *qp, const union hca_gid *mgid,
			       uint16_t mlid);
	int (*qp_detach_mcast)(struct hca_qp *qp, const union hca_gid *mgid,
			       uint16_t mlid);
	int (*qp_destroy)(struct hca_qp *qp);
};

/** Head of every backend's device. */
struct hca_dev {
	const struct hca_dev_ops *ops;
};

/** Head of every backend's protection domain. */
struct hca_pd {
	struct hca_dev *dev;
};

/** Head of every backend's memory region (the public part first). */
struct hca_mr_obj {
	struct hca_mr pub;
	struct hca_dev *dev;
};

/** Head of what hca_cq.priv and hca_qp.priv point to. */
struct hca_obj_head {
	struct hca_dev *dev;
};

/** The soft HCA backend: open a port through the daemon at path. */
int hca_sim_dev_open(const char *path, const char *ca_name, int port,
		     struct hca_dev **dev);

/**
 * The DevX backend: open a port of a ConnectX through rdma-core.
 *
 * @param name  vfio false: the RDMA device's name (kernel route; NULL:
 *              the first device); vfio true: the function's PCI address
 *              (VFIO route)
 * @param port  port number, or 0 for port 1
 * @return 0, -ENODEV (no such device, logged with the route) or another
 *         negative errno
 */
int hca_devx_dev_open(const char *name, int port, bool vfio,
		      struct hca_dev **dev);

#endif /* HCA_DEV_BACKEND_H */
