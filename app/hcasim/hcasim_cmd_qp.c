/* SPDX-License-Identifier: BSD-3-Clause */

/**
 * @file
 * The soft HCA's firmware commands of queues (see hcasim_cmd.h): CQs and
 * UD QPs whose rings and doorbell records live in client UMEMs, the QP
 * state machine (RST2INIT, INIT2RTR, RTR2RTS, 2ERR, 2RST), QUERY_QP, and
 * multicast attachment. The objects are the daemon's own (hcasim_res.c,
 * with its limits); only their ring pointers point into the UMEM, which
 * stays mapped while they exist. Control thread only.
 */

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "hcasim_cmd.h"
#include "hca_dev.h"

/** Doorbell records: 8 bytes (two counters), 8-byte aligned. */
#define DBR_LEN 8
/** Rings start on a 64-byte boundary of their UMEM (a CQE, a WQEBB). */
#define RING_ALIGN 64

/**
 * Find one of the client's UMEMs for a ring: its own, sealed against
 * shrinking (a ring is read by the data path, which must never fault),
 * holding [off, off + len).
 *
 * @param u  set to the UMEM
 * @return 0 or a failed status (x's syndrome set)
 */
static int
ring_umem(struct hcasim_cmd_ctx *x, uint64_t id, uint64_t off, uint64_t len,
	  struct hcasim_umem **u)
{
	*u = hcasim_cmd_umem(x->c, (uint32_t)id);
	if (*u == NULL)
		return hcasim_cmd_fail(x, HCA_STATUS_BAD_RESOURCE,
				       HCASIM_SYN_UMEM);
	if (!(*u)->sealed)
		return hcasim_cmd_fail(x, HCA_STATUS_BAD_PARAM,
				       HCASIM_SYN_UNSEALED);
	if (off > (*u)->len || len > (*u)->len - off)
		return hcasim_cmd_fail(x, HCA_STATUS_BAD_PARAM,
				       HCASIM_SYN_UMEM_BOUNDS);
	return 0;
}

/* See hcasim_cmd.h. */
int
hcasim_cmd_rings(struct hcasim_cmd_ctx *x, uint64_t ring_id, uint64_t off,
		 uint64_t len, uint64_t dbr_id, uint64_t dbr,
		 struct hcasim_umem **ring, struct hcasim_umem **dbu)
{
	int st = ring_umem(x, ring_id, off, len, ring);

	if (st == 0)
		st = ring_umem(x, dbr_id, dbr, DBR_LEN, dbu);
	if (st != 0)
		return st;
	if (dbr % DBR_LEN != 0)
		return hcasim_cmd_fail(x, HCA_STATUS_BAD_PARAM,
				       HCASIM_SYN_DBR);
	if (off % RING_ALIGN != 0)
		return hcasim_cmd_fail(x, HCA_STATUS_BAD_PARAM,
				       HCASIM_SYN_RING_ALIGN);
	if (hcasim_cmd_state(x->c) == NULL)
		return hcasim_cmd_fail(x, HCA_STATUS_NO_RESOURCES,
				       HCASIM_SYN_NO_MEM);
	return 0;
}

/**
 * Map a negative errno of hcasim_res.c's create functions to a status.
 *
 * @param limit  the syndrome of the object's own limit
 */
static int
create_fail(struct hcasim_cmd_ctx *x, int err, uint32_t limit)
{
	switch (err) {
	case -EDQUOT:
		/* the object limit, or the queue memory one */
		return hcasim_cmd_fail(x, HCA_STATUS_LIMITS_EXCEEDED, limit);
	case -EINVAL:
		return hcasim_cmd_fail(x, HCA_STATUS_BAD_PARAM, limit);
	default:
		return hcasim_cmd_fail(x, HCA_STATUS_NO_RESOURCES,
				       HCASIM_SYN_NO_MEM);
	}
}

