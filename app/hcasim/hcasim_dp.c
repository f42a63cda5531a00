/* SPDX-License-Identifier: BSD-3-Clause */

/**
 * @file
 * The soft HCA's data path: one thread that polls the send doorbell
 * records of every QP in RTS, validates each WQE, routes the datagram by
 * DLID (unicast) or, when the DLID is an MLID, by the DGID of its GRH to
 * the QPs attached to that MGID (hcasim_mcg.c), enforces Q_Key, P_Key
 * and QP state at the receiver, copies the payload from the sender's
 * registered memory into the receiver's posted buffer (every access
 * checked against the registered regions) and writes the completions,
 * in ConnectX formats (see hca_dp.h).
 *
 * No locks and no system calls per packet: tables are read as published
 * by the control thread (hcasim.h). The thread spins while there is work
 * and backs off to sleeping (up to 1 ms) when the fabric is idle.
 */

#include <endian.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "hcasim.h"
#include "hcasim_dp.h"
#include "hcasim_gsi.h"
#include "hcasim_wire.h"
#include "hcasim_wqe.h"
#include "hcasim_offload.h"
#include "hca_dp.h"
#include "hca_log.h"

/** WQEs handled per QP per pass (fairness between QPs). */
#define DP_BURST 64
/** Empty passes before the thread starts to sleep. */
#define DP_SPIN_PASSES 2048
/** Longest idle sleep while QPs can send, in nanoseconds. */
#define DP_MAX_SLEEP_NS 1000000L
/** Idle sleep while no QP can send (the control thread wakes us). */
#define DP_EMPTY_SLEEP_NS 100000000L
/** The payload as the wire model delivered it (data path thread). */
static __thread uint8_t wire_bounce[HCASIM_WIRE_MAX_PAYLOAD];
/** An offloaded send, linearized (data path thread). */
static __thread uint8_t offload_lin[HCASIM_LSO_MAX];
/** One datagram of an offloaded send (data path thread). */
static __thread uint8_t offload_seg[HCASIM_WIRE_MAX_PAYLOAD];

/** Bytes the RSS hash may look at (IPoIB + IPv6 header + ports). */
#define DP_HASH_PEEK 48

/** What the data path's address translation needs. */
struct dp_xlate_ctx {
	struct hcasim *h;
	const struct hcasim_qp *qp;        /**< the QP whose WQE it is */
};

/****************************************************************************
 * Completions
 ****************************************************************************/

/**
 * Whether a CQ has room for one more completion. The consumer index is
 * read from the shared doorbell record only when the last value read
 * says the ring is full (fewer cache misses on the consumer's line).
 */
static inline bool
cq_has_room(struct hcasim_cq *cq)
{
	if (((cq->pi - cq->ci_cache) & 0xffffff) < cq->cqe_cnt)
		return true;
	cq->ci_cache = be32toh(__atomic_load_n(&cq->dbrec[0],
					       __ATOMIC_ACQUIRE)) & 0xffffff;
	return ((cq->pi - cq->ci_cache) & 0xffffff) < cq->cqe_cnt;
}

/**
 * Write a completion: everything but the owner byte, then the owner byte
 * with release order, so the consumer never sees half a CQE.
 *
 * @param cq      the CQ (it has room)
 * @param tmpl    the CQE's contents (its op_own is overwritten)
 * @param opcode  MLX5_CQE_*
 */
static inline void
cq_write(struct hcasim_cq *cq, struct mlx5_cqe64 *tmpl, uint8_t opcode)
{
	struct mlx5_cqe64 *cqe = &cq->cqes[cq->pi & (cq->cqe_cnt - 1)];
	uint8_t owner = !!(cq->pi & cq->cqe_cnt);

	/* one 64-byte copy that keeps the slot's old (not yet the consumer's)
	 * owner byte, then the owner byte */
	tmpl->op_own = __atomic_load_n(&cqe->op_own, __ATOMIC_RELAXED);
	memcpy(cqe, tmpl, sizeof(*tmpl));
	__atomic_store_n(&cqe->op_own, (uint8_t)(opcode << 4 | owner),
			 __ATOMIC_RELEASE);
	cq->pi++;
}

/**
 * Write an error completion.
 *
 * @param qp        the QP
 * @param cq        its send or receive CQ
 * @param opcode    MLX5_CQE_REQ_ERR or MLX5_CQE_RESP_ERR
 * @param syndrome  MLX5_CQE_SYNDROME_*
 * @param wqe_idx   index of the WQE
 * @return false when the CQ is full (nothing written)
 */
