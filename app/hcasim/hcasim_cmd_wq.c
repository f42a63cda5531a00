/* SPDX-License-Identifier: BSD-3-Clause */

/**
 * @file
 * The soft HCA's firmware commands of send and receive queues (see
 * hcasim_cmd.h): CREATE_SQ, CREATE_RQ, MODIFY_SQ, MODIFY_RQ and their
 * destroys. An SQ or RQ is a daemon queue (hcasim_res.c, numbered from
 * the QPs' space and counted against the QP limits) whose ring and
 * doorbell record are in client UMEMs, with the WQE and CQE formats of a
 * UD QP's send and receive rings. An SQ sends through its TIS, with the
 * number, port GID, P_Key index and Q_Key of the TIS's underlay QP (read
 * when the SQ goes to RDY); an RQ receives what the root flow table of an
 * underlay QP steers to it (hcasim_cmd_steer.c). The SQ's send counter is
 * word 1 of its doorbell record, the RQ's receive counter word 0, so an
 * SQ and an RQ may share one record. Control thread only.
 */

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "hcasim_cmd.h"
#include "hcasim_msg.h"
#include "hca_dev.h"
#include "hca_log.h"

/** Doorbell records: 8 bytes, 8-byte aligned. */
#define DBR_LEN 8
/** Rings start on a 64-byte boundary of their UMEM. */
#define RING_ALIGN 64
/** log2 of the WQE strides: 64-byte send blocks, 16-byte receive WQEs. */
#define LOG_SQ_STRIDE 6
#define LOG_RQ_STRIDE 4

/** The client's SQ (kind HCASIM_Q_SQ) or RQ of a number, or NULL. */
static struct hcasim_qp *
wq_ours(struct hcasim_cmd_ctx *x, uint32_t num, uint8_t kind)
{
	struct hcasim_qp *q = hcasim_qp_lookup(x->h, num);

	return q != NULL && q->owner == x->c && q->kind == kind ? q : NULL;
}

/**
 * Check a wq structure and find its UMEMs: cyclic, the stride of its
 * kind, a size the daemon holds, the client's PD, ring and doorbell
 * record in sealed UMEMs of the client, aligned.
 *
 * @return 0 or a failed status
 */
static int
wq_check(struct hcasim_cmd_ctx *x, const uint8_t *wq, unsigned int stride,
	 struct hcasim_umem **ring, struct hcasim_umem **dbu)
{
	unsigned int log = hca_prm_get(wq, HCA_WQ_LOG_WQ_SZ);
	uint64_t off = hca_prm_get(wq, HCA_WQ_WQ_UMEM_OFFSET);
	uint64_t dbr = hca_prm_get(wq, HCA_WQ_DBR_ADDR);
	int st;

	if (hca_prm_get(wq, HCA_WQ_TYPE) != HCA_WQ_TYPE_CYCLIC ||
	    hca_prm_get(wq, HCA_WQ_LOG_WQ_STRIDE) != stride)
		return hcasim_cmd_fail(x, HCA_STATUS_BAD_PARAM,
				       HCASIM_SYN_WQ_TYPE);
	if (log == 0 || (1u << log) > HCASIM_MAX_WQE_CNT)
		return hcasim_cmd_fail(x, HCA_STATUS_BAD_SIZE,
				       HCASIM_SYN_WQ_SIZE);
	if (!hcasim_cmd_pd_ours(x->c, hca_prm_get(wq, HCA_WQ_PD)))
		return hcasim_cmd_fail(x, HCA_STATUS_BAD_RESOURCE,
				       HCASIM_SYN_PD);
	if (!hca_prm_get(wq, HCA_WQ_WQ_UMEM_VALID) ||
	    !hca_prm_get(wq, HCA_WQ_DBR_UMEM_VALID))
		return hcasim_cmd_fail(x, HCA_STATUS_BAD_PARAM,
				       HCASIM_SYN_UMEM_VALID);
	st = hcasim_cmd_rings(x, hca_prm_get(wq, HCA_WQ_WQ_UMEM_ID), off,
			      (uint64_t)1 << (log + stride),
			      hca_prm_get(wq, HCA_WQ_DBR_UMEM_ID), dbr, ring,
			      dbu);
	if (st != 0)
		return st;
	return 0;
}

