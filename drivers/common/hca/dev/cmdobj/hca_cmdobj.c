/* SPDX-License-Identifier: BSD-3-Clause */

/**
 * @file
 * The objects of a command-driven backend through firmware commands (see
 * hca_cmdobj.h; RSS children in hca_cmdobj_rss.c). Rings: one piece of
 * queue memory per CQ (the CQEs, then the doorbell record 64 bytes
 * after) and per QP (the receive ring, the send ring right after it as
 * the PRM lays out a WQ, then the doorbell record), registered as one
 * UMEM each (hca_cmdobj_ring_alloc()); CQEs start invalid with the owner
 * bit clear, as hca_dp.h polls them. A failed command is logged by
 * hca_cmd_exec() (name, PRM status, syndrome) and returns its errno.
 */

#include <endian.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <infiniband/mlx5dv.h>

#include "hca_log.h"
#include "hca_cmdobj.h"
#include "hca_cmdobj_rss.h"

/** A CQ (hca_cq.priv points here). */
struct cmdobj_cq {
	struct hca_obj_head head;
	struct hca_cmdobj_link link;
	struct hca_cq cq;
	struct cmdobj_ring ring;
};

/** The port of a device. */
static struct hca_cmdobj_port *
port_of(struct hca_dev *dev)
{
	return (struct hca_cmdobj_port *)dev;
}

/** Track an object on its port. */
static void
link_add(struct hca_cmdobj_port *p, struct hca_cmdobj_link *l,
	 enum hca_cmdobj_kind kind)
{
	pthread_mutex_lock(&p->obj_lock);
	l->kind = kind;
	l->next = p->objs.next;
	l->prev = &p->objs;
	p->objs.next->prev = l;
	p->objs.next = l;
	pthread_mutex_unlock(&p->obj_lock);
}

/** Stop tracking an object. */
static void
link_del(struct hca_cmdobj_port *p, struct hca_cmdobj_link *l)
{
	pthread_mutex_lock(&p->obj_lock);
	l->prev->next = l->next;
	l->next->prev = l->prev;
	pthread_mutex_unlock(&p->obj_lock);
}

/** Destroy a command-made object (DESTROY_*, DEALLOC_PD). */
static int
exec_obj(struct hca_cmdobj_port *p, int in_len, const uint8_t *in)
{
	uint8_t out[OUT_MAX];

	return hca_cmdobj_exec(p, in, in_len, out, HCA_OUT_HDR_LEN);
}

/****************************************************************************
 * Port
 ****************************************************************************/

/* See hca_cmdobj.h. */
int
hca_cmdobj_port_init(struct hca_cmdobj_port *p)
{
	struct hca_cmd_query_cap q = { .cap_type = HCA_CAP_TYPE_GENERAL,
				       .current = true };
	uint8_t in[IN_MAX], out[OUT_MAX];
	int ret;

	p->objs.next = p->objs.prev = &p->objs;
	pthread_mutex_init(&p->obj_lock, NULL);
	ret = hca_cmdobj_exec(p, in,
			      hca_cmd_query_hca_cap_in(in, sizeof(in), &q),
			      out,
			      HCA_QUERY_HCA_CAP_OUT_CAP_OFF +
			      HCA_CAP_GENERAL_LEN);
	if (ret == 0)
		ret = hca_cmd_query_hca_cap_out(out,
						HCA_QUERY_HCA_CAP_OUT_CAP_OFF
						+ HCA_CAP_GENERAL_LEN, &p->cap);
	if (ret == 0 && (p->cap.ipoib_basic_offloads ||
			 p->cap.ipoib_enhanced_offloads)) {
		/* the offloads' details; a device that refuses the query
		 * has none of them */
		q.cap_type = HCA_CAP_TYPE_ETH_OFFLOADS;
		if (hca_cmdobj_exec(p, in,
				    hca_cmd_query_hca_cap_in(in, sizeof(in), &q),
				    out, HCA_QUERY_HCA_CAP_OUT_CAP_OFF +
				    HCA_CAP_ETH_LEN) != 0 ||
		    hca_cmd_query_eth_cap_out(out,
					      HCA_QUERY_HCA_CAP_OUT_CAP_OFF +
					      HCA_CAP_ETH_LEN, &p->cap) != 0) {
			p->cap.csum_cap = false;
			p->cap.max_lso_cap = 0;
		}
	}
	if (ret < 0)
		pthread_mutex_destroy(&p->obj_lock);
	return ret;
}

