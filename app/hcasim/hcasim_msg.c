/* SPDX-License-Identifier: BSD-3-Clause */

/**
 * @file
 * Validation of client requests (see hcasim_msg.h): the framing of a
 * message and the fields of each request body that can be judged alone.
 * Pure code: no I/O, no global state, nothing but the bytes given.
 */

#include <errno.h>
#include <string.h>

#include "hcasim.h"
#include "hcasim_msg.h"
#include "hcasim_cmd.h"
#include "hca_dev.h"

/** Expected body sizes: [type] = { request, reply }. */
static const size_t body_size[HCASIM_MSG_TYPE_MAX][2] = {
	[HCASIM_MSG_HELLO] = { sizeof(struct hcasim_hello_req),
			       sizeof(struct hcasim_hello_rep) },
	[HCASIM_MSG_PORT_OPEN] = { sizeof(struct hcasim_port_open_req),
				   sizeof(struct hcasim_port_attr) },
	[HCASIM_MSG_PORT_QUERY] = { 0, sizeof(struct hcasim_port_attr) },
	[HCASIM_MSG_PD_ALLOC] = { 0, sizeof(struct hcasim_pd_msg) },
	[HCASIM_MSG_PD_FREE] = { sizeof(struct hcasim_pd_msg), 0 },
	[HCASIM_MSG_MR_REG] = { sizeof(struct hcasim_mr_reg_req),
				sizeof(struct hcasim_mr_msg) },
	[HCASIM_MSG_MR_DEREG] = { sizeof(struct hcasim_mr_msg), 0 },
	[HCASIM_MSG_CQ_CREATE] = { sizeof(struct hcasim_cq_create_req),
				   sizeof(struct hcasim_cq_create_rep) },
	[HCASIM_MSG_CQ_DESTROY] = { sizeof(struct hcasim_cq_msg), 0 },
	[HCASIM_MSG_QP_CREATE] = { sizeof(struct hcasim_qp_create_req),
				   sizeof(struct hcasim_qp_create_rep) },
	[HCASIM_MSG_QP_MODIFY] = { sizeof(struct hcasim_qp_modify_req), 0 },
	[HCASIM_MSG_QP_DESTROY] = { sizeof(struct hcasim_qp_msg), 0 },
	[HCASIM_MSG_MCAST_ATTACH] = { sizeof(struct hcasim_mcast_req), 0 },
	[HCASIM_MSG_MCAST_DETACH] = { sizeof(struct hcasim_mcast_req), 0 },
	[HCASIM_MSG_STATUS] = { 0, sizeof(struct hcasim_status_rep) },
	[HCASIM_MSG_QP_FAULT] = { sizeof(struct hcasim_qp_fault_req), 0 },
	[HCASIM_MSG_INTR_OPEN] = { 0, sizeof(struct hcasim_intr_open_rep) },
};

/* Every message, reply included, fits the socket's datagram size. */
_Static_assert(sizeof(struct hcasim_msg_hdr) +
	       sizeof(struct hcasim_port_attr) <= HCASIM_MSG_MAX,
	       "the largest reply does not fit HCASIM_MSG_MAX");

/****************************************************************************
 * Framing
 ****************************************************************************/

/* See hcasim_msg.h. */
size_t
hcasim_msg_body_size(uint16_t type, bool reply)
{
	if (hcasim_cmd_msg_type(type))
		return hcasim_cmd_msg_body_size(type, reply);
	if (type == 0 || type >= HCASIM_MSG_TYPE_MAX)
		return 0;
	return body_size[type][reply ? 1 : 0];
}

/* See hcasim_msg.h. */
int
hcasim_msg_check(const void *msg, size_t len, bool has_fd,
		 struct hcasim_msg_hdr *hdr)
{
	struct hcasim_msg_hdr h;

	if (len < sizeof(h) || len > HCASIM_MSG_MAX)
		return -EBADMSG;
	memcpy(&h, msg, sizeof(h));
	if (h.magic == HCASIM_PROTO_MAGIC && h.len == len &&
	    hcasim_cmd_msg_type(h.type)) {
		if (hcasim_cmd_msg_frame(h.type, len - sizeof(h), has_fd) != 0)
			return -EBADMSG;
		*hdr = h;
		return 0;
	}
	if (h.magic != HCASIM_PROTO_MAGIC || h.len != len ||
	    h.type == 0 || h.type >= HCASIM_MSG_TYPE_MAX ||
	    len - sizeof(h) != body_size[h.type][0] ||
	    (has_fd && h.type != HCASIM_MSG_MR_REG))
		return -EBADMSG;
	*hdr = h;
	return 0;
}

/****************************************************************************
 * Request bodies
 ****************************************************************************/

/** Whether a fixed-size string field holds a NUL. */
static bool
field_terminated(const char *s, size_t size)
{
	return memchr(s, '\0', size) != NULL;
}

/** Whether a PD number can name one of a client's PDs (1-based). */
static bool
pdn_in_range(uint32_t pdn)
{
	return pdn >= 1 && pdn <= HCASIM_CLIENT_MAX_PD;
}

/** Whether a CQ number can name one of a client's CQs (1-based). */
static bool
cqn_in_range(uint32_t cqn)
{
	return cqn >= 1 && cqn <= HCASIM_CLIENT_MAX_CQ;
}

/** HELLO: our version, a terminated host name. */
static int
hello_check(const struct hcasim_hello_req *req)
{
	if (req->version != HCASIM_PROTO_VERSION)
		return -EPROTONOSUPPORT;
	if (!field_terminated(req->host, sizeof(req->host)))
		return -EINVAL;
	return 0;
}