/**
 * Make the daemon queue of an SQ or RQ (in RST) over checked UMEMs.
 *
 * @param cqn   its CQ (send and receive)
 * @param q     set to the queue
 * @return 0 or a failed status
 */
static int
wq_make(struct hcasim_cmd_ctx *x, const uint8_t *wq, uint32_t cqn,
	uint8_t kind, struct hcasim_umem *ring, struct hcasim_umem *dbu,
	struct hcasim_qp **q)
{
	unsigned int log = hca_prm_get(wq, HCA_WQ_LOG_WQ_SZ);
	struct hcasim_qp_create_req req;
	struct hcasim_qp_create_rep rep;
	struct hcasim_client *c = x->c;
	uint8_t *base;
	int fd = -1, ret;

	memset(&req, 0, sizeof(req));
	req.pdn = hca_prm_get(wq, HCA_WQ_PD);
	req.send_cqn = cqn;
	req.recv_cqn = cqn;
	req.sq_wqe_cnt = kind == HCASIM_Q_SQ ? 1u << log : 1;
	req.rq_wqe_cnt = kind == HCASIM_Q_RQ ? 1u << log : 1;
	req.max_inline = HCASIM_MAX_INLINE;
	ret = hcasim_qp_create(x->h, c, &req, &rep, &fd);
	if (ret < 0)
		return hcasim_cmd_create_fail(x, ret, c->nqp >=
			x->h->cfg.limits.client_qp || (c->ident != NULL &&
			c->ident->nqp >= x->h->cfg.limits.host_qp) ?
			HCASIM_SYN_QP_LIMIT : HCASIM_SYN_RING_MEM);
	close(fd);
	*q = hcasim_qp_lookup(x->h, rep.qpn);
	if (hcasim_cmd_hold_add(c, HCASIM_HOLD_QP, rep.qpn, 0, *q, ring,
				dbu) != 0) {
		hcasim_qp_destroy(x->h, c, rep.qpn);
		return hcasim_cmd_fail(x, HCA_STATUS_NO_RESOURCES,
				       HCASIM_SYN_NO_MEM);
	}
	/* in RESET: the data path neither polls nor delivers to it */
	base = ring->base + hca_prm_get(wq, HCA_WQ_WQ_UMEM_OFFSET);
	(*q)->kind = kind;
	if (kind == HCASIM_Q_SQ)
		(*q)->sq = base;
	else
		(*q)->rq = (struct mlx5_wqe_data_seg *)base;
	(*q)->dbrec = (volatile uint32_t *)(dbu->base +
					    hca_prm_get(wq, HCA_WQ_DBR_ADDR));
	hca_prm_set(x->out, HCA_CMD_OBJ_NUM, rep.qpn);
	return HCA_STATUS_OK;
}

/****************************************************************************
 * Create
 ****************************************************************************/

/**
 * CREATE_SQ: in RST, one TIS of the client (its underlay QP gives the
 * source QPN and port GID of every datagram), a CQ of the client.
 */
int
hcasim_cmd_create_sq(struct hcasim_cmd_ctx *x)
{
	const uint8_t *sqc = x->in + HCA_WQ_IN_CTX_OFF;
	const uint8_t *wq = sqc + HCA_SQC_WQ_OFF;
	uint32_t tisn = hca_prm_get(sqc, HCA_SQC_TIS_NUM_0);
	uint32_t cqn = hca_prm_get(sqc, HCA_SQC_CQN);
	struct hcasim_umem *ring, *dbu;
	struct hcasim_qp *q, *u;
	uint32_t uqpn;
	int st;

	if (hca_prm_get(sqc, HCA_SQC_STATE) != HCA_WQ_STATE_RST)
		return hcasim_cmd_fail(x, HCA_STATUS_BAD_PARAM,
				       HCASIM_SYN_WQ_STATE);
	if (hca_prm_get(sqc, HCA_SQC_TIS_LST_SZ) != 1)
		return hcasim_cmd_fail(x, HCA_STATUS_BAD_PARAM,
				       HCASIM_SYN_TIS);
	uqpn = hcasim_steer_tis_underlay(x->c, tisn);
	if (uqpn == 0)
		return hcasim_cmd_fail(x, HCA_STATUS_BAD_RESOURCE,
				       HCASIM_SYN_TIS);
	u = hcasim_qp_lookup(x->h, uqpn);
	if (u == NULL || u->kind != HCASIM_Q_QP)
		return hcasim_cmd_fail(x, HCA_STATUS_BAD_RESOURCE,
				       HCASIM_SYN_UNDERLAY);
	if (hcasim_cmd_cq_ours(x->c, cqn) == NULL)
		return hcasim_cmd_fail(x, HCA_STATUS_BAD_RESOURCE,
				       HCASIM_SYN_CQ);
	st = wq_check(x, wq, LOG_SQ_STRIDE, &ring, &dbu);
	if (st == 0)
		st = wq_make(x, wq, cqn, HCASIM_Q_SQ, ring, dbu, &q);
	if (st != 0)
		return st;
	q->wire_qpn = u->wire_qpn;
	q->gid_port = u->port;
	q->steer_ref = tisn;
	hcasim_steer_tis_ref(x->c, tisn, 1);
	if (u->owner != x->c)
		HCA_LOG(NOTICE,
			"hcasim: SQ 0x%x forges QPN 0x%x and its port GID",
			q->qpn, u->wire_qpn);
	return HCA_STATUS_OK;
}

