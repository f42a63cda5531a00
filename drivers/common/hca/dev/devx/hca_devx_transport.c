/* SPDX-License-Identifier: BSD-3-Clause */

/**
 * @file
 * The firmware command transport over rdma-core's DevX (see
 * hca_devx_transport.h).
 */

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <infiniband/mlx5dv.h>

#include "hca_devx_transport.h"

/** IB PortState: Active. */
#define PORT_STATE_ACTIVE 4

/** Kinds of objects, for the keys of kept handles. */
enum devx_kind {
	DEVX_NONE, DEVX_MKEY, DEVX_EQ, DEVX_CQ, DEVX_QP, DEVX_PD, DEVX_TIR,
	DEVX_SQ, DEVX_RQ, DEVX_TIS, DEVX_RQT, DEVX_FT, DEVX_FG, DEVX_FTE,
};

/** Where a command names its object. */
enum devx_id {
	ID_OUT_NUM,    /**< the output's dword 2 (a create's new number) */
	ID_IN_NUM,     /**< the input's dword 2 (24 bits) */
	ID_IN_FT,      /**< the input's table_id (bytes 24..27) */
	ID_IN_FG_OUT,  /**< table_id, and the output's group_id */
	ID_IN_FG,      /**< table_id and the input's group_id (28..31) */
	ID_IN_FTE,     /**< table_id and the input's flow_index (32..35) */
};

/** How one opcode is carried. */
struct devx_rule {
	uint16_t opcode;
	char route;            /**< 'c', 'd', 'm', 'q' (object query) */
	uint8_t kind;          /**< enum devx_kind */
	uint8_t id;            /**< enum devx_id */
};

/** Every opcode that is not a general command. */
static const struct devx_rule devx_rules[] = {
	{ HCA_CMD_CREATE_MKEY, 'c', DEVX_MKEY, ID_OUT_NUM },
	{ HCA_CMD_DESTROY_MKEY, 'd', DEVX_MKEY, ID_IN_NUM },
	{ HCA_CMD_CREATE_EQ, 'c', DEVX_EQ, ID_OUT_NUM },
	{ HCA_CMD_DESTROY_EQ, 'd', DEVX_EQ, ID_IN_NUM },
	{ HCA_CMD_CREATE_CQ, 'c', DEVX_CQ, ID_OUT_NUM },
	{ HCA_CMD_DESTROY_CQ, 'd', DEVX_CQ, ID_IN_NUM },
	{ HCA_CMD_QUERY_CQ, 'q', DEVX_CQ, ID_IN_NUM },
	{ HCA_CMD_CREATE_QP, 'c', DEVX_QP, ID_OUT_NUM },
	{ HCA_CMD_DESTROY_QP, 'd', DEVX_QP, ID_IN_NUM },
	{ HCA_CMD_RST2INIT_QP, 'm', DEVX_QP, ID_IN_NUM },
	{ HCA_CMD_INIT2RTR_QP, 'm', DEVX_QP, ID_IN_NUM },
	{ HCA_CMD_RTR2RTS_QP, 'm', DEVX_QP, ID_IN_NUM },
	{ HCA_CMD_2ERR_QP, 'm', DEVX_QP, ID_IN_NUM },
	{ HCA_CMD_2RST_QP, 'm', DEVX_QP, ID_IN_NUM },
	{ HCA_CMD_QUERY_QP, 'q', DEVX_QP, ID_IN_NUM },
	{ HCA_CMD_ATTACH_TO_MCG, 'm', DEVX_QP, ID_IN_NUM },
	{ HCA_CMD_DETACH_FROM_MCG, 'm', DEVX_QP, ID_IN_NUM },
	{ HCA_CMD_ALLOC_PD, 'c', DEVX_PD, ID_OUT_NUM },
	{ HCA_CMD_DEALLOC_PD, 'd', DEVX_PD, ID_IN_NUM },
	{ HCA_CMD_CREATE_TIR, 'c', DEVX_TIR, ID_OUT_NUM },
	{ HCA_CMD_DESTROY_TIR, 'd', DEVX_TIR, ID_IN_NUM },
	{ HCA_CMD_CREATE_SQ, 'c', DEVX_SQ, ID_OUT_NUM },
	{ HCA_CMD_MODIFY_SQ, 'm', DEVX_SQ, ID_IN_NUM },
	{ HCA_CMD_DESTROY_SQ, 'd', DEVX_SQ, ID_IN_NUM },
	{ HCA_CMD_CREATE_RQ, 'c', DEVX_RQ, ID_OUT_NUM },
	{ HCA_CMD_MODIFY_RQ, 'm', DEVX_RQ, ID_IN_NUM },
	{ HCA_CMD_DESTROY_RQ, 'd', DEVX_RQ, ID_IN_NUM },
	{ HCA_CMD_CREATE_TIS, 'c', DEVX_TIS, ID_OUT_NUM },
	{ HCA_CMD_DESTROY_TIS, 'd', DEVX_TIS, ID_IN_NUM },
	{ HCA_CMD_CREATE_RQT, 'c', DEVX_RQT, ID_OUT_NUM },
	{ HCA_CMD_MODIFY_RQT, 'm', DEVX_RQT, ID_IN_NUM },
	{ HCA_CMD_DESTROY_RQT, 'd', DEVX_RQT, ID_IN_NUM },
	{ HCA_CMD_CREATE_FLOW_TABLE, 'c', DEVX_FT, ID_OUT_NUM },
	{ HCA_CMD_SET_FLOW_TABLE_ROOT, 'm', DEVX_FT, ID_IN_FT },
	{ HCA_CMD_DESTROY_FLOW_TABLE, 'd', DEVX_FT, ID_IN_FT },
	{ HCA_CMD_CREATE_FLOW_GROUP, 'c', DEVX_FG, ID_IN_FG_OUT },
	{ HCA_CMD_DESTROY_FLOW_GROUP, 'd', DEVX_FG, ID_IN_FG },
	{ HCA_CMD_SET_FLOW_TABLE_ENTRY, 'c', DEVX_FTE, ID_IN_FTE },
	{ HCA_CMD_DELETE_FLOW_TABLE_ENTRY, 'd', DEVX_FTE, ID_IN_FTE },
};

