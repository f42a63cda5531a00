/* SPDX-License-Identifier: BSD-3-Clause */

/**
 * @file
 * The firmware command transport over rdma-core's DevX (see
 * hca_devx_transport.h).
 */

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>
#include <infiniband/mlx5dv.h>

#include "hca_devx_event.h"
#include "hca_devx_transport.h"
#include "hca_log.h"

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

/** The cookie kind of an object kind with error events, 0 for none. */
static char
cookie_kind_of(uint8_t kind)
{
	switch (kind) {
	case DEVX_QP:
		return 'Q';
	case DEVX_SQ:
		return 'S';
	case DEVX_RQ:
		return 'R';
	case DEVX_CQ:
		return 'C';
	default:
		return 0;
	}
}

/**
 * Subscribe a new object to its error events on the event channel (no
 * channel, or a kind without errors: nothing). A refusal is logged: the
 * object's errors are then seen by its error completions only.
 */
static void
subscribe(struct hca_devx_transport *dt, struct hca_devx_obj *o)
{
	char kind = cookie_kind_of(o->kind);
	uint16_t events[HCA_DEVX_EVENT_TYPES_MAX];
	unsigned int n;
	int ret;

	if (dt->channel == NULL || kind == 0)
		return;
	n = hca_devx_event_types(kind, events);
	ret = mlx5dv_devx_subscribe_devx_event(dt->channel, o->obj,
			(uint16_t)(n * sizeof(events[0])), events,
			hca_devx_event_cookie(kind, (uint32_t)o->key));
	if (ret != 0)
		HCA_LOG(WARNING, "devx: no error events for %c 0x%x: %s",
			kind, (unsigned int)o->key,
			strerror(ret > 0 ? ret : errno));
}

/****************************************************************************
 * Commands
 ****************************************************************************/

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
	subscribe(dt, o);
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

/**
 * The DevX call for the opcode, with an output of exactly out_len bytes.
 *
 * @return output bytes or -errno
 */
