/* SPDX-License-Identifier: BSD-3-Clause */

/**
 * @file
 * The RSS children of a UD QP through firmware commands, as ConnectX
 * IPoIB (Linux's mlx5i) builds its queues: the parent QP is the underlay
 * that gives the address; each child is an SQ, whose datagrams leave
 * through the parent's TIS (underlay_qpn: the parent's QPN as source),
 * and an RQ. Receives: an RQ table of every child's RQ, a TIR spreading
 * over it by a Toeplitz hash of IP addresses and ports, a NIC receive
 * flow table with one match-all entry forwarding to the TIR, bound to
 * the parent by SET_FLOW_TABLE_ROOT. The first child makes the TIS and
 * that chain; the next ones change the RQ table (MODIFY_RQT); the last
 * one out takes the chain down. A child keeps the view of a QP that the
 * data path reads: its ring holds the receive WQEs, then the send
 * blocks, then one doorbell record that the RQ (word 0) and the SQ
 * (word 1) share. A child of another device's QP is a forger (tests, the
 * daemon started with --allow-forge): its own TIS names that QP, its RQ
 * is in no table.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <infiniband/mlx5dv.h>

#include "hca_log.h"
#include "hca_cmdobj_rss.h"

/** Most children of one parent (the RQ table's room). */
#define RSS_MAX_CHILDREN HCA_CMDOBJ_RSS_MAX_CHILDREN

/** A parent's TIS, its receive steering, and its children. */
struct cmdobj_rss {
	uint32_t tisn;
	bool steering;           /**< RQ table .. root made */
	uint32_t rqtn, tirn, ft_id, fg_id;
	uint32_t n;
	struct cmdobj_qp *child[RSS_MAX_CHILDREN];
};

/** The Toeplitz key of the TIR: the widely used default key. */
static const uint8_t rss_toeplitz_key[HCA_TIRC_TOEPLITZ_KEY_LEN] = {
	0x6d, 0x5a, 0x56, 0xda, 0x25, 0x5b, 0x0e, 0xc2,
	0x41, 0x67, 0x25, 0x3d, 0x43, 0xa3, 0x8f, 0xb0,
	0xd0, 0xca, 0x2b, 0xcb, 0xae, 0x7b, 0x30, 0xb4,
	0x77, 0xcb, 0x2d, 0xa3, 0x80, 0x30, 0xf2, 0x0c,
	0x6a, 0x42, 0xb7, 0x3b, 0xbe, 0xac, 0x01, 0xfa,
};

/** Execute a command whose output is a header and maybe a number. */
static int
run(struct hca_cmdobj_port *p, const uint8_t *in, int in_len, uint32_t *num)
{
	uint8_t out[OUT_MAX];
	int ret = hca_cmdobj_exec(p, in, in_len, out, HCA_CMD_SHORT_LEN);

	if (ret == 0 && num != NULL)
		ret = hca_cmd_obj_out(out, HCA_CMD_SHORT_LEN, num);
	return ret;
}

/****************************************************************************
 * Receive steering
 ****************************************************************************/

/** The RQ numbers of a parent's children, in order. */
static unsigned int
rss_rqns(const struct cmdobj_rss *r, uint32_t *rqns)
{
	unsigned int i;

	for (i = 0; i < r->n; i++)
		rqns[i] = r->child[i]->rqn;
	return r->n;
}

/**
 * Make the steering of a parent whose first child is in: RQ table, TIR,
 * flow table, group, match-all entry, root. Undone on failure.
 */