static bool
err_cqe(struct hcasim_qp *qp, struct hcasim_cq *cq, uint8_t opcode,
	uint8_t syndrome, uint16_t wqe_idx)
{
	union {
		struct mlx5_cqe64 cqe;
		struct mlx5_err_cqe err;
	} u;

	if (!cq_has_room(cq))
		return false;
	memset(&u, 0, sizeof(u));
	u.err.syndrome = syndrome;
	u.err.s_wqe_opcode_qpn = htobe32((uint32_t)MLX5_OPCODE_SEND << 24 |
					 qp->qpn);
	u.err.wqe_counter = htobe16(wqe_idx);
	cq_write(cq, &u.cqe, opcode);
	return true;
}

/**
 * Complete a WQE in error and move its QP to the error state, as an HCA
 * does (its other WQEs are then flushed, see qp_flush()), and raise the
 * QP's error event: local WQ access error for a protection error, WQ
 * catastrophic error otherwise; CQ error too when the error completion
 * found the CQ full.
 */
static void
qp_fail(struct hcasim *h, struct hcasim_qp *qp, struct hcasim_cq *cq,
	uint8_t opcode, uint8_t syndrome, uint16_t wqe_idx)
{
	__atomic_store_n(&qp->state, HCA_QPS_ERR, __ATOMIC_RELEASE);
	if (!err_cqe(qp, cq, opcode, syndrome, wqe_idx)) {
		hcasim_count(&qp->port->cnt.cq_overruns, 1);
		hcasim_event_post_cq(h, qp, cq);
	}
	hcasim_event_post_qp(h, qp,
			     syndrome == MLX5_CQE_SYNDROME_LOCAL_PROT_ERR ?
			     HCASIM_EQE_TYPE_WQ_ACCESS_ERROR :
			     HCASIM_EQE_TYPE_WQ_CATAS_ERROR);
}

/** Write the send completion of a signalled WQE. */
static void
send_complete(struct hcasim_qp *qp, uint16_t wqe_idx, uint32_t len)
{
	struct mlx5_cqe64 cqe;

	if (!cq_has_room(qp->scq)) {
		hcasim_count(&qp->port->cnt.cq_overruns, 1);
		return;
	}
	memset(&cqe, 0, sizeof(cqe));
	cqe.byte_cnt = htobe32(len);
	cqe.sop_drop_qpn = htobe32((uint32_t)MLX5_OPCODE_SEND << 24 | qp->qpn);
	cqe.wqe_counter = htobe16(wqe_idx);
	cq_write(qp->scq, &cqe, MLX5_CQE_REQ);
}

/****************************************************************************
 * Memory checks (the IOMMU)
 ****************************************************************************/

/**
 * Translate a client address range through an lkey (hcasim_xlate_t): the
 * region must belong to the same client and PD as the QP and hold the
 * whole range.
 *
 * @param ctx  a struct dp_xlate_ctx
 * @return the daemon's pointer to addr, or NULL when not allowed
 */
static inline uint8_t *
dp_xlate(void *ctx, uint32_t lkey, uint64_t addr, uint32_t len)
{
	const struct dp_xlate_ctx *x = ctx;

	return hcasim_mr_translate(hcasim_mr_lookup(x->h, lkey),
				   x->qp->owner, x->qp->pdn, addr, len);
}

/****************************************************************************
 * Receive side
 ****************************************************************************/

/** Whether two P_Keys may talk: same partition, one full member at least. */
static inline bool
pkey_match(uint16_t a, uint16_t b)
{
	return (a & 0x7fff) != 0 && (a & 0x7fff) == (b & 0x7fff) &&
	       ((a | b) & 0x8000) != 0;
}

/** The P_Key a QP uses (0 when its index is outside the port's table). */
static inline uint16_t
qp_pkey(const struct hcasim_qp *qp)
{
	uint16_t idx = __atomic_load_n(&qp->pkey_index, __ATOMIC_RELAXED);

	if (idx >= __atomic_load_n(&qp->port->pkey_count, __ATOMIC_RELAXED))
		return 0;
	return __atomic_load_n(&qp->port->pkeys[idx], __ATOMIC_RELAXED);
}

/** Build the 40-byte GRH a receiver finds in front of the payload. */
static void
grh_build(const struct hcasim_dp_pkt *p, const uint8_t *dgid, uint8_t *grh)
{
	uint32_t w0 = 6u << 28 | (uint32_t)p->s.tclass << 20 |
		      (p->s.flow_label & 0xfffff);
	uint32_t pad = (4 - (p->s.len & 3)) & 3;
	uint16_t paylen = (uint16_t)(12 + 8 + p->s.len + pad + 4);
	uint64_t prefix = htobe64(__atomic_load_n(
		&p->sqp->gid_port->gid_prefix, __ATOMIC_RELAXED));
	uint64_t guid = htobe64(__atomic_load_n(&p->sqp->gid_port->port_guid,
						__ATOMIC_RELAXED));

	w0 = htobe32(w0);
	paylen = htobe16(paylen);
	memcpy(grh, &w0, 4);
	memcpy(grh + 4, &paylen, 2);
	grh[6] = 0x1b;
	grh[7] = p->s.hop_limit;
	memcpy(grh + 8, &prefix, 8);
	memcpy(grh + 16, &guid, 8);
	memcpy(grh + 24, dgid, 16);
}