/** The client's CQ of a number, or NULL. */
static struct hcasim_cq *
cq_ours(struct hcasim_client *c, uint64_t cqn)
{
	return cqn >= 1 && cqn <= HCASIM_CLIENT_MAX_CQ ? c->cqs[cqn - 1] :
	       NULL;
}

/* See hcasim_cmd.h. */
int
hcasim_cmd_create_fail(struct hcasim_cmd_ctx *x, int err, uint32_t limit)
{
	return create_fail(x, err, limit);
}

/* See hcasim_cmd.h. */
struct hcasim_cq *
hcasim_cmd_cq_ours(struct hcasim_client *c, uint64_t cqn)
{
	return cq_ours(c, cqn);
}

/****************************************************************************
 * CQs
 ****************************************************************************/

/**
 * CREATE_CQ: a CQ of the daemon (hcasim_cq_create(), with its limits)
 * whose CQE ring and doorbell record are in the client's UMEMs.
 */
int
hcasim_cmd_create_cq(struct hcasim_cmd_ctx *x)
{
	const uint8_t *cqc = x->in + HCA_CREATE_CQ_IN_CQC_OFF;
	unsigned int log = hca_prm_get(cqc, HCA_CQC_LOG_CQ_SIZE);
	uint64_t dbr = hca_prm_get(cqc, HCA_CQC_DBR_ADDR);
	struct hcasim_umem *ring, *dbu;
	struct hcasim_cq *cq;
	uint32_t cqn;
	int fd = -1, ret, st;

	if (hca_prm_get(cqc, HCA_CQC_CQE_SZ) != HCA_CQC_CQE_SZ_64)
		return hcasim_cmd_fail(x, HCA_STATUS_BAD_PARAM,
				       HCASIM_SYN_CQE_SZ);
	if (log == 0 || (1u << log) > HCASIM_MAX_CQE)
		return hcasim_cmd_fail(x, HCA_STATUS_BAD_SIZE,
				       HCASIM_SYN_CQ_SIZE);
	if (!hca_prm_get(x->in, HCA_CREATE_CQ_IN_UMEM_VALID) ||
	    !hca_prm_get(cqc, HCA_CQC_DBR_UMEM_VALID))
		return hcasim_cmd_fail(x, HCA_STATUS_BAD_PARAM,
				       HCASIM_SYN_UMEM_VALID);
	st = hcasim_cmd_rings(x, hca_prm_get(x->in, HCA_CREATE_CQ_IN_UMEM_ID),
			      hca_prm_get(x->in, HCA_CREATE_CQ_IN_UMEM_OFFSET),
			      (uint64_t)sizeof(struct mlx5_cqe64) << log,
			      hca_prm_get(cqc, HCA_CQC_DBR_UMEM_ID), dbr,
			      &ring, &dbu);
	if (st != 0)
		return st;
	ret = hcasim_cq_create(x->h, x->c, 1u << log, &cqn, &fd);
	if (ret < 0)
		return create_fail(x, ret, x->c->ncq >=
				   x->h->cfg.limits.client_cq ?
				   HCASIM_SYN_CQ_LIMIT : HCASIM_SYN_RING_MEM);
	close(fd);
	cq = x->c->cqs[cqn - 1];
	if (hcasim_cmd_hold_add(x->c, HCASIM_HOLD_CQ, cqn, 0, cq, ring,
				dbu) != 0) {
		hcasim_cq_destroy(x->h, x->c, cqn);
		return hcasim_cmd_fail(x, HCA_STATUS_NO_RESOURCES,
				       HCASIM_SYN_NO_MEM);
	}
	/* no QP uses it yet: the data path cannot see it */
	cq->cqes = (struct mlx5_cqe64 *)(ring->base + hca_prm_get(x->in,
					 HCA_CREATE_CQ_IN_UMEM_OFFSET));
	cq->dbrec = (volatile uint32_t *)(dbu->base + dbr);
	hca_prm_set(x->out, HCA_CMD_OBJ_NUM, cqn);
	return HCA_STATUS_OK;
}