static int
exec_call(struct hca_devx_transport *dt, const void *in, size_t in_len,
	  void *out, size_t out_len)
{
	const struct devx_rule *r;
	int ret;

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

/* See hca_devx_transport.h. */
size_t
hca_devx_out_len(const struct hca_devx_transport *dt, const void *in,
		 size_t in_len, size_t out_len)
{
	size_t exact = hca_cmd_out_len(in, in_len, dt->gid_table_len,
				       dt->pkey_table_len);

	return exact != 0 ? exact : out_len;
}

/**
 * exec: the DevX call for the opcode, given the output's exact length
 * (hca_devx_out_len()); when out holds fewer bytes, a full output is
 * read aside and its first out_len bytes copied.
 *
 * @return output bytes (at most out_len) or -errno
 */
static int
devx_exec(void *ctx, const void *in, size_t in_len, void *out,
	  size_t out_len)
{
	struct hca_devx_transport *dt = ctx;
	size_t exact;
	uint8_t *full;
	int ret;

	if (in_len < 8 || out_len < HCA_OUT_HDR_LEN)
		return -EINVAL;
	memset(out, 0, out_len);
	exact = hca_devx_out_len(dt, in, in_len, out_len);
	if (exact <= out_len)
		return exec_call(dt, in, in_len, out, exact);
	full = calloc(1, exact);
	if (full == NULL)
		return -ENOMEM;
	ret = exec_call(dt, in, in_len, full, exact);
	if (ret > 0) {
		if ((size_t)ret > out_len)
			ret = (int)out_len;
		memcpy(out, full, (size_t)ret);
	}
	free(full);
	return ret;
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

/**
 * event_fd: the epoll set of the async fd and the event channel's fd
 * (kernel route; the async fd alone when there is no set), or the VFIO
 * events fd.
 */
static int
devx_event_fd(void *ctx)
{
	struct hca_devx_transport *dt = ctx;

	if (dt->vfio)
		return mlx5dv_vfio_get_events_fd(dt->ctx);
	return dt->epfd >= 0 ? dt->epfd : dt->ctx->async_fd;
}

/** Mark the device dead (once, logged). */
static void
mark_dead(struct hca_devx_transport *dt, const char *why)
{
	if (!__atomic_exchange_n(&dt->dead, true, __ATOMIC_ACQ_REL))
		HCA_LOG(ERR, "devx: %s: the device is dead", why);
}

/* See hca_devx_transport.h. */
bool
hca_devx_transport_alive(const struct hca_devx_transport *dt)
{
	return !__atomic_load_n(&dt->dead, __ATOMIC_ACQUIRE);
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
event_read_async(struct hca_devx_transport *dt, uint8_t *eqe)
{
	struct ibv_async_event ev;
	uint8_t sub;

	for (;;) {
		if (ibv_get_async_event(dt->ctx, &ev) != 0)
			return 0;
		if (!hca_devx_alive_after(true, ev.event_type)) {
			ibv_ack_async_event(&ev);
			mark_dead(dt, "IBV_EVENT_DEVICE_FATAL");
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
 * Kernel route: the next QP, SQ, RQ or CQ error from the event channel
 * (an entry that does not translate is logged and skipped).
 *
 * @return 1, 0 (none pending or no channel)
 */
static int
event_read_channel(struct hca_devx_transport *dt, uint8_t *eqe)
{
	union {
		struct mlx5dv_devx_async_event_hdr hdr;
		uint8_t bytes[sizeof(uint64_t) + HCA_CMD_EQE_LEN];
	} buf;
	ssize_t n;
	int ret;

	if (dt->channel == NULL)
		return 0;
	for (;;) {
		n = mlx5dv_devx_get_event(dt->channel, &buf.hdr,
					  sizeof(buf));
		if (n < 0 && errno == EOVERFLOW) {
			/* the kernel dropped entries: the error completions
			 * of their queues still tell */
			if (dt->channel_lost++ == 0)
				HCA_LOG(WARNING, "devx: error events lost "
					"(EOVERFLOW)");
			continue;
		}
		if (n < 0)
			return 0; /* EAGAIN: none */
		ret = hca_devx_event_translate(buf.bytes, (size_t)n, eqe);
		if (ret == 1)
			return 1;
		HCA_LOG(WARNING, "devx: an error event not understood "
			"(%zd bytes): %s", n, strerror(-ret));
	}
}

/**
 * Kernel route: a port event or a fatal device first, then QP and CQ
 * errors.
 *
 * @return 1, 0 (none pending), -EIO (the device is fatal)
 */
static int
event_read_kernel(struct hca_devx_transport *dt, uint8_t *eqe)
{
	int ret = event_read_async(dt, eqe);

	return ret != 0 ? ret : event_read_channel(dt, eqe);
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
	if (!hca_devx_vfio_alive_after(true, ret)) {
		mark_dead(dt, "mlx5dv_vfio_process_events failed");
		return ret > 0 ? -ret : ret;
	}
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

/** Make an fd non-blocking. @return 0 or a negative errno. */
static int
set_nonblock(int fd)
{
	int flags = fcntl(fd, F_GETFL);

	if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0)
		return -errno;
	return 0;
}

/** Add an fd to the epoll set, readable. @return 0 or a negative errno. */
static int
epoll_add(int epfd, int fd)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = fd };

	return epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) == 0 ? 0 : -errno;
}

/**
 * Kernel route: the event channel for QP and CQ errors (with event
 * data) and the epoll set of it and the async fd. Without a channel
 * (a kernel or rdma-core that has none) the async fd is the event fd
 * alone and QP and CQ errors are seen by their error completions.
 *
 * @return 0 or a negative errno (no epoll set)
 */
static int
channel_open(struct hca_devx_transport *dt)
{
	int ret;

	dt->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (dt->epfd < 0)
		return -errno;
	ret = epoll_add(dt->epfd, dt->ctx->async_fd);
	if (ret < 0)
		goto fail;
	dt->channel = mlx5dv_devx_create_event_channel(dt->ctx, 0);
	if (dt->channel == NULL) {
		HCA_LOG(WARNING, "devx: no event channel (%s): QP and CQ "
			"errors only by their completions", strerror(errno));
		return 0;
	}
	ret = set_nonblock(dt->channel->fd);
	if (ret == 0)
		ret = epoll_add(dt->epfd, dt->channel->fd);
	if (ret == 0)
		return 0;
	mlx5dv_devx_destroy_event_channel(dt->channel);
	dt->channel = NULL;
fail:
	close(dt->epfd);
	dt->epfd = -1;
	return ret;
}

/* See hca_devx_transport.h. */
int
hca_devx_transport_init(struct hca_cmd_transport *t,
			struct hca_devx_transport *dt,
			struct ibv_context *ctx, bool vfio, uint8_t port_num)
{
	int ret;

	memset(dt, 0, sizeof(*dt));
	dt->ctx = ctx;
	dt->vfio = vfio;
	dt->port_num = port_num;
	dt->epfd = -1;
	if (!vfio) {
		ret = set_nonblock(ctx->async_fd);
		if (ret == 0)
			ret = channel_open(dt);
		if (ret < 0)
			return ret;
	}
	pthread_mutex_init(&dt->lock, NULL);
	t->ops = &hca_devx_transport_ops;
	t->ctx = dt;
	return 0;
}

/* See hca_devx_transport.h. */
void
hca_devx_transport_set_tables(struct hca_devx_transport *dt,
			      uint32_t gid_table_len, uint32_t pkey_table_len)
{
	dt->gid_table_len = gid_table_len;
	dt->pkey_table_len = pkey_table_len;
}

/* See hca_devx_transport.h. */
void
hca_devx_transport_release(struct hca_devx_transport *dt)
{
	int ret;

	pthread_mutex_lock(&dt->lock);
	while (dt->objs != NULL) {
		struct hca_devx_obj *o = dt->objs;

		dt->objs = o->next;
		ret = mlx5dv_devx_obj_destroy(o->obj);
		if (ret != 0)
			HCA_LOG(WARNING, "devx: object kind %u 0x%" PRIx64
				" not destroyed at close: %s", o->kind,
				o->key, strerror(ret > 0 ? ret : -ret));
		free(o);
	}
	while (dt->umems != NULL) {
		struct hca_devx_umem *u = dt->umems;

		dt->umems = u->next;
		ret = mlx5dv_devx_umem_dereg(u->umem);
		if (ret != 0)
			HCA_LOG(WARNING, "devx: UMEM not released at close: "
				"%s", strerror(ret > 0 ? ret : -ret));
		free(u);
	}
	pthread_mutex_unlock(&dt->lock);
}

/* See hca_devx_transport.h. */
void
hca_devx_transport_fini(struct hca_devx_transport *dt)
{
	if (dt->channel != NULL)
		mlx5dv_devx_destroy_event_channel(dt->channel);
	dt->channel = NULL;
	if (dt->epfd >= 0)
		close(dt->epfd);
	dt->epfd = -1;
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