/** PORT_OPEN: a terminated CA name, empty or one of the names we answer. */
static int
port_open_check(const struct hcasim_port_open_req *req)
{
	if (!field_terminated(req->ca_name, sizeof(req->ca_name)))
		return -EINVAL;
	if (req->ca_name[0] != '\0' && strcmp(req->ca_name, "ibsim0") != 0 &&
	    strcmp(req->ca_name, "hcasim0") != 0)
		return -ENODEV;
	return 0;
}

/**
 * MR_REG: a PD number, a length of 1 byte .. 1 TiB, an address range and
 * an fd range that do not wrap.
 */
static int
mr_reg_check(const struct hcasim_mr_reg_req *req)
{
	if (!pdn_in_range(req->pdn))
		return -EINVAL;
	if (req->len == 0 || req->len > (1ull << 40) ||
	    req->va + req->len < req->va ||
	    req->fd_off + req->len < req->fd_off)
		return -EINVAL;
	return 0;
}

/** CQ_CREATE: 1 .. HCASIM_MAX_CQE entries. */
static int
cq_create_check(const struct hcasim_cq_create_req *req)
{
	return req->min_cqe == 0 || req->min_cqe > HCASIM_MAX_CQE ?
	       -EINVAL : 0;
}

/** QP_CREATE: PD and CQ numbers, ring sizes, inline size in range. */
static int
qp_create_check(const struct hcasim_qp_create_req *req)
{
	if (!pdn_in_range(req->pdn) || !cqn_in_range(req->send_cqn) ||
	    !cqn_in_range(req->recv_cqn))
		return -EINVAL;
	if (req->sq_wqe_cnt == 0 || req->sq_wqe_cnt > HCASIM_MAX_WQE_CNT ||
	    req->rq_wqe_cnt == 0 || req->rq_wqe_cnt > HCASIM_MAX_WQE_CNT ||
	    req->max_inline > HCASIM_MAX_INLINE)
		return -EINVAL;
	return 0;
}

/**
 * QP_MODIFY: a known state; a P_Key index inside the largest table for
 * the states that use it (the port's own table is checked later).
 */
static int
qp_modify_check(const struct hcasim_qp_modify_req *req)
{
	switch (req->state) {
	case HCA_QPS_RESET:
	case HCA_QPS_ERR:
		return 0;
	case HCA_QPS_INIT:
	case HCA_QPS_RTR:
	case HCA_QPS_RTS:
		return req->pkey_index < HCASIM_MAX_PKEYS ? 0 : -EINVAL;
	default:
		return -EINVAL;
	}
}

/** QP_FAULT: a known kind (the QP is looked up later). */
static int
qp_fault_check(const struct hcasim_qp_fault_req *req)
{
	return req->kind <= HCASIM_QP_FAULT_NEXT_SEND ? 0 : -EINVAL;
}

/** MCAST_ATTACH / MCAST_DETACH: a multicast LID. */
static int
mcast_check(const struct hcasim_mcast_req *req)
{
	return hcasim_mlid_valid(req->mlid) ? 0 : -EINVAL;
}

/** CQ_DESTROY: a CQ number in range. */
static int
cq_destroy_check(const struct hcasim_cq_msg *req)
{
	return cqn_in_range(req->cqn) ? 0 : -EINVAL;
}

/** PD_FREE: a PD number in range. */
static int
pd_free_check(const struct hcasim_pd_msg *req)
{
	return pdn_in_range(req->pdn) ? 0 : -EINVAL;
}

/**
 * Copy a body of a type into aligned storage and check it. The union
 * gives every request type its natural alignment.
 */
int
hcasim_req_check(uint16_t type, const void *body)
{
	union {
		struct hcasim_hello_req hello;
		struct hcasim_port_open_req port_open;
		struct hcasim_pd_msg pd;
		struct hcasim_mr_reg_req mr_reg;
		struct hcasim_cq_create_req cq_create;
		struct hcasim_cq_msg cq;
		struct hcasim_qp_create_req qp_create;
		struct hcasim_qp_modify_req qp_modify;
		struct hcasim_mcast_req mcast;
		struct hcasim_qp_fault_req qp_fault;
	} u;
	size_t size = hcasim_msg_body_size(type, false);

	if (hcasim_cmd_msg_type(type))
		return hcasim_cmd_req_check(type, body);
	if (type == 0 || type >= HCASIM_MSG_TYPE_MAX || size > sizeof(u))
		return -EBADMSG;
	memcpy(&u, body, size);
	switch (type) {
	case HCASIM_MSG_HELLO:
		return hello_check(&u.hello);
	case HCASIM_MSG_PORT_OPEN:
		return port_open_check(&u.port_open);
	case HCASIM_MSG_PD_FREE:
		return pd_free_check(&u.pd);
	case HCASIM_MSG_MR_REG:
		return mr_reg_check(&u.mr_reg);
	case HCASIM_MSG_CQ_CREATE:
		return cq_create_check(&u.cq_create);
	case HCASIM_MSG_CQ_DESTROY:
		return cq_destroy_check(&u.cq);
	case HCASIM_MSG_QP_CREATE:
		return qp_create_check(&u.qp_create);
	case HCASIM_MSG_QP_MODIFY:
		return qp_modify_check(&u.qp_modify);
	case HCASIM_MSG_QP_FAULT:
		return qp_fault_check(&u.qp_fault);
	case HCASIM_MSG_MCAST_ATTACH:
	case HCASIM_MSG_MCAST_DETACH:
		return mcast_check(&u.mcast);
	default:
		/* PORT_QUERY, PD_ALLOC, STATUS, INTR_OPEN: no body; MR_DEREG
		 * and QP_DESTROY: a key or number only the tables can judge */
		return 0;
	}
}