/** DESTROY_CQ (hcasim_cq_destroy()), releasing its UMEMs. */
int
hcasim_cmd_destroy_cq(struct hcasim_cmd_ctx *x)
{
	uint32_t cqn = hca_prm_get(x->in, HCA_CMD_OBJ_NUM);
	int ret;

	if (cq_ours(x->c, cqn) == NULL)
		return hcasim_cmd_fail(x, HCA_STATUS_BAD_RESOURCE,
				       HCASIM_SYN_CQ);
	ret = hcasim_cq_destroy(x->h, x->c, cqn);
	if (ret == -EBUSY)
		return hcasim_cmd_fail(x, HCA_STATUS_RESOURCE_BUSY,
				       HCASIM_SYN_CQ_BUSY);
	if (ret != 0)
		return hcasim_cmd_fail(x, HCA_STATUS_BAD_RESOURCE,
				       HCASIM_SYN_CQ);
	hcasim_cmd_hold_drop(x->c, HCASIM_HOLD_CQ, cqn);
	return HCA_STATUS_OK;
}

/****************************************************************************
 * QPs
 ****************************************************************************/

/**
 * CREATE_QP, UD only: a QP of the daemon in RESET (limits as QP_CREATE)
 * whose receive ring (16-byte WQEs), send ring (64-byte blocks, after
 * the receive ring, as the PRM lays out a WQ) and doorbell record are in
 * the client's UMEMs.
 */