static int
steering_make(struct hca_cmdobj_port *p, struct cmdobj_qp *parent)
{
	struct cmdobj_rss *r = parent->rss;
	uint32_t rqns[RSS_MAX_CHILDREN];
	struct hca_cmd_tir tir = { .rqtn = 0 };
	struct hca_cmd_flow_table ft = { .table_type = HCA_FT_TYPE_NIC_RX };
	struct hca_cmd_flow_group fg = { .table_type = HCA_FT_TYPE_NIC_RX };
	struct hca_cmd_fte fte = { .table_type = HCA_FT_TYPE_NIC_RX,
				   .dest_type = HCA_FLOW_DEST_TIR };
	uint8_t in[IN_MAX];
	unsigned int n = rss_rqns(r, rqns);
	int ret;

	ret = run(p, in, hca_cmd_rqt_in(in, sizeof(in), 0, 0, rqns, n,
					RSS_MAX_CHILDREN), &r->rqtn);
	if (ret < 0)
		return ret;
	tir.rqtn = r->rqtn;
	memcpy(tir.toeplitz_key, rss_toeplitz_key, sizeof(tir.toeplitz_key));
	tir.selected_fields = HCA_RX_HASH_SRC_IP | HCA_RX_HASH_DST_IP |
			      HCA_RX_HASH_L4_SPORT | HCA_RX_HASH_L4_DPORT;
	ret = run(p, in, hca_cmd_create_tir_in(in, sizeof(in), &tir),
		  &r->tirn);
	if (ret < 0)
		goto no_tir;
	ret = run(p, in, hca_cmd_create_flow_table_in(in, sizeof(in), &ft),
		  &r->ft_id);
	if (ret < 0)
		goto no_ft;
	fg.table_id = r->ft_id;
	ret = run(p, in, hca_cmd_create_flow_group_in(in, sizeof(in), &fg),
		  &r->fg_id);
	if (ret < 0)
		goto no_fg;
	fte.table_id = r->ft_id;
	fte.group_id = r->fg_id;
	fte.dest_id = r->tirn;
	ret = run(p, in, hca_cmd_set_fte_in(in, sizeof(in), &fte), NULL);
	if (ret < 0)
		goto no_fte;
	ret = run(p, in, hca_cmd_set_flow_table_root_in(in, sizeof(in), 0,
		  HCA_FT_TYPE_NIC_RX, r->ft_id, parent->qp.qpn, false), NULL);
	if (ret == 0) {
		r->steering = true;
		return 0;
	}
	run(p, in, hca_cmd_delete_fte_in(in, sizeof(in), 0,
					 HCA_FT_TYPE_NIC_RX, r->ft_id, 0),
						 NULL);
no_fte:
	run(p, in, hca_cmd_destroy_flow_group_in(in, sizeof(in), 0,
		HCA_FT_TYPE_NIC_RX, r->ft_id, r->fg_id), NULL);
no_fg:
	run(p, in, hca_cmd_destroy_flow_table_in(in, sizeof(in), 0,
		HCA_FT_TYPE_NIC_RX, r->ft_id), NULL);
no_ft:
	run(p, in, hca_cmd_destroy_tir_in(in, sizeof(in), 0, r->tirn), NULL);
no_tir:
	run(p, in, hca_cmd_destroy_rqt_in(in, sizeof(in), 0, r->rqtn), NULL);
	return ret;
}

/** Take a parent's steering down (its last child is leaving). */
static int
steering_drop(struct hca_cmdobj_port *p, struct cmdobj_qp *parent)
{
	struct cmdobj_rss *r = parent->rss;
	uint8_t in[IN_MAX];
	int ret;

	ret = run(p, in, hca_cmd_set_flow_table_root_in(in, sizeof(in), 0,
		  HCA_FT_TYPE_NIC_RX, 0, parent->qp.qpn, true), NULL);
	if (ret == 0)
		ret = run(p, in, hca_cmd_delete_fte_in(in, sizeof(in), 0,
			  HCA_FT_TYPE_NIC_RX, r->ft_id, 0), NULL);
	if (ret == 0)
		ret = run(p, in, hca_cmd_destroy_flow_group_in(in, sizeof(in),
			  0, HCA_FT_TYPE_NIC_RX, r->ft_id, r->fg_id), NULL);
	if (ret == 0)
		ret = run(p, in, hca_cmd_destroy_flow_table_in(in, sizeof(in),
			  0, HCA_FT_TYPE_NIC_RX, r->ft_id), NULL);
	if (ret == 0)
		ret = run(p, in, hca_cmd_destroy_tir_in(in, sizeof(in), 0,
							r->tirn), NULL);
	if (ret == 0)
		ret = run(p, in, hca_cmd_destroy_rqt_in(in, sizeof(in), 0,
							r->rqtn), NULL);
	if (ret == 0)
		r->steering = false;
	return ret;
}