/** Free this side of an object (the device freed its side). */
static void
obj_free(struct hca_cmdobj_port *p, struct hca_cmdobj_link *l)
{
	switch (l->kind) {
	case HCA_CMDOBJ_PD:
		free(CMDOBJ_OF(l, struct cmdobj_pd, link));
		break;
	case HCA_CMDOBJ_MR:
		free(CMDOBJ_OF(l, struct cmdobj_mr, link));
		break;
	case HCA_CMDOBJ_CQ: {
		struct cmdobj_cq *c = CMDOBJ_OF(l, struct cmdobj_cq, link);

		hca_cmdobj_ring_free(p, &c->ring, false);
		free(c);
		break;
	}
	case HCA_CMDOBJ_QP: {
		struct cmdobj_qp *q = CMDOBJ_OF(l, struct cmdobj_qp, link);

		hca_cmdobj_ring_free(p, &q->ring, false);
		free(q->rss);
		free(q);
		break;
	}
	}
}

/* See hca_cmdobj.h. */
void
hca_cmdobj_port_fini(struct hca_cmdobj_port *p)
{
	while (p->objs.next != &p->objs) {
		struct hca_cmdobj_link *l = p->objs.next;

		l->prev->next = l->next;
		l->next->prev = l->prev;
		obj_free(p, l);
	}
	pthread_mutex_destroy(&p->obj_lock);
}

/****************************************************************************
 * PD and MR
 ****************************************************************************/

/* See hca_cmdobj.h. */
struct hca_pd *
hca_cmdobj_pd_alloc(struct hca_dev *dev, int *err)
{
	struct hca_cmdobj_port *p = port_of(dev);
	struct cmdobj_pd *pd = calloc(1, sizeof(*pd));
	uint8_t in[IN_MAX], out[OUT_MAX];
	int ret = -ENOMEM;

	if (pd != NULL && p->hooks->pd_alloc != NULL)
		ret = p->hooks->pd_alloc(p, &pd->pdn, &pd->handle);
	else if (pd != NULL)
		ret = hca_cmdobj_exec(p, in,
				   hca_cmd_alloc_pd_in(in, sizeof(in), 0),
				   out, HCA_CMD_SHORT_LEN);
	if (ret == 0 && p->hooks->pd_alloc == NULL)
		ret = hca_cmd_alloc_pd_out(out, HCA_CMD_SHORT_LEN, &pd->pdn);
	if (ret < 0) {
		free(pd);
		if (err != NULL)
			*err = ret;
		return NULL;
	}
	pd->base.dev = dev;
	link_add(p, &pd->link, HCA_CMDOBJ_PD);
	return &pd->base;
}

/* See hca_cmdobj.h. */
int
hca_cmdobj_pd_free(struct hca_pd *hpd)
{
	struct hca_cmdobj_port *p = port_of(hpd->dev);
	struct cmdobj_pd *pd = (struct cmdobj_pd *)hpd;
	uint8_t in[IN_MAX];
	int ret;

	if (p->hooks->pd_free != NULL)
		ret = p->hooks->pd_free(p, pd->pdn, pd->handle);
	else
		ret = exec_obj(p, hca_cmd_dealloc_pd_in(in, sizeof(in), 0,
							pd->pdn), in);
	if (ret < 0 && ret != -ECONNRESET)
		return ret;
	link_del(p, &pd->link);
	free(pd);
	return 0;
}

