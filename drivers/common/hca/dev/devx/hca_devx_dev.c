/* SPDX-License-Identifier: BSD-3-Clause */

/**
 * @file
 * The device API's DevX backend: a ConnectX reached through rdma-core,
 * on one of two routes.
 *  - Kernel route (mlx5_ib bound, ib0 may stay up): ibv_get_device_list(),
 *    the device by name, mlx5dv_open_device() with
 *    MLX5DV_CONTEXT_FLAGS_DEVX.
 *  - VFIO route (the function bound to vfio-pci):
 *    mlx5dv_get_vfio_device_list() for the PCI address, ibv_open_device();
 *    rdma-core brings the firmware up and maps DMA through the IOMMU.
 * Then the same on both: the command transport (hca_devx_transport.h),
 * a UAR (mlx5dv_devx_alloc_uar(): its page for CREATE_CQ and CREATE_QP,
 * its register for the data path's doorbells, hca_qp.bf_reg), EQ vector
 * 0 for the CQs (mlx5dv_devx_query_eqn()), PDs with ibv_alloc_pd() and
 * their numbers from mlx5dv_init_obj(), and every other object made by
 * the firmware commands of dev/cmdobj. Queue memory is page-aligned
 * process memory registered by address (mlx5dv_devx_umem_reg()).
 *
 * Written against rdma-core 44's API; no ConnectX has run it yet.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <infiniband/mlx5dv.h>
#include <infiniband/verbs.h>

#include "hca_cmdobj.h"
#include "hca_cmdobj_query.h"
#include "hca_dev_backend.h"
#include "hca_devx_event.h"
#include "hca_devx_transport.h"
#include "hca_log.h"

/** An open port of a ConnectX through DevX. */
struct devx_dev {
	struct hca_cmdobj_port port;     /**< first: the objects' view */
	struct hca_devx_transport dt;    /**< port.cmd's state */
	struct ibv_context *ctx;
	struct mlx5dv_devx_uar *uar;
};

static const struct hca_dev_ops devx_ops;

/****************************************************************************
 * Hooks of the command-made objects
 ****************************************************************************/

/** A PD: ibv_alloc_pd(), its number from mlx5dv_init_obj(). */
static int
devx_pd_alloc(struct hca_cmdobj_port *p, uint32_t *pdn, void **handle)
{
	struct devx_dev *d = (struct devx_dev *)p;
	struct mlx5dv_pd dv_pd;
	struct mlx5dv_obj obj;
	struct ibv_pd *pd;
	int ret;

	pd = ibv_alloc_pd(d->ctx);
	if (pd == NULL) {
		ret = errno > 0 ? -errno : -ENOMEM;
		HCA_LOG(ERR, "%s: ibv_alloc_pd failed: %s", p->ca_name,
			strerror(-ret));
		return ret;
	}
	memset(&obj, 0, sizeof(obj));
	obj.pd.in = pd;
	obj.pd.out = &dv_pd;
	ret = mlx5dv_init_obj(&obj, MLX5DV_OBJ_PD);
	if (ret != 0) {
		HCA_LOG(ERR, "%s: mlx5dv_init_obj(PD) failed: %s",
			p->ca_name, strerror(ret > 0 ? ret : -ret));
		ibv_dealloc_pd(pd);
		return ret > 0 ? -ret : ret;
	}
	*pdn = dv_pd.pdn;
	*handle = pd;
	return 0;
}

/** Free a PD of devx_pd_alloc(). */
static int
devx_pd_free(struct hca_cmdobj_port *p, uint32_t pdn, void *handle)
{
	int ret = ibv_dealloc_pd(handle);

	(void)pdn;
	(void)p;
	return ret > 0 ? -ret : ret;
}

/** DevX's hooks: default queue memory and registration by address. */
static const struct hca_cmdobj_hooks devx_hooks = {
	.pd_alloc = devx_pd_alloc,
	.pd_free = devx_pd_free,
};

/****************************************************************************
 * Opening a device
 ****************************************************************************/

/**
 * Kernel route: the RDMA device named ca_name (the first one when NULL)
 * opened for DevX.
 *
 * @return the context, or NULL with *err (-ENODEV: no such device)
 */
static struct ibv_context *
open_kernel(const char *ca_name, int *err)
{
	struct mlx5dv_context_attr attr = {
		.flags = MLX5DV_CONTEXT_FLAGS_DEVX };
	struct ibv_device **list = ibv_get_device_list(NULL);
	struct ibv_context *ctx = NULL;
	int i;

	*err = -ENODEV;
	for (i = 0; list != NULL && list[i] != NULL; i++)
		if (ca_name == NULL ||
		    strcmp(ibv_get_device_name(list[i]), ca_name) == 0)
			break;
	if (list == NULL || list[i] == NULL) {
		if (ca_name != NULL)
			HCA_LOG(ERR, "%s: no such RDMA device (kernel route, "
				"ibdev=)", ca_name);
		else
			HCA_LOG(ERR, "no RDMA device at all (kernel route, "
				"ibdev= not given)");
		goto out;
	}
	ctx = mlx5dv_open_device(list[i], &attr);
	if (ctx == NULL) {
		*err = errno > 0 ? -errno : -EOPNOTSUPP;
		HCA_LOG(ERR, "%s: cannot open for DevX: %s (kernel route, "
			"ibdev=; a ConnectX with mlx5_ib?)",
			ibv_get_device_name(list[i]), strerror(-*err));
	}
out:
	if (list != NULL)
		ibv_free_device_list(list);
	return ctx;
}