int
hcasim_cmd_create_qp(struct hcasim_cmd_ctx *x)
{
	const uint8_t *qpc = x->in + HCA_QP_QPC_OFF;
	unsigned int log_sq = hca_prm_get(qpc, HCA_QPC_LOG_SQ_SIZE);
	unsigned int log_rq = hca_prm_get(qpc, HCA_QPC_LOG_RQ_SIZE);
	uint64_t off = hca_prm_get(x->in, HCA_CREATE_QP_IN_WQ_UMEM_OFFSET);
	uint64_t dbr = hca_prm_get(qpc, HCA_QPC_DBR_ADDR);
	uint64_t rq_len = (uint64_t)sizeof(struct mlx5_wqe_data_seg) << log_rq;
	uint64_t sq_len = (uint64_t)MLX5_SEND_WQE_BB << log_sq;
	struct hcasim_qp_create_req req;
	struct hcasim_qp_create_rep rep;
	struct hcasim_umem *wq, *dbu;
	struct hcasim_client *c = x->c;
	struct hcasim_qp *qp;
	int fd = -1, ret, st;

	if (hca_prm_get(qpc, HCA_QPC_ST) != HCA_QP_ST_UD)
		return hcasim_cmd_fail(x, HCA_STATUS_BAD_PARAM,
				       HCASIM_SYN_ST);
	if (!hcasim_cmd_pd_ours(c, hca_prm_get(qpc, HCA_QPC_PD)))
		return hcasim_cmd_fail(x, HCA_STATUS_BAD_RESOURCE,
				       HCASIM_SYN_PD);
	if (cq_ours(c, hca_prm_get(qpc, HCA_QPC_CQN_SND)) == NULL ||
	    cq_ours(c, hca_prm_get(qpc, HCA_QPC_CQN_RCV)) == NULL)
		return hcasim_cmd_fail(x, HCA_STATUS_BAD_RESOURCE,
				       HCASIM_SYN_CQ);
	if ((1u << log_sq) > HCASIM_MAX_WQE_CNT ||
	    (1u << log_rq) > HCASIM_MAX_WQE_CNT)
		return hcasim_cmd_fail(x, HCA_STATUS_BAD_SIZE,
				       HCASIM_SYN_QP_SIZE);
	if (hca_prm_get(qpc, HCA_QPC_LOG_RQ_STRIDE) != 0)
		return hcasim_cmd_fail(x, HCA_STATUS_BAD_PARAM,
				       HCASIM_SYN_RQ_STRIDE);
	if (hca_prm_get(qpc, HCA_QPC_CS_RES) != 0)
		return hcasim_cmd_fail(x, HCA_STATUS_BAD_PARAM,
				       HCASIM_SYN_CS_RES);
	if (!hca_prm_get(x->in, HCA_CREATE_QP_IN_WQ_UMEM_VALID) ||
	    !hca_prm_get(qpc, HCA_QPC_DBR_UMEM_VALID))
		return hcasim_cmd_fail(x, HCA_STATUS_BAD_PARAM,
				       HCASIM_SYN_UMEM_VALID);
	st = hcasim_cmd_rings(x, hca_prm_get(x->in,
					     HCA_CREATE_QP_IN_WQ_UMEM_ID),
			      off, rq_len + sq_len,
			      hca_prm_get(qpc, HCA_QPC_DBR_UMEM_ID), dbr,
			      &wq, &dbu);
	if (st != 0)
		return st;
	memset(&req, 0, sizeof(req));
	req.pdn = hca_prm_get(qpc, HCA_QPC_PD);
	req.send_cqn = hca_prm_get(qpc, HCA_QPC_CQN_SND);
	req.recv_cqn = hca_prm_get(qpc, HCA_QPC_CQN_RCV);
	req.sq_wqe_cnt = 1u << log_sq;
	req.rq_wqe_cnt = 1u << log_rq;
	req.max_inline = HCASIM_MAX_INLINE;
	ret = hcasim_qp_create(x->h, c, &req, &rep, &fd);
	if (ret < 0)
		return create_fail(x, ret, c->nqp >= x->h->cfg.limits.client_qp ||
				   (c->ident != NULL && c->ident->nqp >=
				    x->h->cfg.limits.host_qp) ?
				   HCASIM_SYN_QP_LIMIT : HCASIM_SYN_RING_MEM);
	close(fd);
	qp = hcasim_qp_lookup(x->h, rep.qpn);
	if (hcasim_cmd_hold_add(c, HCASIM_HOLD_QP, rep.qpn, 0, qp, wq,
				dbu) != 0) {
		hcasim_qp_destroy(x->h, c, rep.qpn);
		return hcasim_cmd_fail(x, HCA_STATUS_NO_RESOURCES,
				       HCASIM_SYN_NO_MEM);
	}
	/* in RESET: the data path neither polls nor delivers to it */
	qp->rq = (struct mlx5_wqe_data_seg *)(wq->base + off);
	qp->sq = wq->base + off + rq_len;
	qp->dbrec = (volatile uint32_t *)(dbu->base + dbr);
	hca_prm_set(x->out, HCA_CMD_OBJ_NUM, rep.qpn);
	return HCA_STATUS_OK;
}

/** The client's QP of a number (not an SQ or RQ), or NULL. */
static struct hcasim_qp *
qp_ours(struct hcasim_cmd_ctx *x, uint32_t qpn)
{
	struct hcasim_qp *qp = hcasim_qp_lookup(x->h, qpn);

	return qp != NULL && qp->owner == x->c && qp->kind == HCASIM_Q_QP ?
	       qp : NULL;
}

/** DESTROY_QP (as QP_DESTROY), releasing its UMEMs. */
int
hcasim_cmd_destroy_qp(struct hcasim_cmd_ctx *x)
{
	uint32_t qpn = hca_prm_get(x->in, HCA_CMD_OBJ_NUM);

	if (qp_ours(x, qpn) == NULL)
		return hcasim_cmd_fail(x, HCA_STATUS_BAD_RESOURCE,
				       HCASIM_SYN_QP);
	if (hcasim_qp_destroy(x->h, x->c, qpn) != 0)
		return hcasim_cmd_fail(x, HCA_STATUS_RESOURCE_BUSY,
				       HCASIM_SYN_QP);
	hcasim_cmd_hold_drop(x->c, HCASIM_HOLD_QP, qpn);
	return HCA_STATUS_OK;
}