/** Gather the first bytes of a payload for the RSS hash. */
static uint32_t
pkt_hash(struct hcasim_dp_pkt *p)
{
	uint8_t peek[DP_HASH_PEEK];
	uint32_t n = 0;
	int i;

	if (p->hashed)
		return p->hash;
	for (i = 0; i < p->out_cnt && n < sizeof(peek); i++) {
		uint32_t c = (uint32_t)p->out_iov[i].iov_len;

		if (c > sizeof(peek) - n)
			c = sizeof(peek) - n;
		memcpy(peek + n, p->out_iov[i].iov_base, c);
		n += c;
	}
	p->hash = hcasim_rss_hash(peek, n, &p->hash_type);
	p->hashed = true;
	return p->hash;
}

/**
 * Carry a datagram across the wire model to a destination port: built as
 * a whole packet, captured, maybe dropped or damaged, checked by the
 * port. What arrives intact becomes the payload to deliver (p->out_iov).
 *
 * @param dport  the receiving port (counts what is refused)
 * @param dgid   the GRH's destination GID, or NULL for no GRH
 * @return true when it arrived intact
 */
static bool
wire_pass(struct hcasim *h, struct hcasim_dp_pkt *p, struct hcasim_port *dport,
	  const uint8_t *dgid)
{
	struct hcasim_pkt_meta m;
	struct hcasim_counters *cnt = &dport->cnt;
	size_t out_len = 0;
	int ret;

	memset(&m, 0, sizeof(m));
	m.slid = p->slid;
	m.dlid = p->s.dlid;
	m.sl = p->s.sl;
	m.grh = dgid != NULL;
	if (m.grh) {
		m.sgid.global.subnet_prefix = htobe64(__atomic_load_n(
			&p->sqp->gid_port->gid_prefix, __ATOMIC_RELAXED));
		m.sgid.global.interface_id = htobe64(__atomic_load_n(
			&p->sqp->gid_port->port_guid, __ATOMIC_RELAXED));
		memcpy(m.dgid.raw, dgid, 16);
		m.tclass = p->s.tclass;
		m.hop_limit = p->s.hop_limit;
		m.flow_label = p->s.flow_label;
	}
	m.pkey = p->pkey;
	m.dest_qp = p->s.dqpn;
	m.psn = p->sqp->psn & 0xffffff;
	m.qkey = p->s.qkey;
	m.src_qp = p->sqp->wire_qpn;
	ret = hcasim_wire_carry(h->wire, &m, p->s.iov, p->s.iovcnt, wire_bounce,
				sizeof(wire_bounce), &out_len);
	if (ret == HCASIM_WIRE_OK && out_len == p->s.len) {
		p->bounce_iov.iov_base = wire_bounce;
		p->bounce_iov.iov_len = out_len;
		p->out_iov = &p->bounce_iov;
		p->out_cnt = 1;
		return true;
	}
	if (ret == HCASIM_WIRE_DROPPED)
		hcasim_count(&cnt->rcv_discards_wire, 1);
	else if (ret == HCASIM_WIRE_BAD_ICRC)
		hcasim_count(&cnt->rcv_errors_icrc, 1);
	else if (ret == HCASIM_WIRE_BAD_VCRC)
		hcasim_count(&cnt->rcv_errors_vcrc, 1);
	else
		hcasim_count(&cnt->rcv_errors, 1);
	return false;
}

/** Check a receiver's state, Q_Key and P_Key; count what fails. */
static inline bool
rx_admit(const struct hcasim_dp_pkt *p, struct hcasim_qp *rqp)
{
	struct hcasim_counters *cnt = &rqp->port->cnt;
	uint32_t st = __atomic_load_n(&rqp->state, __ATOMIC_ACQUIRE);

	if (st != HCA_QPS_RTR && st != HCA_QPS_RTS) {
		hcasim_count(&cnt->rcv_discards_no_qp, 1);
		return false;
	}
	if (!pkey_match(p->pkey, qp_pkey(rqp))) {
		hcasim_count(&cnt->rcv_discards_pkey, 1);
		return false;
	}
	if (p->s.qkey != __atomic_load_n(&rqp->qkey, __ATOMIC_RELAXED)) {
		hcasim_count(&cnt->rcv_discards_qkey, 1);
		return false;
	}
	return true;
}