/**
 * VFIO route: the ConnectX function at a PCI address bound to
 * vfio-pci, opened (rdma-core brings its firmware up).
 *
 * @return the context, or NULL with *err (-ENODEV: no such function)
 */
static struct ibv_context *
open_vfio(const char *pci, int *err)
{
	struct mlx5dv_vfio_context_attr attr = { .pci_name = pci };
	struct ibv_device **list = mlx5dv_get_vfio_device_list(&attr);
	struct ibv_context *ctx = NULL;

	*err = -ENODEV;
	if (list == NULL || list[0] == NULL) {
		HCA_LOG(ERR, "%s: no ConnectX function bound to vfio-pci "
			"(VFIO route, pci=)", pci);
		goto out;
	}
	ctx = ibv_open_device(list[0]);
	if (ctx == NULL) {
		*err = errno > 0 ? -errno : -EIO;
		HCA_LOG(ERR, "%s: cannot open: %s (VFIO route, pci=)", pci,
			strerror(-*err));
	}
out:
	if (list != NULL)
		ibv_free_device_list(list);
	return ctx;
}

/**
 * Set up an open context as a port: transport, UAR, EQ vector 0, the
 * objects' port (QUERY_HCA_CAP).
 */
static int
devx_port_setup(struct devx_dev *d, const char *name, int port, bool vfio)
{
	struct hca_cmdobj_port *p = &d->port;
	uint32_t eqn = 0;
	int ret;

	p->base.ops = &devx_ops;
	p->hooks = &devx_hooks;
	p->backend = vfio ? "devx-vfio" : "devx";
	snprintf(p->ca_name, sizeof(p->ca_name), "%s", name);
	p->port_num = port > 0 ? (uint32_t)port : 1;
	ret = hca_devx_transport_init(&p->cmd, &d->dt, d->ctx, vfio,
				      (uint8_t)p->port_num);
	if (ret < 0)
		return ret;
	d->uar = mlx5dv_devx_alloc_uar(d->ctx, 0);
	if (d->uar == NULL) {
		ret = errno > 0 ? -errno : -ENOMEM;
		HCA_LOG(ERR, "%s: no UAR: %s", name, strerror(-ret));
		goto fail;
	}
	p->uar_page = d->uar->page_id;
	p->bf_reg = d->uar->reg_addr;
	ret = mlx5dv_devx_query_eqn(d->ctx, 0, &eqn);
	if (ret != 0) {
		ret = ret > 0 ? -ret : ret;
		HCA_LOG(ERR, "%s: no EQ for completions: %s", name,
			strerror(-ret));
		goto fail;
	}
	p->c_eqn = (uint8_t)eqn;
	ret = hca_cmdobj_port_init(p);
	if (ret == 0) {
		hca_devx_transport_set_tables(&d->dt, p->cap.gid_table_len,
					      p->cap.pkey_table_len);
		return 0;
	}
fail:
	if (d->uar != NULL)
		mlx5dv_devx_free_uar(d->uar);
	d->uar = NULL;
	hca_devx_transport_release(&d->dt);
	hca_devx_transport_fini(&d->dt);
	return ret;
}

/* See hca_dev_backend.h. */
int
hca_devx_dev_open(const char *name, int port, bool vfio,
		  struct hca_dev **dev)
{
	struct devx_dev *d;
	int ret;

	if (vfio && name == NULL)
		return -EINVAL;
	d = calloc(1, sizeof(*d));
	if (d == NULL)
		return -ENOMEM;
	d->ctx = vfio ? open_vfio(name, &ret) : open_kernel(name, &ret);
	if (d->ctx == NULL) {
		free(d);
		return ret;
	}
	ret = devx_port_setup(d, name != NULL ? name :
			      ibv_get_device_name(d->ctx->device), port,
			      vfio);
	if (ret < 0) {
		ibv_close_device(d->ctx);
		free(d);
		return ret;
	}
	*dev = &d->port.base;
	return 0;
}

/****************************************************************************
 * Device operations
 ****************************************************************************/

/**
 * Free the PDs still allocated (ibv_dealloc_pd(); their numbers stay in
 * this side's structs, which hca_cmdobj_port_fini() frees).
 */