/**
 * The state changes: RST2INIT (from RESET: Q_Key, P_Key index, port),
 * INIT2RTR (from INIT), RTR2RTS (from RTR), 2ERR and 2RST (from any).
 * Another starting state is BAD_QP_STATE and changes nothing.
 */
int
hcasim_cmd_modify_qp(struct hcasim_cmd_ctx *x)
{
	const uint8_t *qpc = x->in + HCA_QP_QPC_OFF;
	const uint8_t *path = qpc + HCA_QPC_PRI_PATH_OFF;
	uint16_t opcode = hca_prm_get(x->in, HCA_IN_OPCODE);
	struct hcasim_qp *qp = qp_ours(x, hca_prm_get(x->in,
						      HCA_CMD_OBJ_NUM));
	struct hcasim_qp_change req;
	uint32_t from, need;
	int ret;

	if (qp == NULL)
		return hcasim_cmd_fail(x, HCA_STATUS_BAD_RESOURCE,
				       HCASIM_SYN_QP);
	memset(&req, 0, sizeof(req));
	req.qpn = qp->qpn;
	req.qkey = __atomic_load_n(&qp->qkey, __ATOMIC_RELAXED);
	req.pkey_index = __atomic_load_n(&qp->pkey_index, __ATOMIC_RELAXED);
	from = __atomic_load_n(&qp->state, __ATOMIC_ACQUIRE);
	switch (opcode) {
	case HCA_CMD_RST2INIT_QP:
		need = HCA_QPS_RESET;
		req.state = HCA_QPS_INIT;
		req.qkey = hca_prm_get(qpc, HCA_QPC_Q_KEY);
		req.pkey_index = hca_prm_get(path, HCA_ADS_PKEY_INDEX);
		break;
	case HCA_CMD_INIT2RTR_QP:
		need = HCA_QPS_INIT;
		req.state = HCA_QPS_RTR;
		break;
	case HCA_CMD_RTR2RTS_QP:
		need = HCA_QPS_RTR;
		req.state = HCA_QPS_RTS;
		break;
	case HCA_CMD_2ERR_QP:
		need = from;
		req.state = HCA_QPS_ERR;
		break;
	default: /* 2RST */
		need = from;
		req.state = HCA_QPS_RESET;
		break;
	}
	if (from != need)
		return hcasim_cmd_fail(x, HCA_STATUS_BAD_QP_STATE,
				       HCASIM_SYN_QP_STATE);
	if (opcode == HCA_CMD_RST2INIT_QP) {
		if (!hcasim_cmd_port_ok(x, hca_prm_get(path,
						       HCA_ADS_VHCA_PORT_NUM)))
			return hcasim_cmd_fail(x, HCA_STATUS_BAD_PARAM,
					       HCASIM_SYN_PORT);
		if (req.pkey_index >= __atomic_load_n(&qp->port->pkey_count,
						      __ATOMIC_RELAXED))
			return hcasim_cmd_fail(x, HCA_STATUS_BAD_INDEX,
					       HCASIM_SYN_PKEY_INDEX);
	}
	ret = hcasim_qp_modify(x->h, x->c, &req);
	if (ret != 0)
		return hcasim_cmd_fail(x, HCA_STATUS_BAD_QP_STATE,
				       HCASIM_SYN_QP_STATE);
	return HCA_STATUS_OK;
}

/** log2 of a power of two. */
static unsigned int
log2_of(uint32_t n)
{
	unsigned int l = 0;

	while ((1u << l) < n)
		l++;
	return l;
}