/** Point the RQ table at the children now listed (MODIFY_RQT). */
static int
steering_update(struct hca_cmdobj_port *p, struct cmdobj_qp *parent)
{
	struct cmdobj_rss *r = parent->rss;
	uint32_t rqns[RSS_MAX_CHILDREN];
	uint8_t in[IN_MAX];
	unsigned int n = rss_rqns(r, rqns);

	return run(p, in, hca_cmd_rqt_in(in, sizeof(in), 0, r->rqtn, rqns, n,
					 RSS_MAX_CHILDREN), NULL);
}

/****************************************************************************
 * Children
 ****************************************************************************/

/**
 * A TIS naming an underlay QP, held by q (a parent, made with its first
 * child; or a forger, its own).
 */
static int
rss_tis(struct hca_cmdobj_port *p, struct cmdobj_qp *q, uint32_t underlay_qpn)
{
	struct hca_cmd_tis tis = { .underlay_qpn = underlay_qpn };
	uint8_t in[IN_MAX];
	int ret;

	if (q->rss != NULL)
		return 0;
	q->rss = calloc(1, sizeof(*q->rss));
	if (q->rss == NULL)
		return -ENOMEM;
	ret = run(p, in, hca_cmd_create_tis_in(in, sizeof(in), &tis),
		  &q->rss->tisn);
	if (ret < 0) {
		free(q->rss);
		q->rss = NULL;
	}
	return ret;
}

/** Release the TIS q holds. */
static int
rss_tis_release(struct hca_cmdobj_port *p, struct cmdobj_qp *q)
{
	uint8_t in[IN_MAX];
	int ret;

	ret = run(p, in, hca_cmd_destroy_tis_in(in, sizeof(in), 0,
						q->rss->tisn), NULL);
	if (ret < 0 && ret != -ECONNRESET)
		return ret;
	free(q->rss);
	q->rss = NULL;
	return 0;
}

/** CREATE_SQ and CREATE_RQ of a child over its ring. */
static int
child_queues(struct hca_cmdobj_port *p, struct cmdobj_qp *q, uint32_t pdn,
	     const struct hca_qp_init_attr *attr, uint32_t sq_cnt,
	     uint32_t rq_cnt, size_t rq_len, size_t dbr)
{
	struct hca_cmd_wq wq = { .pdn = pdn, .wq_umem_id = q->ring.umem,
				 .dbr_umem_id = q->ring.umem,
				 .dbr_addr = dbr };
	struct hca_cmd_sq sq = { .cqn = attr->send_cq->cqn };
	struct hca_cmd_rq rq = { .cqn = attr->recv_cq->cqn, .vsd = true };
	uint8_t in[IN_MAX];
	int ret;

	sq.tisn = q->forger ? q->rss->tisn : q->parent->rss->tisn;
	sq.wq = wq;
	sq.wq.log_wq_stride = hca_cmdobj_log2_of(MLX5_SEND_WQE_BB);
	sq.wq.log_wq_sz = hca_cmdobj_log2_of(sq_cnt);
	sq.wq.wq_umem_offset = rq_len;
	rq.wq = wq;
	rq.wq.log_wq_stride = hca_cmdobj_log2_of(sizeof(struct
						     mlx5_wqe_data_seg));
	rq.wq.log_wq_sz = hca_cmdobj_log2_of(rq_cnt);
	ret = run(p, in, hca_cmd_create_sq_in(in, sizeof(in), &sq), &q->sqn);
	if (ret < 0)
		return ret;
	ret = run(p, in, hca_cmd_create_rq_in(in, sizeof(in), &rq), &q->rqn);
	if (ret < 0)
		run(p, in, hca_cmd_destroy_sq_in(in, sizeof(in), 0, q->sqn),
		    NULL);
	return ret;
}

/* See hca_cmdobj_rss.h. */
uint32_t
hca_cmdobj_rss_queues(const struct hca_cmdobj_port *p)
{
	uint32_t n = hca_cmd_hca_cap_rss_queues(&p->cap);

	return n < RSS_MAX_CHILDREN ? n : RSS_MAX_CHILDREN;
}