/* See hca_cmdobj.h. */
int
hca_cmdobj_mr_reg(struct hca_pd *hpd, void *addr, size_t len, int fd,
	       off_t fd_off, struct hca_mr **out_mr)
{
	struct hca_cmdobj_port *p = port_of(hpd->dev);
	uint8_t in[IN_MAX], out[OUT_MAX];
	struct hca_cmd_mkey mk;
	struct cmdobj_mr *mr;
	int ret;

	mr = calloc(1, sizeof(*mr));
	if (mr == NULL)
		return -ENOMEM;
	ret = p->hooks->umem_reg != NULL ?
	      p->hooks->umem_reg(p, addr, len, fd, fd_off, &mr->umem) :
	      hca_cmdobj_umem_reg(p, addr, len, &mr->umem);
	if (ret < 0) {
		free(mr);
		return ret;
	}
	memset(&mk, 0, sizeof(mk));
	mk.pdn = ((struct cmdobj_pd *)hpd)->pdn;
	mk.start_addr = (uintptr_t)addr;
	mk.len = len;
	mk.umem_id = mr->umem;
	mk.log_page_size = 12;
	pthread_mutex_lock(&p->obj_lock);
	mk.mkey_7_0 = p->mkey_tag++;
	pthread_mutex_unlock(&p->obj_lock);
	mk.local_write = true;
	ret = hca_cmdobj_exec(p, in, hca_cmd_create_mkey_in(in, sizeof(in), &mk),
			   out,
		   HCA_CMD_SHORT_LEN);
	if (ret == 0)
		ret = hca_cmd_create_mkey_out(out, HCA_CMD_SHORT_LEN,
					      &mr->mkey_index);
	if (ret < 0) {
		hca_cmdobj_umem_dereg(p, mr->umem);
		free(mr);
		return ret;
	}
	mr->obj.pub.lkey = mr->mkey_index << 8 | mk.mkey_7_0;
	mr->obj.pub.addr = (uintptr_t)addr;
	mr->obj.pub.len = len;
	mr->obj.dev = hpd->dev;
	link_add(p, &mr->link, HCA_CMDOBJ_MR);
	*out_mr = &mr->obj.pub;
	return 0;
}

/* See hca_cmdobj.h. */
int
hca_cmdobj_mr_dereg(struct hca_mr *hmr)
{
	struct cmdobj_mr *mr = (struct cmdobj_mr *)hmr;
	struct hca_cmdobj_port *p = port_of(mr->obj.dev);
	uint8_t in[IN_MAX];
	int ret;

	ret = exec_obj(p, hca_cmd_destroy_mkey_in(in, sizeof(in), 0,
						  mr->mkey_index), in);
	if (ret < 0 && ret != -ECONNRESET)
		return ret;
	if (ret == 0)
		hca_cmdobj_umem_dereg(p, mr->umem);
	link_del(p, &mr->link);
	free(mr);
	return 0;
}

/****************************************************************************
 * CQ
 ****************************************************************************/

/* See hca_cmdobj.h. */
int
hca_cmdobj_cq_create(struct hca_dev *dev, uint32_t min_cqe, struct hca_cq **out_cq)
{
	struct hca_cmdobj_port *p = port_of(dev);
	uint8_t in[IN_MAX], out[OUT_MAX];
	struct hca_cmd_cq cc;
	struct cmdobj_cq *c;
	uint32_t cnt, i;
	size_t dbr;
	int ret;

	if (min_cqe == 0 || min_cqe > 1u << p->cap.log_max_cq_sz)
		return -EINVAL;
	cnt = hca_cmdobj_pow2_at_least(min_cqe < 2 ? 2 : min_cqe);
	dbr = (size_t)cnt * sizeof(struct mlx5_cqe64);
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return -ENOMEM;
	ret = hca_cmdobj_ring_alloc(p, "hca-cq", dbr + DBR_ROOM, &c->ring);
	if (ret < 0) {
		free(c);
		return ret;
	}
	c->cq.cqes = c->ring.map;
	for (i = 0; i < cnt; i++)
		c->cq.cqes[i].op_own = MLX5_CQE_INVALID << 4;
	memset(&cc, 0, sizeof(cc));
	cc.log_cq_size = hca_cmdobj_log2_of(cnt);
	cc.cqe_sz = HCA_CQC_CQE_SZ_64;
	cc.uar_page = p->uar_page;
	cc.c_eqn = p->c_eqn;
	cc.cq_umem_id = c->ring.umem;
	cc.dbr_umem_id = c->ring.umem;
	cc.dbr_addr = dbr;
	ret = hca_cmdobj_exec(p, in, hca_cmd_create_cq_in(in, sizeof(in), &cc),
			   out,
		   HCA_CMD_SHORT_LEN);
	if (ret == 0)
		ret = hca_cmd_create_cq_out(out, HCA_CMD_SHORT_LEN,
					    &c->cq.cqn);
	if (ret < 0) {
		hca_cmdobj_ring_free(p, &c->ring, true);
		free(c);
		return ret;
	}
	c->head.dev = dev;
	c->cq.cqe_cnt = cnt;
	c->cq.cons_index = 0;
	c->cq.dbrec = (volatile uint32_t *)((uint8_t *)c->ring.map + dbr);
	c->cq.priv = c;
	link_add(p, &c->link, HCA_CMDOBJ_CQ);
	*out_cq = &c->cq;
	return 0;
}