/** QUERY_QP: state, service type, Q_Key, P_Key index, port, CQs, PD. */
int
hcasim_cmd_query_qp(struct hcasim_cmd_ctx *x)
{
	uint8_t *qpc = x->out + HCA_QP_QPC_OFF;
	uint8_t *path = qpc + HCA_QPC_PRI_PATH_OFF;
	struct hcasim_qp *qp = qp_ours(x, hca_prm_get(x->in,
						      HCA_CMD_OBJ_NUM));

	if (qp == NULL)
		return hcasim_cmd_fail(x, HCA_STATUS_BAD_RESOURCE,
				       HCASIM_SYN_QP);
	hca_prm_set(qpc, HCA_QPC_STATE,
		    __atomic_load_n(&qp->state, __ATOMIC_ACQUIRE) & 0xf);
	hca_prm_set(qpc, HCA_QPC_ST, HCA_QP_ST_UD);
	hca_prm_set(qpc, HCA_QPC_PM_STATE, HCA_QP_PM_MIGRATED);
	hca_prm_set(qpc, HCA_QPC_PD, qp->pdn);
	hca_prm_set(qpc, HCA_QPC_LOG_SQ_SIZE, log2_of(qp->sq_wqe_cnt));
	hca_prm_set(qpc, HCA_QPC_LOG_RQ_SIZE, log2_of(qp->rq_wqe_cnt));
	hca_prm_set(qpc, HCA_QPC_CQN_SND, qp->scq->cqn);
	hca_prm_set(qpc, HCA_QPC_CQN_RCV, qp->rcq->cqn);
	hca_prm_set(qpc, HCA_QPC_Q_KEY,
		    __atomic_load_n(&qp->qkey, __ATOMIC_RELAXED));
	hca_prm_set(path, HCA_ADS_PKEY_INDEX,
		    __atomic_load_n(&qp->pkey_index, __ATOMIC_RELAXED));
	hca_prm_set(path, HCA_ADS_VHCA_PORT_NUM, qp->port->port_num);
	x->out_len = HCA_QUERY_QP_OUT_LEN;
	return HCA_STATUS_OK;
}

/****************************************************************************
 * Multicast
 ****************************************************************************/

/**
 * ATTACH_TO_MCG / DETACH_FROM_MCG: a QP of the client and an MGID, as on
 * a ConnectX; no MLID and no SA lookup (delivery matches the DGID).
 */
int
hcasim_cmd_mcg(struct hcasim_cmd_ctx *x)
{
	const uint8_t *mgid = x->in + HCA_MCG_IN_GID_OFF;
	bool attach = hca_prm_get(x->in, HCA_IN_OPCODE) ==
		      HCA_CMD_ATTACH_TO_MCG;
	struct hcasim_qp *qp = qp_ours(x, hca_prm_get(x->in,
						      HCA_CMD_OBJ_NUM));
	int ret;

	if (qp == NULL)
		return hcasim_cmd_fail(x, HCA_STATUS_BAD_RESOURCE,
				       HCASIM_SYN_QP);
	if (mgid[0] != 0xff)
		return hcasim_cmd_fail(x, HCA_STATUS_BAD_PARAM,
				       HCASIM_SYN_MGID);
	ret = attach ? hcasim_mcast_attach(x->h, x->c, qp->qpn, mgid) :
	      hcasim_mcast_detach(x->h, x->c, qp->qpn, mgid);
	if (ret == 0) /* the group the SM-restart probe asks about */
		hcasim_event_note_attach(x->h, x->c->port, mgid, attach);
	switch (ret) {
	case 0:
		return HCA_STATUS_OK;
	case -EEXIST:
	case -EINVAL:
		return hcasim_cmd_fail(x, HCA_STATUS_BAD_PARAM,
				       HCASIM_SYN_MCG_ATTACHED);
	case -EDQUOT:
		return hcasim_cmd_fail(x, HCA_STATUS_LIMITS_EXCEEDED,
				       HCASIM_SYN_MCG_LIMIT);
	case -ENOSPC:
		return hcasim_cmd_fail(x, HCA_STATUS_NO_RESOURCES,
				       HCASIM_SYN_MCG_LIMIT);
	default:
		return hcasim_cmd_fail(x, HCA_STATUS_NO_RESOURCES,
				       HCASIM_SYN_NO_MEM);
	}
}