/** A handle kept for a command-made object. */
struct hca_devx_obj {
	struct hca_devx_obj *next;
	uint8_t kind;
	uint64_t key;
	struct mlx5dv_devx_obj *obj;
};

/** A kept registration. */
struct hca_devx_umem {
	struct hca_devx_umem *next;
	struct mlx5dv_devx_umem *umem;
};

/** A big-endian dword at byte off of a mailbox. */
static uint32_t
be32_at(const void *mbox, size_t off)
{
	const uint8_t *p = (const uint8_t *)mbox + off;

	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

/** The rule of an opcode, NULL for a general command. */
static const struct devx_rule *
rule_of(uint16_t opcode)
{
	size_t i;

	for (i = 0; i < sizeof(devx_rules) / sizeof(devx_rules[0]); i++)
		if (devx_rules[i].opcode == opcode)
			return &devx_rules[i];
	return NULL;
}

/* See hca_devx_transport.h. */
char
hca_devx_cmd_route(uint16_t opcode)
{
	const struct devx_rule *r = rule_of(opcode);

	return r == NULL ? 'g' : r->route == 'q' ? 'm' : r->route;
}

/**
 * The key of the object a command names (see enum devx_id).
 *
 * @param out  the output, for ID_OUT_NUM and ID_IN_FG_OUT
 */
static uint64_t
key_of(const struct devx_rule *r, const void *in, const void *out)
{
	switch (r->id) {
	case ID_OUT_NUM:
		return be32_at(out, 8) & 0xffffff;
	case ID_IN_NUM:
		return be32_at(in, 8) & 0xffffff;
	case ID_IN_FT:
		return be32_at(in, 24) & 0xffffff;
	case ID_IN_FG_OUT:
		return (uint64_t)(be32_at(in, 24) & 0xffffff) << 32 |
		       be32_at(out, 8);
	case ID_IN_FG:
		return (uint64_t)(be32_at(in, 24) & 0xffffff) << 32 |
		       be32_at(in, 28);
	default:
		return (uint64_t)(be32_at(in, 24) & 0xffffff) << 32 |
		       be32_at(in, 32);
	}
}

/** Find (and with take, unlink) a kept handle. */
static struct hca_devx_obj *
obj_find(struct hca_devx_transport *dt, uint8_t kind, uint64_t key,
	 bool take)
{
	struct hca_devx_obj **pp, *o;

	for (pp = &dt->objs; (o = *pp) != NULL; pp = &o->next)
		if (o->kind == kind && o->key == key) {
			if (take)
				*pp = o->next;
			return o;
		}
	return NULL;
}

/**
 * The result of a failed DevX call: the output's length when the
 * firmware answered (its status is the caller's to read), else -errno.
 */
static int
failed(int err, const void *out, size_t out_len)
{
	if (out_len >= HCA_OUT_HDR_LEN && ((const uint8_t *)out)[0] != 0)
		return (int)out_len;
	return err > 0 ? -err : -EIO;
}

/** A create: mlx5dv_devx_obj_create(), the handle kept by its key. */
static int
exec_create(struct hca_devx_transport *dt, const struct devx_rule *r,
	    const void *in, size_t in_len, void *out, size_t out_len)
{
	struct hca_devx_obj *o = calloc(1, sizeof(*o));

	if (o == NULL)
		return -ENOMEM;
	o->obj = mlx5dv_devx_obj_create(dt->ctx, in, in_len, out, out_len);
	if (o->obj == NULL) {
		int err = errno;

		free(o);
		return failed(err, out, out_len);
	}
	o->kind = r->kind;
	o->key = key_of(r, in, out);
	pthread_mutex_lock(&dt->lock);
	o->next = dt->objs;
	dt->objs = o;
	pthread_mutex_unlock(&dt->lock);
	return (int)out_len;
}

/**
 * A destroy: mlx5dv_devx_obj_destroy() of the kept handle, and an
 * output of status OK.
 */
static int
exec_destroy(struct hca_devx_transport *dt, const struct devx_rule *r,
	     const void *in, void *out, size_t out_len)
{
	uint64_t key = key_of(r, in, NULL);
	struct hca_devx_obj *o;
	int ret;

	pthread_mutex_lock(&dt->lock);
	o = obj_find(dt, r->kind, key, true);
	pthread_mutex_unlock(&dt->lock);
	if (o == NULL)
		return -ENOENT;
	ret = mlx5dv_devx_obj_destroy(o->obj);
	if (ret != 0) {
		pthread_mutex_lock(&dt->lock);
		o->next = dt->objs;
		dt->objs = o;
		pthread_mutex_unlock(&dt->lock);
		return ret > 0 ? -ret : ret;
	}
	free(o);
	if (out_len > HCA_OUT_HDR_LEN)
		out_len = HCA_OUT_HDR_LEN;
	memset(out, 0, out_len);
	return (int)out_len;
}

/** A modify or an object query through the object's kept handle. */
static int
exec_on_obj(struct hca_devx_transport *dt, const struct devx_rule *r,
	    const void *in, size_t in_len, void *out, size_t out_len)
{
	struct hca_devx_obj *o;
	int ret;

	pthread_mutex_lock(&dt->lock);
	o = obj_find(dt, r->kind, key_of(r, in, NULL), false);
	pthread_mutex_unlock(&dt->lock);
	if (o == NULL)
		return -ENOENT;
	ret = r->route == 'q' ?
	      mlx5dv_devx_obj_query(o->obj, in, in_len, out, out_len) :
	      mlx5dv_devx_obj_modify(o->obj, in, in_len, out, out_len);
	return ret == 0 ? (int)out_len : failed(ret, out, out_len);
}

/** exec: the DevX call for the opcode. @return output bytes or -errno. */
static int
devx_exec(void *ctx, const void *in, size_t in_len, void *out,
	  size_t out_len)
{
	struct hca_devx_transport *dt = ctx;
	const struct devx_rule *r;
	int ret;

	if (in_len < 8 || out_len < HCA_OUT_HDR_LEN)
		return -EINVAL;
	memset(out, 0, out_len);
	r = rule_of((uint16_t)(be32_at(in, 0) >> 16));
	if (r == NULL) {
		ret = mlx5dv_devx_general_cmd(dt->ctx, in, in_len, out,
					      out_len);
		return ret == 0 ? (int)out_len : failed(ret, out, out_len);
	}
	switch (r->route) {
	case 'c':
		return exec_create(dt, r, in, in_len, out, out_len);
	case 'd':
		return exec_destroy(dt, r, in, out, out_len);
	default:
		return exec_on_obj(dt, r, in, in_len, out, out_len);
	}
}

/** umem_reg: mlx5dv_devx_umem_reg() by address. */
static int
devx_umem_reg(void *ctx, void *addr, size_t len, uint32_t access,
	      uint32_t *umem_id)
{
	struct hca_devx_transport *dt = ctx;
	struct hca_devx_umem *u = calloc(1, sizeof(*u));
	uint32_t ibv_access = 0;

	if (u == NULL)
		return -ENOMEM;
	if (access & HCA_CMD_ACCESS_LOCAL_WRITE)
		ibv_access |= IBV_ACCESS_LOCAL_WRITE;
	if (access & HCA_CMD_ACCESS_REMOTE_WRITE)
		ibv_access |= IBV_ACCESS_REMOTE_WRITE;
	if (access & HCA_CMD_ACCESS_REMOTE_READ)
		ibv_access |= IBV_ACCESS_REMOTE_READ;
	u->umem = mlx5dv_devx_umem_reg(dt->ctx, addr, len, ibv_access);
	if (u->umem == NULL) {
		int err = errno;

		free(u);
		return err > 0 ? -err : -EIO;
	}
	*umem_id = u->umem->umem_id;
	pthread_mutex_lock(&dt->lock);
	u->next = dt->umems;
	dt->umems = u;
	pthread_mutex_unlock(&dt->lock);
	return 0;
}

/** umem_dereg: mlx5dv_devx_umem_dereg() of the kept registration. */
static int
devx_umem_dereg(void *ctx, uint32_t umem_id)
{
	struct hca_devx_transport *dt = ctx;
	struct hca_devx_umem **pp, *u;
	int ret;

	pthread_mutex_lock(&dt->lock);
	for (pp = &dt->umems; (u = *pp) != NULL; pp = &u->next)
		if (u->umem->umem_id == umem_id) {
			*pp = u->next;
			break;
		}
	pthread_mutex_unlock(&dt->lock);
	if (u == NULL)
		return -ENOENT;
	ret = mlx5dv_devx_umem_dereg(u->umem);
	free(u);
	return ret > 0 ? -ret : ret;
}

/** event_fd: the async fd (kernel route) or the VFIO events fd. */
static int
devx_event_fd(void *ctx)
{
	struct hca_devx_transport *dt = ctx;

	return dt->vfio ? mlx5dv_vfio_get_events_fd(dt->ctx) :
	       dt->ctx->async_fd;
}

/** Fill a PORT_CHANGE entry of the PRM's layout. */
static void
eqe_port_change(uint8_t *eqe, uint8_t sub_type, uint8_t port)
{
	memset(eqe, 0, HCA_CMD_EQE_LEN);
	eqe[HCA_EQE_TYPE_OFF] = HCA_EQE_TYPE_PORT_CHANGE;
	eqe[HCA_EQE_SUB_TYPE_OFF] = sub_type;
	eqe[HCA_EQE_DATA_OFF + HCA_EQE_PORT_BYTE] =
		(uint8_t)(port << HCA_EQE_PORT_SHIFT);
}

/** The PORT_CHANGE sub type of a verbs async event, 0 for none. */
static uint8_t
sub_type_of(enum ibv_event_type t)
{
	switch (t) {
	case IBV_EVENT_PORT_ACTIVE:
		return HCA_EQE_PORT_ACTIVE;
	case IBV_EVENT_PORT_ERR:
		return HCA_EQE_PORT_DOWN;
	case IBV_EVENT_LID_CHANGE:
		return HCA_EQE_PORT_LID_CHANGE;
	case IBV_EVENT_PKEY_CHANGE:
		return HCA_EQE_PORT_PKEY_CHANGE;
	case IBV_EVENT_GID_CHANGE:
		return HCA_EQE_PORT_GUID_CHANGE;
	case IBV_EVENT_SM_CHANGE:
	case IBV_EVENT_CLIENT_REREGISTER:
		return HCA_EQE_PORT_CLIENT_REREG;
	default:
		return 0;
	}
}

/**
 * Kernel route: the next port event of this port from
 * ibv_get_async_event() (others acknowledged and skipped).
 *
 * @return 1, 0 (none pending), -EIO (the device is fatal)
 */
static int
event_read_kernel(struct hca_devx_transport *dt, uint8_t *eqe)
{
	struct ibv_async_event ev;
	uint8_t sub;

	for (;;) {
		if (ibv_get_async_event(dt->ctx, &ev) != 0)
			return 0;
		if (ev.event_type == IBV_EVENT_DEVICE_FATAL) {
			ibv_ack_async_event(&ev);
			return -EIO;
		}
		sub = sub_type_of(ev.event_type);
		if (sub != 0 && ev.element.port_num == dt->port_num) {
			ibv_ack_async_event(&ev);
			eqe_port_change(eqe, sub, dt->port_num);
			return 1;
		}
		ibv_ack_async_event(&ev);
	}
}

/**
 * VFIO route: let rdma-core serve the device's events, then read the
 * port's state (QUERY_HCA_VPORT_CONTEXT) and report a change of it.
 *
 * @return 1, 0 (no change), or a negative errno
 */
static int
event_read_vfio(struct hca_devx_transport *dt, uint8_t *eqe)
{
	struct hca_cmd_vport_query vq = { .port_num = dt->port_num };
	uint8_t in[64], out[HCA_QUERY_HCA_VPORT_CONTEXT_OUT_LEN];
	struct hca_cmd_vport_ctx vc;
	int len, ret;

	ret = mlx5dv_vfio_process_events(dt->ctx);
	if (ret != 0)
		return ret > 0 ? -ret : ret;
	len = hca_cmd_query_vport_ctx_in(in, sizeof(in), &vq);
	if (len < 0)
		return len;
	ret = devx_exec(dt, in, (size_t)len, out, sizeof(out));
	if (ret < 0)
		return ret;
	ret = hca_cmd_query_vport_ctx_out(out, (size_t)ret, &vc);
	if (ret < 0)
		return ret;
	if (vc.port_state == dt->vport_state)
		return 0;
	dt->vport_state = vc.port_state;
	eqe_port_change(eqe, vc.port_state == PORT_STATE_ACTIVE ?
			HCA_EQE_PORT_ACTIVE : HCA_EQE_PORT_DOWN,
			dt->port_num);
	return 1;
}

/** event_read: one pending event as an EQE. */
static int
devx_event_read(void *ctx, void *eqe, size_t len)
{
	struct hca_devx_transport *dt = ctx;

	if (len < HCA_CMD_EQE_LEN)
		return -EINVAL;
	return dt->vfio ? event_read_vfio(dt, eqe) :
	       event_read_kernel(dt, eqe);
}

const struct hca_cmd_transport_ops hca_devx_transport_ops = {
	.name = "devx",
	.exec = devx_exec,
	.umem_reg = devx_umem_reg,
	.umem_dereg = devx_umem_dereg,
	.event_fd = devx_event_fd,
	.event_read = devx_event_read,
};

/* See hca_devx_transport.h. */
int
hca_devx_transport_init(struct hca_cmd_transport *t,
			struct hca_devx_transport *dt,
			struct ibv_context *ctx, bool vfio, uint8_t port_num)
{
	memset(dt, 0, sizeof(*dt));
	dt->ctx = ctx;
	dt->vfio = vfio;
	dt->port_num = port_num;
	if (!vfio) {
		int flags = fcntl(ctx->async_fd, F_GETFL);

		if (flags < 0 ||
		    fcntl(ctx->async_fd, F_SETFL, flags | O_NONBLOCK) < 0)
			return -errno;
	}
	pthread_mutex_init(&dt->lock, NULL);
	t->ops = &hca_devx_transport_ops;
	t->ctx = dt;
	return 0;
}

/* See hca_devx_transport.h. */
void
hca_devx_transport_fini(struct hca_devx_transport *dt)
{
	while (dt->objs != NULL) {
		struct hca_devx_obj *o = dt->objs;

		dt->objs = o->next;
		free(o);
	}
	while (dt->umems != NULL) {
		struct hca_devx_umem *u = dt->umems;

		dt->umems = u->next;
		free(u);
	}
	pthread_mutex_destroy(&dt->lock);
}