/* See hca_cmdobj.h. */
int
hca_cmdobj_cq_destroy(struct hca_cq *cq)
{
	struct cmdobj_cq *c = cq->priv;
	struct hca_cmdobj_port *p = port_of(c->head.dev);
	uint8_t in[IN_MAX];
	int ret;

	ret = exec_obj(p, hca_cmd_destroy_cq_in(in, sizeof(in), 0, cq->cqn),
		       in);
	if (ret < 0 && ret != -ECONNRESET)
		return ret;
	link_del(p, &c->link);
	hca_cmdobj_ring_free(p, &c->ring, ret == 0);
	free(c);
	return 0;
}

/****************************************************************************
 * QP
 ****************************************************************************/

/**
 * CREATE_QP over rings of this side: the receive ring (16-byte WQEs, at
 * least 4 so that the send ring after it starts on 64 bytes), the send
 * ring (64-byte blocks), the doorbell record (receive counter at [0],
 * send counter at [1]).
 */
static int
qp_create_by_cmd(struct hca_cmdobj_port *p, struct cmdobj_qp *q, uint32_t pdn,
		 const struct hca_qp_init_attr *attr)
{
	uint32_t sq_cnt = hca_cmdobj_pow2_at_least(attr->sq_wqe_cnt);
	uint32_t rq_cnt = hca_cmdobj_pow2_at_least(attr->rq_wqe_cnt < 4 ? 4 :
					attr->rq_wqe_cnt);
	size_t rq_len = (size_t)rq_cnt * sizeof(struct mlx5_wqe_data_seg);
	size_t dbr = rq_len + (size_t)sq_cnt * MLX5_SEND_WQE_BB;
	uint8_t in[IN_MAX], out[OUT_MAX];
	struct hca_cmd_qp cq;
	uint8_t *m;
	int ret;

	ret = hca_cmdobj_ring_alloc(p, "hca-qp", dbr + DBR_ROOM, &q->ring);
	if (ret < 0)
		return ret;
	memset(&cq, 0, sizeof(cq));
	cq.st = HCA_QP_ST_UD;
	cq.pm_state = HCA_QP_PM_MIGRATED;
	cq.pdn = pdn;
	cq.uar_page = p->uar_page;
	cq.cqn_snd = attr->send_cq->cqn;
	cq.cqn_rcv = attr->recv_cq->cqn;
	cq.log_sq_size = hca_cmdobj_log2_of(sq_cnt);
	cq.log_rq_size = hca_cmdobj_log2_of(rq_cnt);
	cq.wq_umem_id = q->ring.umem;
	cq.dbr_umem_id = q->ring.umem;
	cq.dbr_addr = dbr;
	ret = hca_cmdobj_exec(p, in, hca_cmd_create_qp_in(in, sizeof(in), &cq),
			   out,
		   HCA_CMD_SHORT_LEN);
	if (ret == 0)
		ret = hca_cmd_create_qp_out(out, HCA_CMD_SHORT_LEN, &q->qp.qpn);
	if (ret < 0) {
		hca_cmdobj_ring_free(p, &q->ring, true);
		return ret;
	}
	m = q->ring.map;
	q->qp.wire_qpn = q->qp.qpn;
	q->qp.rq_buf = (struct mlx5_wqe_data_seg *)m;
	q->qp.rq_wqe_cnt = rq_cnt;
	q->qp.sq_buf = m + rq_len;
	q->qp.sq_wqe_cnt = sq_cnt;
	q->qp.dbrec = (volatile uint32_t *)(m + dbr);
	q->qp.max_inline = attr->max_inline;
	return 0;
}

