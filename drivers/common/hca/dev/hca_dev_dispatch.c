/* SPDX-License-Identifier: BSD-3-Clause */

/**
 * @file
 * The device API's front: picks a backend at hca_dev_open() (the soft HCA
 * when HCASIM_SOCKET names its socket, else a ConnectX through DevX: the
 * VFIO route for a name that is a PCI address, the kernel route for an
 * RDMA device's name) and dispatches every call to the backend that made
 * the object.
 */

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "hca_dev_backend.h"

/** The device a CQ or QP belongs to, from its backend state. */
static struct hca_dev *
owner_of(void *priv)
{
	return priv != NULL ? ((struct hca_obj_head *)priv)->dev : NULL;
}

/**
 * Whether a name is a PCI address in the form DDDD:BB:DD.F (hex digits),
 * as vfio-pci functions are named.
 */
bool
hca_dev_name_is_pci(const char *name)
{
	static const char form[] = "xxxx:xx:xx.x";
	size_t i;

	if (name == NULL || strlen(name) != sizeof(form) - 1)
		return false;
	for (i = 0; i < sizeof(form) - 1; i++)
		if (form[i] == 'x' ? !isxdigit((unsigned char)name[i]) :
		    name[i] != form[i])
			return false;
	return true;
}

/**
 * Open a port: the soft HCA when HCASIM_SOCKET is set; else DevX, by the
 * VFIO route when ca_name is a PCI address, by the kernel route
 * otherwise.
 */
int
hca_dev_open(const char *ca_name, int port, struct hca_dev **dev)
{
	const char *sock = getenv("HCASIM_SOCKET");

	if (dev == NULL || port < 0)
		return -EINVAL;
	if (sock != NULL && sock[0] != '\0')
		return hca_sim_dev_open(sock, ca_name, port, dev);
	return hca_devx_dev_open(ca_name, port, hca_dev_name_is_pci(ca_name),
				 dev);
}

/** Close a device and everything created on it. */
void
hca_dev_close(struct hca_dev *dev)
{
	if (dev != NULL)
		dev->ops->close(dev);
}

/** Read the port's attributes. */
int
hca_dev_query(struct hca_dev *dev, struct hca_dev_attr *attr)
{
	if (dev == NULL || attr == NULL)
		return -EINVAL;
	return dev->ops->query(dev, attr);
}

/** Whether the device is still there. */
int
hca_dev_alive(struct hca_dev *dev)
{
	return dev != NULL && dev->ops->alive(dev);
}

/** The fd that signals the device's events (see hca_dev.h). */
int
hca_dev_event_fd(struct hca_dev *dev)
{
	if (dev == NULL)
		return -EINVAL;
	return dev->ops->event_fd != NULL ? dev->ops->event_fd(dev) :
	       -ENOTSUP;
}

/** Take the device's next event without blocking (see hca_dev.h). */
int
hca_dev_event_poll(struct hca_dev *dev, struct hca_event *ev)
{
	if (dev == NULL || ev == NULL)
		return -EINVAL;
	return dev->ops->event_poll != NULL ? dev->ops->event_poll(dev, ev) :
	       -ENOTSUP;
}

/** Allocate a protection domain. */
struct hca_pd *
hca_pd_alloc(struct hca_dev *dev, int *err)
{
	if (dev == NULL) {
		if (err != NULL)
			*err = -EINVAL;
		return NULL;
	}
	return dev->ops->pd_alloc(dev, err);
}

/** Free a protection domain. */
int
hca_pd_free(struct hca_pd *pd)
{
	if (pd == NULL)
		return -EINVAL;
	return pd->dev->ops->pd_free(pd);
}

/** Register memory for DMA. */
int
hca_mr_reg(struct hca_pd *pd, void *addr, size_t len, int fd, off_t fd_off,
	   struct hca_mr **mr)
{
	if (pd == NULL || mr == NULL || len == 0)
		return -EINVAL;
	return pd->dev->ops->mr_reg(pd, addr, len, fd, fd_off, mr);
}

/** Deregister a region. */
int
hca_mr_dereg(struct hca_mr *mr)
{
	struct hca_mr_obj *o = (struct hca_mr_obj *)mr;

	if (mr == NULL)
		return -EINVAL;
	return o->dev->ops->mr_dereg(mr);
}

/** Create a CQ. */
int
hca_cq_create(struct hca_dev *dev, uint32_t min_cqe, struct hca_cq **cq)
{
	if (dev == NULL || cq == NULL || min_cqe == 0)
		return -EINVAL;
	return dev->ops->cq_create(dev, min_cqe, cq);
}

/** Destroy a CQ. */
int
hca_cq_destroy(struct hca_cq *cq)
{
	struct hca_dev *dev = cq != NULL ? owner_of(cq->priv) : NULL;

	if (dev == NULL)
		return -EINVAL;
	return dev->ops->cq_destroy(cq);
}

/** Create a UD QP. */
int
hca_qp_create_ud(struct hca_pd *pd, const struct hca_qp_init_attr *attr,
		 struct hca_qp **qp)
{
	if (pd == NULL || attr == NULL || qp == NULL ||
	    attr->send_cq == NULL || attr->recv_cq == NULL)
		return -EINVAL;
	return pd->dev->ops->qp_create_ud(pd, attr, qp);
}

/** Move a QP to a state. */
int
hca_qp_modify(struct hca_qp *qp, enum hca_qp_state state, uint32_t qkey,
	      uint16_t pkey_index)
{
	struct hca_dev *dev = qp != NULL ? owner_of(qp->priv) : NULL;

	if (dev == NULL)
		return -EINVAL;
	return dev->ops->qp_modify(qp, state, qkey, pkey_index);
}

/** Attach a QP to a multicast group. */
int
hca_qp_attach_mcast(struct hca_qp *qp, const union hca_gid *mgid,
		    uint16_t mlid)
{
	struct hca_dev *dev = qp != NULL ? owner_of(qp->priv) : NULL;

	if (dev == NULL || mgid == NULL)
		return -EINVAL;
	return dev->ops->qp_attach_mcast(qp, mgid, mlid);
}

/** Detach a QP from a multicast group. */
int
hca_qp_detach_mcast(struct hca_qp *qp, const union hca_gid *mgid,
		    uint16_t mlid)
{
	struct hca_dev *dev = qp != NULL ? owner_of(qp->priv) : NULL;

	if (dev == NULL || mgid == NULL)
		return -EINVAL;
	return dev->ops->qp_detach_mcast(qp, mgid, mlid);
}

/** Destroy a QP. */
int
hca_qp_destroy(struct hca_qp *qp)
{
	struct hca_dev *dev = qp != NULL ? owner_of(qp->priv) : NULL;

	if (dev == NULL)
		return -EINVAL;
	return dev->ops->qp_destroy(qp);
}