/**
 * Deliver a datagram to one QP or RQ: admission checks, the next posted
 * receive buffer (checked against its region), GRH, payload, receive CQE.
 *
 * @param rqp       the receiver
 * @param underlay  the QP that admits the datagram (state, P_Key,
 *                  Q_Key): rqp itself, or the underlay QP whose root
 *                  flow table steered it to the RQ rqp
 * @param dgid      the GRH's destination GID, or NULL for no GRH
 */
static void
deliver_to(struct hcasim *h, struct hcasim_dp_pkt *p, struct hcasim_qp *rqp,
	   struct hcasim_qp *underlay, const uint8_t *dgid, uint32_t hash)
{
	struct hcasim_counters *cnt = &rqp->port->cnt;
	struct mlx5_wqe_data_seg seg;
	struct mlx5_cqe64 cqe;
	struct dp_xlate_ctx x = { h, rqp };
	uint32_t prod, avail;
	uint16_t idx;
	uint8_t *dst = NULL;
	int syn;

	if (!rx_admit(p, underlay))
		return;
	if (rqp != underlay &&
	    __atomic_load_n(&rqp->state, __ATOMIC_ACQUIRE) != HCA_QPS_RTS) {
		hcasim_count(&cnt->rcv_discards_no_qp, 1);
		return; /* the RQ is not ready */
	}
	avail = (rqp->rq_prod_cache - rqp->rq_tail) & 0xffff;
	if (avail == 0 || avail > rqp->rq_wqe_cnt) {
		prod = be32toh(__atomic_load_n(&rqp->dbrec[MLX5_RCV_DBR],
					       __ATOMIC_ACQUIRE)) & 0xffff;
		rqp->rq_prod_cache = prod;
		avail = (prod - rqp->rq_tail) & 0xffff;
	}
	if (avail == 0) {
		hcasim_count(&cnt->rcv_discards_no_buffer, 1);
		return;
	}
	idx = (uint16_t)rqp->rq_tail;
	if (avail > rqp->rq_wqe_cnt) {
		hcasim_count(&cnt->rcv_errors, 1);
		qp_fail(h, rqp, rqp->rcq, MLX5_CQE_RESP_ERR,
			MLX5_CQE_SYNDROME_LOCAL_QP_OP_ERR, idx);
		return;
	}
	if (!cq_has_room(rqp->rcq)) {
		hcasim_count(&cnt->cq_overruns, 1);
		return;
	}
	memcpy(&seg, &rqp->rq[rqp->rq_tail & (rqp->rq_wqe_cnt - 1)],
	       sizeof(seg));
	syn = hcasim_recv_wqe_parse(&seg, HCA_GRH_LEN + p->s.len, dp_xlate,
				    &x, &dst);
	if (syn != 0) {
		hcasim_count(&cnt->rcv_errors, 1);
		rqp->rq_tail++;
		qp_fail(h, rqp, rqp->rcq, MLX5_CQE_RESP_ERR, (uint8_t)syn, idx);
		return;
	}
	hcasim_dp_payload_copy(dst + HCA_GRH_LEN, p);
	if (dgid != NULL)
		grh_build(p, dgid, dst);
	rqp->rq_tail++;
	memset(&cqe, 0, sizeof(cqe));
	cqe.byte_cnt = htobe32(HCA_GRH_LEN + p->s.len);
	cqe.flags_rqpn = htobe32((dgid != NULL ? 1u << 28 : 0) |
				 (uint32_t)p->s.sl << 24 | p->sqp->wire_qpn);
	cqe.slid = htobe16(p->slid);
	cqe.wqe_counter = htobe16(idx);
	cqe.sop_drop_qpn = htobe32(rqp->qpn);
	/* where a ConnectX writes it: only an RQ a TIR steered to */
	hca_cqe_set_rx_hash(&cqe, hash, rqp != underlay ? p->hash_type : 0);
	cq_write(rqp->rcq, &cqe, MLX5_CQE_RESP_SEND);
	hcasim_count(&cnt->rcv_packets, 1);
	hcasim_count(&cnt->rcv_bytes, p->s.len);
}

/**
 * Deliver to a QP: through its root flow table when one is bound (the
 * TIR's hash picks an RQ), else to the QP itself.
 */
void
hcasim_dp_deliver(struct hcasim *h, struct hcasim_dp_pkt *p,
		  struct hcasim_qp *qp, const uint8_t *dgid, uint32_t hash)
{
	struct hcasim_rss_set *rss = __atomic_load_n(&qp->rss,
						     __ATOMIC_ACQUIRE);