/* See hca_cmdobj.h. */
int
hca_cmdobj_qp_create_ud(struct hca_pd *hpd, const struct hca_qp_init_attr *attr,
		     struct hca_qp **out_qp)
{
	struct hca_cmdobj_port *p = port_of(hpd->dev);
	uint32_t pdn = ((struct cmdobj_pd *)hpd)->pdn;
	uint32_t max_wqe = 1u << p->cap.log_max_qp_sz;
	struct cmdobj_qp *q;
	int ret;

	if (((struct hca_obj_head *)attr->send_cq->priv)->dev != hpd->dev ||
	    ((struct hca_obj_head *)attr->recv_cq->priv)->dev != hpd->dev)
		return -EINVAL;
	if (attr->sq_wqe_cnt == 0 || attr->sq_wqe_cnt > max_wqe ||
	    attr->rq_wqe_cnt == 0 || attr->rq_wqe_cnt > max_wqe ||
	    attr->max_inline > p->cap.max_inline_ud)
		return -EINVAL;
	q = calloc(1, sizeof(*q));
	if (q == NULL)
		return -ENOMEM;
	q->head.dev = hpd->dev;
	ret = attr->rss_parent != NULL ?
	      hca_cmdobj_rss_child_create(p, q, pdn, attr) :
	      qp_create_by_cmd(p, q, pdn, attr);
	if (ret < 0) {
		free(q);
		return ret;
	}
	q->head.dev = hpd->dev;
	q->qp.sq_head = 0;
	q->qp.rq_head = 0;
	q->qp.bf_reg = p->bf_reg;
	q->qp.send_cq = attr->send_cq;
	q->qp.recv_cq = attr->recv_cq;
	q->qp.priv = q;
	link_add(p, &q->link, HCA_CMDOBJ_QP);
	*out_qp = &q->qp;
	return 0;
}

/* See hca_cmdobj.h. RESET also rewinds this side's counters. */
int
hca_cmdobj_qp_modify(struct hca_qp *qp, enum hca_qp_state state, uint32_t qkey,
		  uint16_t pkey_index)
{
	struct cmdobj_qp *q = qp->priv;
	struct hca_cmdobj_port *p = port_of(q->head.dev);
	struct hca_cmd_qp_modify m = { .qpn = qp->qpn, .q_key = qkey,
		.pkey_index = pkey_index,
		.port_num = (uint8_t)p->port_num };
	uint8_t in[IN_MAX], out[OUT_MAX];
	int len, ret;

	if (q->parent != NULL || q->forger) {
		ret = hca_cmdobj_rss_child_modify(p, q, state);
		if (ret == 0 && state == HCA_QPS_RESET) {
			qp->sq_head = 0;
			qp->rq_head = 0;
		}
		return ret;
	}
	switch (state) {
	case HCA_QPS_RESET:
		len = hca_cmd_qp_2rst_in(in, sizeof(in), 0, qp->qpn);
		break;
	case HCA_QPS_INIT:
		len = hca_cmd_rst2init_qp_in(in, sizeof(in), &m);
		break;
	case HCA_QPS_RTR:
		len = hca_cmd_init2rtr_qp_in(in, sizeof(in), &m);
		break;
	case HCA_QPS_RTS:
		len = hca_cmd_rtr2rts_qp_in(in, sizeof(in), &m);
		break;
	case HCA_QPS_ERR:
		len = hca_cmd_qp_2err_in(in, sizeof(in), 0, qp->qpn);
		break;
	default:
		return -EINVAL;
	}
	ret = hca_cmdobj_exec(p, in, len, out, HCA_OUT_HDR_LEN);
	if (ret == 0 && state == HCA_QPS_RESET) {
		qp->sq_head = 0;
		qp->rq_head = 0;
	}
	return ret;
}