/* See hca_cmdobj_rss.h. */
int
hca_cmdobj_rss_child_create(struct hca_cmdobj_port *p, struct cmdobj_qp *q,
			 uint32_t pdn, const struct hca_qp_init_attr *attr)
{
	struct cmdobj_qp *parent = attr->rss_parent->priv;
	uint32_t sq_cnt = hca_cmdobj_pow2_at_least(attr->sq_wqe_cnt);
	uint32_t rq_cnt = hca_cmdobj_pow2_at_least(attr->rq_wqe_cnt < 4 ? 4 :
						attr->rq_wqe_cnt);
	size_t rq_len = (size_t)rq_cnt * sizeof(struct mlx5_wqe_data_seg);
	size_t dbr = rq_len + (size_t)sq_cnt * MLX5_SEND_WQE_BB;
	uint32_t max = hca_cmdobj_rss_queues(p);
	struct cmdobj_rss *r;
	uint8_t in[IN_MAX];
	uint8_t *m;
	int ret;

	if (parent->parent != NULL || parent->forger)
		return -EINVAL;
	q->forger = parent->head.dev != q->head.dev;
	if (!q->forger && max < 2) {
		HCA_LOG(ERR, "%s: no RSS children: the device lacks "
			"ipoib_enhanced_offloads or an RSS object "
			"(QUERY_HCA_CAP)", p->ca_name);
		return -ENOTSUP;
	}
	if (!q->forger && parent->rss != NULL && parent->rss->n >= max)
		return -ENOSPC;
	ret = q->forger ? rss_tis(p, q, parent->qp.qpn) :
	      rss_tis(p, parent, parent->qp.qpn);
	if (ret < 0)
		return ret;
	r = parent->rss;
	ret = hca_cmdobj_ring_alloc(p, "hca-rss", dbr + DBR_ROOM, &q->ring);
	if (ret < 0)
		goto no_ring;
	q->parent = q->forger ? NULL : parent;
	ret = child_queues(p, q, pdn, attr, sq_cnt, rq_cnt, rq_len, dbr);
	if (ret < 0)
		goto fail;
	if (!q->forger) {
		r->child[r->n++] = q;
		ret = r->steering ? steering_update(p, parent) :
		      steering_make(p, parent);
	}
	if (ret < 0) {
		r->n--;
		run(p, in, hca_cmd_destroy_rq_in(in, sizeof(in), 0, q->rqn),
		    NULL);
		run(p, in, hca_cmd_destroy_sq_in(in, sizeof(in), 0, q->sqn),
		    NULL);
		goto fail;
	}
	m = q->ring.map;
	q->sq_state = HCA_WQ_STATE_RST;
	q->rq_state = HCA_WQ_STATE_RST;
	q->qp.qpn = q->sqn;
	q->qp.wire_qpn = parent->qp.qpn;
	q->qp.rq_buf = (struct mlx5_wqe_data_seg *)m;
	q->qp.rq_wqe_cnt = rq_cnt;
	q->qp.sq_buf = m + rq_len;
	q->qp.sq_wqe_cnt = sq_cnt;
	q->qp.dbrec = (volatile uint32_t *)(m + dbr);
	q->qp.max_inline = attr->max_inline;
	return 0;
fail:
	q->parent = NULL;
	hca_cmdobj_ring_free(p, &q->ring, true);
no_ring:
	if (q->forger)
		rss_tis_release(p, q);
	return ret;
}

/**
 * MODIFY_SQ or MODIFY_RQ of a child to a state, from the one last set;
 * toward RST from RDY, also tried from ERR (the device moves a queue
 * to ERR on its own).
 */