	if (rss != NULL) {
		if (rss->n == 0) {
			/* a root table that leads nowhere: a table miss */
			hcasim_count(&qp->port->cnt.rcv_discards_no_qp, 1);
			return;
		}
		hash = pkt_hash(p);
		deliver_to(h, p, rss->qps[hash % rss->n], qp, dgid, hash);
		return;
	}
	deliver_to(h, p, qp, qp, dgid, hash);
}

/** Deliver to the QPN on a port (spread by its root flow table, if any). */
static void
route_unicast(struct hcasim *h, struct hcasim_dp_pkt *p, struct hcasim_port *dport)
{
	struct hcasim_qp *rqp = hcasim_qp_lookup(h, p->s.dqpn);

	if (h->wire != NULL &&
	    !wire_pass(h, p, dport, p->s.grh ? p->s.dgid : NULL))
		return;
	if (rqp == NULL || rqp->port != dport || rqp->kind != HCASIM_Q_QP) {
		hcasim_count(&dport->cnt.rcv_discards_no_qp, 1);
		return;
	}
	hcasim_dp_deliver(h, p, rqp, p->s.grh ? p->s.dgid : NULL, 0);
}

/**
 * Deliver a multicast datagram to every QP attached to the DGID of its
 * GRH, whatever its MLID (the MLID only steers switches; a ConnectX
 * matches the MGID). Without a GRH nothing names the group: no QP gets
 * it (counted as the sender's discard).
 */
static void
route_multicast(struct hcasim *h, struct hcasim_dp_pkt *p)
{
	const struct hcasim_mcg *m;
	uint32_t i;

	if (!p->s.grh) {
		hcasim_count(&p->sport->cnt.xmit_discards, 1);
		return;
	}
	m = __atomic_load_n(&h->mcg_table[hcasim_mcg_bucket(h, p->s.dgid)],
			    __ATOMIC_ACQUIRE);
	for (i = 0; m != NULL && i < m->n; i++) {
		const struct hcasim_mcg_member *mm = &m->m[i];

		if (memcmp(mm->mgid, p->s.dgid, 16) != 0)
			continue;
		if (h->wire != NULL && !wire_pass(h, p, mm->qp->port, mm->mgid))
			continue;
		hcasim_dp_deliver(h, p, mm->qp, mm->mgid, 0);
	}
}

/****************************************************************************
 * Send side
 ****************************************************************************/

/**
 * Send one WQE that hcasim_wqe_parse() accepted into p->s: length check
 * against the port MTU, source port checks, routing, counters.
 *
 * @param p  the send (p->s filled; the rest is set here)
 * @return 0 or a syndrome
 */
static int
send_one(struct hcasim *h, struct hcasim_qp *qp, struct hcasim_dp_pkt *p)
{
	struct hcasim_port *sport = qp->port;
	uint16_t lid, dport_idx;
	uint8_t lmc;

	p->sqp = qp;
	p->sport = sport;
	p->hashed = false;
	p->out_iov = p->s.iov;
	p->out_cnt = p->s.iovcnt;
	if (p->s.len >
	    (128u << (__atomic_load_n(&sport->mtu, __ATOMIC_RELAXED) & 7)))
		return MLX5_CQE_SYNDROME_LOCAL_LENGTH_ERR;
	lid = __atomic_load_n(&sport->lid, __ATOMIC_RELAXED);
	lmc = __atomic_load_n(&sport->lmc, __ATOMIC_RELAXED) & 7;
	p->pkey = qp_pkey(qp);
	if (lid == 0 || p->pkey == 0 ||
	    __atomic_load_n(&sport->state, __ATOMIC_RELAXED) !=
	    HCA_PORT_ACTIVE) {
		hcasim_count(&sport->cnt.xmit_discards, 1);
		return 0; /* the link drops it; the send still completes */
	}
	p->slid = lid | (p->s.path_bits & ((1u << lmc) - 1));
	if (p->s.qkey & 0x80000000u)
		p->s.qkey = __atomic_load_n(&qp->qkey, __ATOMIC_RELAXED);
	hcasim_count(&sport->cnt.xmit_packets, 1);
	hcasim_count(&sport->cnt.xmit_bytes, p->s.len);
	qp->psn++;
	if (p->s.dqpn == HCASIM_GSI_QPN && p->s.dlid < HCASIM_MLID_BASE) {
		hcasim_dp_gsi_send(h, p);
		return 0;
	}
	if (p->s.dlid >= HCASIM_MLID_BASE && p->s.dlid != 0xffff) {
		route_multicast(h, p);
		return 0;
	}
	dport_idx = __atomic_load_n(&h->lid_port[p->s.dlid], __ATOMIC_RELAXED);
	if (dport_idx == 0 || p->s.dlid == 0xffff) {
		hcasim_count(&sport->cnt.xmit_discards, 1);
		return 0;
	}
	route_unicast(h, p, &h->ports[dport_idx - 1]);
	return 0;
}