/**
 * ATTACH_TO_MCG or DETACH_FROM_MCG: the QP and the MGID, nothing else
 * (a ConnectX matches arriving multicast by the DGID). Attached already
 * (attach) or not attached (detach) is the caller's to judge, not
 * logged: -EEXIST or -EINVAL.
 */
static int
qp_mcg(struct hca_qp *qp, const union hca_gid *mgid, bool attach)
{
	struct cmdobj_qp *q = qp->priv;
	struct hca_cmdobj_port *p = port_of(q->head.dev);
	uint8_t in[IN_MAX], out[OUT_MAX];
	uint32_t syndrome = 0;
	uint8_t status = 0;
	char msg[128];
	int len, n, ret;

	if (q->parent != NULL || q->forger)
		return -EINVAL; /* attach the parent: it has the address */
	len = attach ? hca_cmd_attach_mcg_in(in, sizeof(in), 0, qp->qpn,
					     mgid->raw) :
	      hca_cmd_detach_mcg_in(in, sizeof(in), 0, qp->qpn, mgid->raw);
	if (len < 0)
		return len;
	if (hca_cmdobj_lost(p))
		return -ECONNRESET;
	n = p->cmd.ops->exec(p->cmd.ctx, in, (size_t)len, out, sizeof(out));
	if (n < 0) {
		HCA_LOG(ERR, "%s: %s transport: %s", hca_cmd_opcode_name(attach ? HCA_CMD_ATTACH_TO_MCG :
					    HCA_CMD_DETACH_FROM_MCG),
			p->cmd.ops->name, strerror(-n));
		return n;
	}
	ret = hca_cmd_check_out(out, (size_t)n, HCA_OUT_HDR_LEN, &status,
				&syndrome);
	if (ret == 0)
		return 0;
	if (status == HCA_STATUS_BAD_PARAM && syndrome != 0 &&
	    syndrome == p->mcg_attached_syndrome)
		return attach ? -EEXIST : -EINVAL;
	hca_cmd_format_error(msg, sizeof(msg), attach ?
			     HCA_CMD_ATTACH_TO_MCG : HCA_CMD_DETACH_FROM_MCG,
			     status, syndrome);
	HCA_LOG(ERR, "%s", msg);
	return ret;
}

/* See hca_cmdobj.h. */
int
hca_cmdobj_qp_attach(struct hca_qp *qp, const union hca_gid *mgid,
		  uint16_t mlid)
{
	(void)mlid; /* a ConnectX attaches by MGID alone */
	return qp_mcg(qp, mgid, true);
}

/* See hca_cmdobj.h. */
int
hca_cmdobj_qp_detach(struct hca_qp *qp, const union hca_gid *mgid,
		  uint16_t mlid)
{
	(void)mlid;
	return qp_mcg(qp, mgid, false);
}

/* See hca_cmdobj.h. */
int
hca_cmdobj_qp_destroy(struct hca_qp *qp)
{
	struct cmdobj_qp *q = qp->priv;
	struct hca_cmdobj_port *p = port_of(q->head.dev);
	uint8_t in[IN_MAX];
	int ret;

	if (q->parent != NULL || q->forger) {
		ret = hca_cmdobj_rss_child_destroy(p, q);
		if (ret < 0 && ret != -ECONNRESET)
			return ret;
		link_del(p, &q->link);
		free(q);
		return 0;
	}
	ret = hca_cmdobj_rss_parent_release(p, q);
	if (ret < 0)
		return ret;
	ret = exec_obj(p, hca_cmd_destroy_qp_in(in, sizeof(in), 0, qp->qpn),
		       in);
	if (ret < 0 && ret != -ECONNRESET)
		return ret;
	link_del(p, &q->link);
	hca_cmdobj_ring_free(p, &q->ring, ret == 0);
	free(q->rss);
	free(q);
	return 0;
}