/** CREATE_RQ: in RST, a memory RQ, a CQ of the client. */
int
hcasim_cmd_create_rq(struct hcasim_cmd_ctx *x)
{
	const uint8_t *rqc = x->in + HCA_WQ_IN_CTX_OFF;
	const uint8_t *wq = rqc + HCA_RQC_WQ_OFF;
	uint32_t cqn = hca_prm_get(rqc, HCA_RQC_CQN);
	struct hcasim_umem *ring, *dbu;
	struct hcasim_qp *q;
	int st;

	if (hca_prm_get(rqc, HCA_RQC_STATE) != HCA_WQ_STATE_RST)
		return hcasim_cmd_fail(x, HCA_STATUS_BAD_PARAM,
				       HCASIM_SYN_WQ_STATE);
	if (hca_prm_get(rqc, HCA_RQC_MEM_RQ_TYPE) != 0)
		return hcasim_cmd_fail(x, HCA_STATUS_BAD_PARAM,
				       HCASIM_SYN_WQ_TYPE);
	if (hcasim_cmd_cq_ours(x->c, cqn) == NULL)
		return hcasim_cmd_fail(x, HCA_STATUS_BAD_RESOURCE,
				       HCASIM_SYN_CQ);
	st = wq_check(x, wq, LOG_RQ_STRIDE, &ring, &dbu);
	if (st == 0)
		st = wq_make(x, wq, cqn, HCASIM_Q_RQ, ring, dbu, &q);
	return st;
}

/****************************************************************************
 * Modify and destroy
 ****************************************************************************/

/** The hcasim_qp state of an SQ/RQ state (RDY: RTS, so it runs). */
static uint32_t
wq_state(uint8_t st)
{
	return st == HCA_WQ_STATE_RDY ? HCA_QPS_RTS :
	       st == HCA_WQ_STATE_ERR ? HCA_QPS_ERR : HCA_QPS_RESET;
}

/** The SQ/RQ state of an hcasim_qp state. */
static uint8_t
wq_prm_state(uint32_t st)
{
	return st == HCA_QPS_RTS ? HCA_WQ_STATE_RDY :
	       st == HCA_QPS_ERR ? HCA_WQ_STATE_ERR : HCA_WQ_STATE_RST;
}

/**
 * Take an SQ to RDY: the Q_Key and P_Key index its underlay QP has now
 * (a send WQE's Q_Key with the top bit set means the QP's own).
 *
 * @return 0 or a failed status
 */
static int
sq_ready(struct hcasim_cmd_ctx *x, struct hcasim_qp *q)
{
	struct hcasim_qp *u = hcasim_qp_lookup(x->h,
		hcasim_steer_tis_underlay(x->c, q->steer_ref));

	if (u == NULL || u->kind != HCASIM_Q_QP)
		return hcasim_cmd_fail(x, HCA_STATUS_BAD_RESOURCE,
				       HCASIM_SYN_UNDERLAY);
	__atomic_store_n(&q->qkey, __atomic_load_n(&u->qkey,
			 __ATOMIC_RELAXED), __ATOMIC_RELAXED);
	__atomic_store_n(&q->pkey_index, __atomic_load_n(&u->pkey_index,
			 __ATOMIC_RELAXED), __ATOMIC_RELAXED);
	return 0;
}