/**
 * Send a WQE with an Ethernet segment (hcasim_offload.h): parse and
 * linearize it, check its headers, then send each datagram it becomes
 * (one, or the LSO segments) with the checksums made.
 *
 * @param wqe  a private copy of the WQE's blocks
 * @return 0 or a syndrome (a bad segment or header counted in
 *         xmit_errors_offload)
 */
static int
send_offload(struct hcasim *h, struct hcasim_qp *qp, struct hcasim_dp_pkt *p,
	     const uint8_t *wqe, struct dp_xlate_ctx *x)
{
	struct hcasim_counters *cnt = &qp->port->cnt;
	struct hcasim_eth eth;
	uint32_t len, mtu, i;
	int syn;

	syn = hcasim_offload_parse(wqe, dp_xlate, x, offload_lin,
				   sizeof(offload_lin), &p->s, &eth);
	if (syn != 0)
		return syn;
	len = p->s.len;
	mtu = 128u << (__atomic_load_n(&qp->port->mtu, __ATOMIC_RELAXED) & 7);
	if (mtu > sizeof(offload_seg))
		mtu = sizeof(offload_seg);
	syn = hcasim_offload_prepare(offload_lin, len, mtu, &eth);
	if (syn != 0) {
		if (syn != MLX5_CQE_SYNDROME_LOCAL_LENGTH_ERR)
			hcasim_count(&cnt->xmit_errors_offload, 1);
		return syn;
	}
	if (eth.lso) {
		hcasim_count(&cnt->xmit_lso_sends, 1);
		hcasim_count(&cnt->xmit_lso_segments, eth.nseg);
	} else if (eth.cs_flags != 0) {
		hcasim_count(&cnt->xmit_offload_csum, 1);
	}
	for (i = 0; i < eth.nseg; i++) {
		p->s.len = hcasim_offload_segment(offload_lin, len, &eth, i,
						  offload_seg);
		p->s.iov[0].iov_base = offload_seg;
		p->s.iov[0].iov_len = p->s.len;
		p->s.iovcnt = 1;
		syn = send_one(h, qp, p);
		if (syn != 0)
			return syn;
	}
	return 0;
}

/**
 * Copy nblk whole 64-byte blocks of the send ring from block idx on
 * (wrapping) into buf.
 */
static inline void
sq_copy(const struct hcasim_qp *qp, uint32_t idx, uint8_t *buf,
	uint32_t nblk)
{
	uint32_t i;

	for (i = 0; i < nblk; i++)
		memcpy(buf + (size_t)i * MLX5_SEND_WQE_BB,
		       qp->sq + (size_t)((idx + i) & (qp->sq_wqe_cnt - 1)) *
		       MLX5_SEND_WQE_BB, MLX5_SEND_WQE_BB);
}

/**
 * Process the posted WQEs of one send queue (at most DP_BURST).
 *
 * @return the number of WQEs handled
 */