static int
child_move(struct hca_cmdobj_port *p, struct cmdobj_qp *q, bool sq, uint8_t next)
{
	uint8_t *cur = sq ? &q->sq_state : &q->rq_state;
	uint32_t num = sq ? q->sqn : q->rqn;
	uint8_t in[IN_MAX], out[OUT_MAX];
	uint8_t from[2] = { *cur, HCA_WQ_STATE_ERR };
	unsigned int i, tries;
	int len, n, ret = 0;

	if (*cur == next)
		return 0;
	tries = next == HCA_WQ_STATE_RST && *cur == HCA_WQ_STATE_RDY ? 2 : 1;
	for (i = 0; i < tries; i++) {
		len = sq ? hca_cmd_modify_sq_in(in, sizeof(in), 0, num,
						from[i], next) :
		      hca_cmd_modify_rq_in(in, sizeof(in), 0, num, from[i],
					   next);
		if (i + 1 == tries) {
			ret = hca_cmdobj_exec(p, in, len, out, HCA_OUT_HDR_LEN);
			break;
		}
		/* first try unlogged: the queue may be in ERR already */
		if (hca_cmdobj_lost(p))
			return -ECONNRESET;
		n = p->cmd.ops->exec(p->cmd.ctx, in, (size_t)len, out,
				     sizeof(out));
		ret = n < 0 ? n : hca_cmd_check_out(out, (size_t)n,
						    HCA_OUT_HDR_LEN, NULL,
						    NULL);
		if (ret == 0)
			break;
	}
	if (ret == 0)
		*cur = next;
	return ret;
}

/* See hca_cmdobj_rss.h. */
int
hca_cmdobj_rss_child_modify(struct hca_cmdobj_port *p, struct cmdobj_qp *q,
			 enum hca_qp_state state)
{
	int ret = 0;

	switch (state) {
	case HCA_QPS_RESET:
		ret = child_move(p, q, true, HCA_WQ_STATE_RST);
		if (ret == 0)
			ret = child_move(p, q, false, HCA_WQ_STATE_RST);
		break;
	case HCA_QPS_INIT:
		break;
	case HCA_QPS_RTR:
		ret = child_move(p, q, false, HCA_WQ_STATE_RDY);
		break;
	case HCA_QPS_RTS:
		ret = child_move(p, q, true, HCA_WQ_STATE_RDY);
		break;
	case HCA_QPS_ERR:
		if (q->sq_state == HCA_WQ_STATE_RDY)
			ret = child_move(p, q, true, HCA_WQ_STATE_ERR);
		if (ret == 0 && q->rq_state == HCA_WQ_STATE_RDY)
			ret = child_move(p, q, false, HCA_WQ_STATE_ERR);
		break;
	default:
		return -EINVAL;
	}
	return ret;
}

/* See hca_cmdobj_rss.h. */
int
hca_cmdobj_rss_child_destroy(struct hca_cmdobj_port *p, struct cmdobj_qp *q)
{
	struct cmdobj_qp *parent = q->parent;
	struct cmdobj_rss *r;
	uint8_t in[IN_MAX];
	unsigned int i;
	int ret;

	if (q->forger) {
		ret = run(p, in, hca_cmd_destroy_rq_in(in, sizeof(in), 0,
						       q->rqn), NULL);
		if (ret == 0)
			ret = run(p, in, hca_cmd_destroy_sq_in(in, sizeof(in),
							       0, q->sqn),
				  NULL);
		if (ret == 0)
			ret = rss_tis_release(p, q);
		if (ret < 0 && ret != -ECONNRESET)
			return ret;
		hca_cmdobj_ring_free(p, &q->ring, ret == 0);
		free(q->rss);
		q->rss = NULL;
		return ret;
	}
	r = parent->rss;
	for (i = 0; i < r->n && r->child[i] != q; i++)
		;
	if (i == r->n)
		return -EINVAL;
	memmove(&r->child[i], &r->child[i + 1],
		(r->n - i - 1) * sizeof(r->child[0]));
	r->n--;
	ret = r->n == 0 ? steering_drop(p, parent) :
	      steering_update(p, parent);
	if (ret == 0)
		ret = run(p, in, hca_cmd_destroy_rq_in(in, sizeof(in), 0,
						       q->rqn), NULL);
	if (ret == 0)
		ret = run(p, in, hca_cmd_destroy_sq_in(in, sizeof(in), 0,
						       q->sqn), NULL);
	if (ret < 0 && ret != -ECONNRESET) {
		r->child[r->n++] = q; /* still steered to: keep it */
		return ret;
	}
	hca_cmdobj_ring_free(p, &q->ring, ret == 0);
	return ret;
}

/* See hca_cmdobj_rss.h. */
int
hca_cmdobj_rss_parent_release(struct hca_cmdobj_port *p, struct cmdobj_qp *q)
{
	if (q->rss == NULL)
		return 0;
	if (q->rss->n != 0)
		return -EBUSY;
	return rss_tis_release(p, q);
}