/**
 * MODIFY_SQ, MODIFY_RQ: the PRM's transitions RST->RDY, RDY->RDY,
 * RDY->ERR, RDY->RST, ERR->RST, from the state the input names (which
 * must be the queue's), no field of the bitmask. To RST, the queue's own
 * counter is rewound (word 1 of the doorbell record for an SQ, word 0
 * for an RQ).
 */
int
hcasim_cmd_modify_wq(struct hcasim_cmd_ctx *x)
{
	bool sq = hca_prm_get(x->in, HCA_IN_OPCODE) == HCA_CMD_MODIFY_SQ;
	struct hcasim_qp *q = wq_ours(x, hca_prm_get(x->in, HCA_CMD_OBJ_NUM),
				      sq ? HCASIM_Q_SQ : HCASIM_Q_RQ);
	const uint8_t *ctx = x->in + HCA_WQ_IN_CTX_OFF;
	uint8_t cur = hca_prm_get(x->in, HCA_MODIFY_WQ_IN_STATE);
	uint8_t next = hca_prm_get(ctx, HCA_SQC_STATE);
	uint32_t from;
	int st;

	if (q == NULL)
		return hcasim_cmd_fail(x, HCA_STATUS_BAD_RESOURCE,
				       HCASIM_SYN_WQ);
	from = __atomic_load_n(&q->state, __ATOMIC_ACQUIRE);
	if (cur != wq_prm_state(from) ||
	    hca_prm_get(x->in, HCA_MODIFY_WQ_IN_BITMASK) != 0)
		return hcasim_cmd_fail(x, HCA_STATUS_BAD_RES_STATE,
				       HCASIM_SYN_WQ_STATE);
	if (!(next == HCA_WQ_STATE_RST && cur != HCA_WQ_STATE_RST) &&
	    !(next == HCA_WQ_STATE_RDY && cur != HCA_WQ_STATE_ERR) &&
	    !(next == HCA_WQ_STATE_ERR && cur == HCA_WQ_STATE_RDY))
		return hcasim_cmd_fail(x, HCA_STATUS_BAD_RES_STATE,
				       HCASIM_SYN_WQ_STATE);
	if (sq && next == HCA_WQ_STATE_RDY) {
		st = sq_ready(x, q);
		if (st != 0)
			return st;
	}
	__atomic_store_n(&q->state, wq_state(next), __ATOMIC_RELEASE);
	if (sq)
		hcasim_view_rebuild(x->h); /* syncs */
	if (next == HCA_WQ_STATE_RST) {
		hcasim_dp_sync(x->h);
		if (sq) {
			q->sq_tail = 0;
			q->dbrec[MLX5_SND_DBR] = 0;
		} else {
			q->rq_tail = 0;
			q->rq_prod_cache = 0;
			q->dbrec[MLX5_RCV_DBR] = 0;
		}
	}
	return HCA_STATUS_OK;
}

/** DESTROY_SQ, DESTROY_RQ (not while an RQ table lists the RQ). */
int
hcasim_cmd_destroy_wq(struct hcasim_cmd_ctx *x)
{
	bool sq = hca_prm_get(x->in, HCA_IN_OPCODE) == HCA_CMD_DESTROY_SQ;
	uint32_t num = hca_prm_get(x->in, HCA_CMD_OBJ_NUM);
	struct hcasim_qp *q = wq_ours(x, num, sq ? HCASIM_Q_SQ : HCASIM_Q_RQ);
	uint32_t tisn;

	if (q == NULL)
		return hcasim_cmd_fail(x, HCA_STATUS_BAD_RESOURCE,
				       HCASIM_SYN_WQ);
	if (!sq && q->steer_ref != 0)
		return hcasim_cmd_fail(x, HCA_STATUS_RESOURCE_BUSY,
				       HCASIM_SYN_WQ_BUSY);
	tisn = q->steer_ref;
	if (hcasim_qp_destroy(x->h, x->c, num) != 0)
		return hcasim_cmd_fail(x, HCA_STATUS_RESOURCE_BUSY,
				       HCASIM_SYN_WQ);
	if (sq)
		hcasim_steer_tis_ref(x->c, tisn, -1);
	hcasim_cmd_hold_drop(x->c, HCASIM_HOLD_QP, num);
	return HCA_STATUS_OK;
}