static unsigned int
sq_service(struct hcasim *h, struct hcasim_qp *qp)
{
	uint8_t wqe[HCASIM_WQE_MAX_BYTES] __attribute__((aligned(16)));
	struct dp_xlate_ctx x = { h, qp };
	struct hcasim_dp_pkt p;
	uint32_t prod, pending;
	unsigned int done = 0;

	prod = be32toh(__atomic_load_n(&qp->dbrec[MLX5_SND_DBR],
				       __ATOMIC_ACQUIRE)) & 0xffff;
	pending = (prod - qp->sq_tail) & 0xffff;
	if (pending == 0)
		return 0;
	if (pending > qp->sq_wqe_cnt) {
		hcasim_count(&qp->port->cnt.xmit_errors_wqe, 1);
		qp_fail(h, qp, qp->scq, MLX5_CQE_REQ_ERR,
			MLX5_CQE_SYNDROME_LOCAL_QP_OP_ERR,
			(uint16_t)qp->sq_tail);
		return 1;
	}
	while (pending != 0 && done < DP_BURST) {
		uint16_t idx = (uint16_t)qp->sq_tail;
		uint32_t posted = pending < HCASIM_WQE_MAX_BLOCKS ?
				  pending : HCASIM_WQE_MAX_BLOCKS;
		int syn;

		/* hcasim_wqe_parse() in two steps, on a private copy of what
		 * was posted (the client cannot change it under the checks):
		 * the control segment says how many blocks to copy */
		sq_copy(qp, qp->sq_tail, wqe, 1);
		if (!hcasim_wqe_ctrl_parse(wqe, posted * MLX5_SEND_WQE_BB, idx,
					   &p.s)) {
			hcasim_count(&qp->port->cnt.xmit_errors_wqe, 1);
			qp_fail(h, qp, qp->scq, MLX5_CQE_REQ_ERR,
				MLX5_CQE_SYNDROME_LOCAL_QP_OP_ERR, idx);
			return done + 1;
		}
		if (p.s.nblk > 1)
			sq_copy(qp, qp->sq_tail + 1, wqe + 64, p.s.nblk - 1);
		if (__builtin_expect(p.s.eth, 0))
			syn = send_offload(h, qp, &p, wqe, &x);
		else
			syn = hcasim_wqe_body_parse(wqe, dp_xlate, &x, &p.s);
		if (__atomic_load_n(&qp->fail_next_send,
				    __ATOMIC_RELAXED) &&
		    __atomic_exchange_n(&qp->fail_next_send, 0,
					__ATOMIC_ACQUIRE))
			syn = MLX5_CQE_SYNDROME_LOCAL_PROT_ERR; /* injected */
		if (syn == 0 && !p.s.eth)
			syn = send_one(h, qp, &p);
		qp->sq_tail += p.s.nblk;
		pending -= p.s.nblk;
		done++;
		if (syn != 0) {
			hcasim_count(syn == MLX5_CQE_SYNDROME_LOCAL_PROT_ERR ?
				     &qp->port->cnt.xmit_errors_prot :
				     syn == MLX5_CQE_SYNDROME_LOCAL_LENGTH_ERR ?
				     &qp->port->cnt.xmit_errors_length :
				     &qp->port->cnt.xmit_errors_wqe, 1);
			qp_fail(h, qp, qp->scq, MLX5_CQE_REQ_ERR, (uint8_t)syn,
				idx);
			return done;
		}
		if (p.s.signalled)
			send_complete(qp, idx, 0);
	}
	return done;
}

/**
 * Flush a QP in the error state, as an HCA does: every posted send and
 * receive WQE completes with MLX5_CQE_SYNDROME_WR_FLUSH_ERR (at most
 * DP_BURST of each per pass; a full CQ waits for the next pass).
 *
 * @return the number of WQEs flushed
 */
static unsigned int
qp_flush(struct hcasim_qp *qp)
{
	uint32_t prod, pending, avail;
	unsigned int n = 0, m = 0;

	prod = be32toh(__atomic_load_n(&qp->dbrec[MLX5_SND_DBR],
				       __ATOMIC_ACQUIRE)) & 0xffff;
	pending = (prod - qp->sq_tail) & 0xffff;
	if (pending > qp->sq_wqe_cnt) {
		qp->sq_tail += pending; /* a lying doorbell: nothing to flush */
		pending = 0;
	}
	while (pending != 0 && n < DP_BURST) {
		struct mlx5_wqe_ctrl_seg ctrl;
		uint32_t ds, nblk;

		memcpy(&ctrl, qp->sq + (size_t)(qp->sq_tail &
		       (qp->sq_wqe_cnt - 1)) * MLX5_SEND_WQE_BB, sizeof(ctrl));
		ds = be32toh(ctrl.qpn_ds) & 0xff;
		nblk = (ds * 16 + MLX5_SEND_WQE_BB - 1) / MLX5_SEND_WQE_BB;
		if (nblk == 0 || nblk > pending)
			nblk = pending;
		if (!err_cqe(qp, qp->scq, MLX5_CQE_REQ_ERR,
			     MLX5_CQE_SYNDROME_WR_FLUSH_ERR,
			     (uint16_t)qp->sq_tail))
			break;
		qp->sq_tail += nblk;
		pending -= nblk;
		n++;
	}
	prod = be32toh(__atomic_load_n(&qp->dbrec[MLX5_RCV_DBR],
				       __ATOMIC_ACQUIRE)) & 0xffff;
	avail = (prod - qp->rq_tail) & 0xffff;
	if (avail > qp->rq_wqe_cnt) {
		qp->rq_tail += avail;
		avail = 0;
	}
	while (avail != 0 && m < DP_BURST &&
	       err_cqe(qp, qp->rcq, MLX5_CQE_RESP_ERR,
		       MLX5_CQE_SYNDROME_WR_FLUSH_ERR, (uint16_t)qp->rq_tail)) {
		qp->rq_tail++;
		avail--;
		m++;
	}
	qp->rq_prod_cache = prod;
	return n + m;
}