static void
devx_free_pds(struct devx_dev *d)
{
	struct hca_cmdobj_link *l;

	for (l = d->port.objs.next; l != &d->port.objs; l = l->next) {
		struct cmdobj_pd *pd;

		if (l->kind != HCA_CMDOBJ_PD)
			continue;
		pd = CMDOBJ_OF(l, struct cmdobj_pd, link);
		if (pd->handle != NULL && ibv_dealloc_pd(pd->handle) != 0)
			HCA_LOG(WARNING, "%s: PD 0x%x not freed at close",
				d->port.ca_name, pd->pdn);
		pd->handle = NULL;
	}
}

/**
 * Close, in the reverse order of what was made: the objects still kept
 * (newest first, each taking its event subscriptions along), the UMEMs,
 * the PDs, the UAR, the event channel, then the context, then this
 * side's structs and queue memory.
 */
static void
devx_close(struct hca_dev *dev)
{
	struct devx_dev *d = (struct devx_dev *)dev;

	hca_devx_transport_release(&d->dt);
	devx_free_pds(d);
	mlx5dv_devx_free_uar(d->uar);
	hca_devx_transport_fini(&d->dt);
	ibv_close_device(d->ctx);
	hca_cmdobj_port_fini(&d->port);
	free(d);
}

/**
 * Whether the device is alive: no IBV_EVENT_DEVICE_FATAL (kernel route)
 * and no failure of mlx5dv_vfio_process_events() (VFIO route) seen by
 * the event poll.
 */
static int
devx_alive(struct hca_dev *dev)
{
	struct devx_dev *d = (struct devx_dev *)dev;

	return hca_devx_transport_alive(&d->dt);
}

/** The transport's event fd. */
static int
devx_event_fd(struct hca_dev *dev)
{
	struct devx_dev *d = (struct devx_dev *)dev;

	return d->port.cmd.ops->event_fd(d->port.cmd.ctx);
}

/**
 * The QP number the device API knows an RQ by: an RSS child's is its
 * SQ's (hca_qp.qpn); the RQN itself when no child has it.
 */
static uint32_t
qpn_of_rq(struct devx_dev *d, uint32_t rqn)
{
	struct hca_cmdobj_port *p = &d->port;
	struct hca_cmdobj_link *l;
	uint32_t qpn = rqn;

	pthread_mutex_lock(&p->obj_lock);
	for (l = p->objs.next; l != &p->objs; l = l->next) {
		struct cmdobj_qp *q;

		if (l->kind != HCA_CMDOBJ_QP)
			continue;
		q = CMDOBJ_OF(l, struct cmdobj_qp, link);
		if (q->parent != NULL && q->rqn == rqn) {
			qpn = q->qp.qpn;
			break;
		}
	}
	pthread_mutex_unlock(&p->obj_lock);
	return qpn;
}

/**
 * Take the next event: one EQE from the transport (a port change, a QP,
 * SQ, RQ or CQ error), decoded as the soft HCA's backend decodes them.
 *
 * @return 1, 0 (none now) or a negative errno (the device is dead)
 */
static int
devx_event_poll(struct hca_dev *dev, struct hca_event *ev)
{
	struct devx_dev *d = (struct devx_dev *)dev;
	uint8_t eqe[HCA_CMD_EQE_LEN];
	int ret;

	ret = d->port.cmd.ops->event_read(d->port.cmd.ctx, eqe, sizeof(eqe));
	if (ret <= 0)
		return ret;
	hca_devx_eqe_decode(eqe, (uint8_t)d->port.port_num, ev);
	if ((ev->type == HCA_EVENT_QP_FATAL ||
	     ev->type == HCA_EVENT_QP_ACCESS_ERR) &&
	    hca_devx_eqe_wq_type(eqe) == HCA_EQE_WQ_TYPE_RQ)
		ev->obj_num = qpn_of_rq(d, ev->obj_num);
	return 1;
}

/** The DevX backend. */
static const struct hca_dev_ops devx_ops = {
	.name = "devx",
	.close = devx_close,
	.query = hca_cmdobj_query,
	.alive = devx_alive,
	.event_fd = devx_event_fd,
	.event_poll = devx_event_poll,
	.pd_alloc = hca_cmdobj_pd_alloc,
	.pd_free = hca_cmdobj_pd_free,
	.mr_reg = hca_cmdobj_mr_reg,
	.mr_dereg = hca_cmdobj_mr_dereg,
	.cq_create = hca_cmdobj_cq_create,
	.cq_destroy = hca_cmdobj_cq_destroy,
	.qp_create_ud = hca_cmdobj_qp_create_ud,
	.qp_modify = hca_cmdobj_qp_modify,
	.qp_attach_mcast = hca_cmdobj_qp_attach,
	.qp_detach_mcast = hca_cmdobj_qp_detach,
	.qp_destroy = hca_cmdobj_qp_destroy,
};