/****************************************************************************
 * The thread
 ****************************************************************************/

/**
 * Service a send queue with memory faults contained: a SIGBUS from
 * client memory poisons that region and the WQE is tried again (it then
 * fails with a protection error, at the sender or the receiver).
 *
 * @return the number of WQEs handled (1 after a contained fault)
 */
static unsigned int
sq_service_guarded(struct hcasim *h, struct hcasim_qp *qp)
{
	sigjmp_buf jb;
	unsigned int n;

	if (sigsetjmp(jb, 0) != 0) {
		if (!hcasim_fault_contain(h)) {
			HCA_LOG(ERR, "hcasim: SIGBUS outside client memory");
			abort();
		}
		return 1;
	}
	hcasim_fault_jmp = &jb;
	n = sq_service(h, qp);
	hcasim_fault_jmp = NULL;
	return n;
}

/**
 * Spin, then sleep a little longer each idle pass (up to DP_MAX_SLEEP_NS,
 * or DP_EMPTY_SLEEP_NS when no QP can send). The control thread cuts a
 * sleep short through the wake eventfd.
 *
 * @param idle   passes without work so far (updated)
 * @param empty  whether no QP is polled at all
 */
static void
dp_idle(struct hcasim *h, unsigned int *idle, bool empty)
{
	struct pollfd pfd = { h->wake_fd, POLLIN, 0 };
	struct timespec ts = { 0, 0 };
	unsigned int n = ++*idle;
	uint64_t v;

	if (n < DP_SPIN_PASSES) {
		__builtin_ia32_pause();
		return;
	}
	n -= DP_SPIN_PASSES;
	ts.tv_nsec = n >= 10 ? DP_MAX_SLEEP_NS : (1000L << n);
	if (ts.tv_nsec > DP_MAX_SLEEP_NS)
		ts.tv_nsec = DP_MAX_SLEEP_NS;
	if (empty)
		ts.tv_nsec = DP_EMPTY_SLEEP_NS;
	if (ppoll(&pfd, 1, &ts, NULL) == 1 &&
	    read(h->wake_fd, &v, sizeof(v)) == sizeof(v))
		*idle = 0;
}

/** The data path thread: poll every RTS send queue until told to stop. */
static void *
dp_main(void *arg)
{
	struct hcasim *h = arg;
	unsigned int idle = 0;

	while (!h->stop) {
		uint64_t e = __atomic_load_n(&h->epoch, __ATOMIC_ACQUIRE);
		struct hcasim_view *v = __atomic_load_n(&h->view,
							__ATOMIC_ACQUIRE);
		unsigned int work = 0;
		uint32_t i;

		for (i = 0; v != NULL && i < v->n; i++) {
			struct hcasim_qp *qp = v->qps[i];

			uint32_t st = __atomic_load_n(&qp->state,
						      __ATOMIC_ACQUIRE);

			if (st == HCA_QPS_RTS)
				work += sq_service_guarded(h, qp);
			else if (st == HCA_QPS_ERR)
				work += qp_flush(qp);
		}
		work += hcasim_dp_gsi_deliver(h);
		__atomic_store_n(&h->dp_seen, e, __ATOMIC_RELEASE);
		if (work != 0)
			idle = 0;
		else
			dp_idle(h, &idle, v == NULL || v->n == 0);
	}
	__atomic_store_n(&h->dp_running, false, __ATOMIC_RELEASE);
	return NULL;
}

/**
 * Start the data path thread.
 *
 * @return 0 or a negative errno
 */
int
hcasim_dp_start(struct hcasim *h)
{
	int ret;

	if (h->wire != NULL && !hcasim_wire_enabled(h->wire)) {
		hcasim_wire_destroy(h->wire);
		h->wire = NULL;
	}
	if (hcasim_fault_init() < 0)
		return -errno;
	h->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (h->wake_fd < 0)
		return -errno;
	__atomic_store_n(&h->dp_running, true, __ATOMIC_RELEASE);
	ret = pthread_create(&h->dp_thread, NULL, dp_main, h);
	if (ret != 0) {
		h->dp_running = false;
		return -ret;
	}
	pthread_setname_np(h->dp_thread, "hcasim-dp");
	return 0;
}

/** Stop the data path thread and wait for it. */
void
hcasim_dp_stop(struct hcasim *h)
{
	uint64_t one = 1;

	h->stop = 1;
	if (write(h->wake_fd, &one, sizeof(one)) < 0)
		HCA_LOG(WARNING, "hcasim: cannot wake the data path");
	pthread_join(h->dp_thread, NULL);
	close(h->wake_fd);
	h->wake_fd = -1;
}
