/* SPDX-License-Identifier: BSD-3-Clause */

/**
 * @file
 * The soft HCA's resources: protection domains, memory regions, CQs, QPs
 * and RSS groups, created and destroyed by the control thread on behalf
 * of one client, and published to the data path (see hcasim.h for the
 * publication rule). Multicast attachments are in hcasim_mcg.c.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <fcntl.h>
#include <sys/mman.h>

#include "hcasim.h"
#include "hca_dev.h"
#include "hca_log.h"

#define RING_ALIGN 4096u

/** Queue memory of every client together (control thread only). */
static size_t ring_mem_total;

/****************************************************************************
 * Publication
 ****************************************************************************/

/**
 * Wait until the data path has begun an iteration after this call, so it
 * holds no pointer to anything withdrawn before the call.
 *
 * @param h  the daemon
 */
void
hcasim_dp_sync(struct hcasim *h)
{
	uint64_t e = __atomic_add_fetch(&h->epoch, 1, __ATOMIC_SEQ_CST);
	struct timespec ts = { 0, 10000 };
	unsigned int tries = 0;
	uint64_t one = 1;

	if (__atomic_load_n(&h->dp_running, __ATOMIC_ACQUIRE) &&
	    write(h->wake_fd, &one, sizeof(one)) < 0)
		HCA_LOG(WARNING, "hcasim: cannot wake the data path");

	while (__atomic_load_n(&h->dp_running, __ATOMIC_ACQUIRE) &&
	       __atomic_load_n(&h->dp_seen, __ATOMIC_ACQUIRE) < e) {
		nanosleep(&ts, NULL);
		if (++tries == 1000000) {
			/* 10 s: the data path is wedged; never free under it */
			HCA_LOG(ERR, "hcasim: data path does not quiesce");
			abort();
		}
	}
}

/** Whether the data path must poll a QP: it sends (RTS) or flushes (ERR). */
static bool
qp_polled(const struct hcasim_qp *qp)
{
	uint32_t st = __atomic_load_n(&qp->state, __ATOMIC_RELAXED);

	/* an RQ has no send ring to poll */
	return qp->kind != HCASIM_Q_RQ &&
	       (st == HCA_QPS_RTS || st == HCA_QPS_ERR);
}

/**
 * Publish a new list of QPs to poll (every QP in RTS or ERR), wait for
 * the data path to drop the old one and free it.
 *
 * @param h  the daemon
 */
void
hcasim_view_rebuild(struct hcasim *h)
{
	struct hcasim_view *v, *old;
	uint32_t i, n = 0;

	for (i = 0; i < HCASIM_QP_SLOTS; i++) {
		struct hcasim_qp *qp = h->qp_table[i];

		if (qp != NULL && qp_polled(qp))
			n++;
	}
	v = malloc(sizeof(*v) + n * sizeof(v->qps[0]));
	if (v == NULL) {
		HCA_LOG(ERR, "hcasim: out of memory for the QP view");
		return;
	}
	v->n = 0;
	for (i = 0; i < HCASIM_QP_SLOTS && v->n < n; i++) {
		struct hcasim_qp *qp = h->qp_table[i];

		if (qp != NULL && qp_polled(qp))
			v->qps[v->n++] = qp;
	}
	old = __atomic_exchange_n(&h->view, v, __ATOMIC_ACQ_REL);
	hcasim_dp_sync(h);
	free(old);
}

/****************************************************************************
 * Shared memory
 ****************************************************************************/

/**
 * Create a sealed, zeroed memfd of a size and map it.
 *
 * @param len   its size
 * @param name  a name for /proc
 * @param fd    set to the memfd (the caller passes it on and closes it)
 * @return the mapping, or NULL with errno set
 */
static void *
ring_alloc(size_t len, const char *name, int *fd)
{
	void *p;
	int f = memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING);

	if (f < 0)
		return NULL;
	if (ftruncate(f, (off_t)len) < 0 ||
	    fcntl(f, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW |
		  F_SEAL_SEAL) < 0) {
		close(f);
		return NULL;
	}
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, f, 0);
	if (p == MAP_FAILED) {
		close(f);
		return NULL;
	}
	*fd = f;
	return p;
}

/** Smallest power of two at least n (n <= 2^31). */
static uint32_t
pow2_at_least(uint32_t n)
{
	uint32_t p = 1;

	while (p < n)
		p <<= 1;
	return p;
}

/**
 * Add (or, negative, remove) queue memory to a client, its host and the
 * daemon's total.
 */
static void
ring_mem_account(struct hcasim_client *c, ssize_t len)
{
	c->ring_mem += (size_t)len;
	if (c->ident != NULL)
		c->ident->ring_mem += (uint64_t)len;
	ring_mem_total += (size_t)len;
}

/** Round len up to the ring alignment. */
static size_t
ring_round(size_t len)
{
	return (len + RING_ALIGN - 1) & ~(size_t)(RING_ALIGN - 1);
}

/****************************************************************************
 * Protection domains
 ****************************************************************************/

/**
 * Allocate a protection domain for a client.
 *
 * @param pdn  set to its number (1-based)
 * @return 0 or -ENOSPC
 */
int
hcasim_pd_alloc(struct hcasim *h, struct hcasim_client *c, uint32_t *pdn)
{
	uint32_t i;

	(void)h;
	for (i = 0; i < HCASIM_CLIENT_MAX_PD; i++) {
		if (!c->pds[i]) {
			c->pds[i] = true;
			*pdn = i + 1;
			return 0;
		}
	}
	return -ENOSPC;
}

/** Whether pdn names a live PD of the client. */
static bool
pd_valid(const struct hcasim_client *c, uint32_t pdn)
{
	return pdn >= 1 && pdn <= HCASIM_CLIENT_MAX_PD && c->pds[pdn - 1];
}

/**
 * Free a protection domain.
 *
 * @return 0, -EINVAL (unknown), or -EBUSY (MRs or QPs still use it)
 */
int
hcasim_pd_free(struct hcasim *h, struct hcasim_client *c, uint32_t pdn)
{
	struct hcasim_qp *qp;
	uint32_t i;

	if (!pd_valid(c, pdn))
		return -EINVAL;
	for (qp = c->qps; qp != NULL; qp = qp->next)
		if (qp->pdn == pdn)
			return -EBUSY;
	for (i = 0; i < HCASIM_MR_SLOTS; i++) {
		struct hcasim_mr *mr = h->mr_table[i];

		if (mr != NULL && mr->owner == c && mr->pdn == pdn)
			return -EBUSY;
	}
	c->pds[pdn - 1] = false;
	return 0;
}

/****************************************************************************
 * Memory regions
 ****************************************************************************/

/**
 * Deregister a region: withdraw it, wait for the data path, unmap it.
 *
 * @return 0 or -EINVAL (not the client's)
 */
int
hcasim_mr_dereg(struct hcasim *h, struct hcasim_client *c, uint32_t lkey)
{
	struct hcasim_mr *mr = hcasim_mr_lookup(h, lkey);

	if (mr == NULL || mr->owner != c)
		return -EINVAL;
	__atomic_store_n(&h->mr_table[lkey % HCASIM_MR_SLOTS], NULL,
			 __ATOMIC_RELEASE);
	hcasim_dp_sync(h);
	munmap(mr->map, mr->map_len);
	free(mr);
	c->nmr--;
	if (c->ident != NULL)
		c->ident->nmr--;
	return 0;
}

/****************************************************************************
 * Completion queues
 ****************************************************************************/

/**
 * Create a CQ: a sealed memfd with the CQE ring and its doorbell record.
 *
 * @param min_cqe  entries wanted (1 .. HCASIM_MAX_CQE, checked by the
 *                 caller)
 * @param cqn      set to the CQ's number
 * @param fd       set to the memfd (the caller closes it: a command's
 *                 CQ has its ring in the client's UMEM, and this one
 *                 still counts against the ring memory limits)
 * @return 0 or a negative errno (-EDQUOT: the client's or its host's
 *         limit; -ENOSPC: the daemon's)
 */
int
hcasim_cq_create(struct hcasim *h, struct hcasim_client *c,
		 uint32_t min_cqe, uint32_t *cqn, int *fd)
{
	struct hcasim_cq *cq;
	uint32_t i, cnt;
	size_t ring, len;
	int ret;

	if (c->ncq >= h->cfg.limits.client_cq) {
		h->refused.client_cq++;
		return -EDQUOT;
	}
	cnt = pow2_at_least(min_cqe < 2 ? 2 : min_cqe);
	ring = ring_round((size_t)cnt * sizeof(struct mlx5_cqe64));
	len = ring + RING_ALIGN;
	ret = hcasim_ring_mem_admit(h, c, len, ring_mem_total);
	if (ret < 0)
		return ret;
	cq = calloc(1, sizeof(*cq));
	if (cq == NULL)
		return -ENOMEM;
	cq->map = ring_alloc(len, "hcasim-cq", fd);
	if (cq->map == NULL) {
		free(cq);
		return -ENOMEM;
	}
	cq->map_len = len;
	cq->cqe_cnt = cnt;
	cq->cqes = cq->map;
	cq->dbrec = (volatile uint32_t *)((uint8_t *)cq->map + ring);
	for (i = 0; i < cnt; i++)
		cq->cqes[i].op_own = MLX5_CQE_INVALID << 4;
	for (i = 0; i < HCASIM_CLIENT_MAX_CQ; i++)
		if (c->cqs[i] == NULL)
			break;
	cq->cqn = i + 1;
	c->cqs[i] = cq;
	c->ncq++;
	ring_mem_account(c, (ssize_t)len);
	*cqn = cq->cqn;
	return 0;
}

/** The client's CQ of a number, or NULL. */
static struct hcasim_cq *
cq_of(struct hcasim_client *c, uint32_t cqn)
{
	if (cqn < 1 || cqn > HCASIM_CLIENT_MAX_CQ)
		return NULL;
	return c->cqs[cqn - 1];
}

/** Unmap and free a CQ nobody can reach any more. */
static void
cq_free(struct hcasim_client *c, struct hcasim_cq *cq)
{
	c->ncq--;
	ring_mem_account(c, -(ssize_t)cq->map_len);
	munmap(cq->map, cq->map_len);
	free(cq);
}

/**
 * Destroy a CQ.
 *
 * @return 0, -EINVAL (unknown) or -EBUSY (QPs still use it)
 */
int
hcasim_cq_destroy(struct hcasim *h, struct hcasim_client *c, uint32_t cqn)
{
	struct hcasim_cq *cq = cq_of(c, cqn);

	(void)h;
	if (cq == NULL)
		return -EINVAL;
	if (cq->refs != 0)
		return -EBUSY;
	c->cqs[cqn - 1] = NULL;
	cq_free(c, cq);
	return 0;
}

/****************************************************************************
 * Queue pairs
 ****************************************************************************/

/** Pick a free QP slot and a number for it; -ENOSPC when full. */
static int
qpn_alloc(struct hcasim *h, uint32_t *qpn)
{
	uint32_t i, slot, tag;

	for (i = 0; i < HCASIM_QP_SLOTS; i++) {
		slot = (h->qpn_tag + i) % HCASIM_QP_SLOTS;
		if (h->qp_table[slot] == NULL)
			break;
	}
	if (i == HCASIM_QP_SLOTS)
		return -ENOSPC;
	h->qpn_tag++;
	/* tags 1..1022 keep QPNs in 0x4000 .. 0xfff_ffe, never 0, 1 or ~0 */
	tag = (h->qpn_tag / HCASIM_QP_SLOTS) % 1022 + 1;
	*qpn = tag * HCASIM_QP_SLOTS + slot;
	return 0;
}

/**
 * Check a QP creation request (its fields checked by hcasim_req_check())
 * against the client's objects and limits.
 */
static int
qp_create_check(struct hcasim *h, struct hcasim_client *c,
		const struct hcasim_qp_create_req *req)
{
	if (!pd_valid(c, req->pdn) || cq_of(c, req->send_cqn) == NULL ||
	    cq_of(c, req->recv_cqn) == NULL)
		return -EINVAL;
	if (c->nqp >= h->cfg.limits.client_qp) {
		h->refused.client_qp++;
		return -EDQUOT;
	}
	if (c->ident != NULL && c->ident->nqp >= h->cfg.limits.host_qp) {
		h->refused.host_qp++;
		return -EDQUOT;
	}
	return 0;
}

/**
 * Create a UD QP in RESET: rings and doorbell record in a sealed memfd.
 *
 * @param req  the request
 * @param rep  filled with the QP's numbers and layout
 * @param fd   set to the memfd to pass to the client
 * @return 0 or a negative errno (-EDQUOT: the client's or its host's
 *         limit; -ENOSPC: the daemon's)
 */
int
hcasim_qp_create(struct hcasim *h, struct hcasim_client *c,
		 const struct hcasim_qp_create_req *req,
		 struct hcasim_qp_create_rep *rep, int *fd)
{
	struct hcasim_qp *qp;
	uint32_t sq_cnt, rq_cnt, qpn;
	size_t sq_len, rq_len, dbrec_off, len;
	int ret;

	ret = qp_create_check(h, c, req);
	if (ret < 0)
		return ret;
	sq_cnt = pow2_at_least(req->sq_wqe_cnt);
	rq_cnt = pow2_at_least(req->rq_wqe_cnt);
	sq_len = (size_t)sq_cnt * MLX5_SEND_WQE_BB;
	rq_len = (size_t)rq_cnt * sizeof(struct mlx5_wqe_data_seg);
	dbrec_off = ring_round(sq_len + rq_len);
	len = dbrec_off + RING_ALIGN;
	ret = hcasim_ring_mem_admit(h, c, len, ring_mem_total);
	if (ret < 0)
		return ret;
	ret = qpn_alloc(h, &qpn);
	if (ret < 0)
		return ret;
	qp = calloc(1, sizeof(*qp));
	if (qp == NULL)
		return -ENOMEM;
	qp->map = ring_alloc(len, "hcasim-qp", fd);
	if (qp->map == NULL) {
		free(qp);
		return -ENOMEM;
	}
	qp->map_len = len;
	qp->qpn = qpn;
	qp->wire_qpn = qpn;
	qp->owner = c;
	qp->port = c->port;
	qp->gid_port = c->port;
	qp->pdn = req->pdn;
	qp->state = HCA_QPS_RESET;
	qp->max_inline = req->max_inline;
	qp->sq = qp->map;
	qp->sq_wqe_cnt = sq_cnt;
	qp->rq = (struct mlx5_wqe_data_seg *)((uint8_t *)qp->map + sq_len);
	qp->rq_wqe_cnt = rq_cnt;
	qp->dbrec = (volatile uint32_t *)((uint8_t *)qp->map + dbrec_off);
	qp->scq = cq_of(c, req->send_cqn);
	qp->rcq = cq_of(c, req->recv_cqn);
	qp->scq->refs++;
	qp->rcq->refs++;
	qp->next = c->qps;
	c->qps = qp;
	c->nqp++;
	if (c->ident != NULL)
		c->ident->nqp++;
	ring_mem_account(c, (ssize_t)len);
	__atomic_store_n(&h->qp_table[qpn % HCASIM_QP_SLOTS], qp,
			 __ATOMIC_RELEASE);
	rep->qpn = qpn;
	rep->wire_qpn = qp->wire_qpn;
	rep->sq_wqe_cnt = sq_cnt;
	rep->rq_wqe_cnt = rq_cnt;
	rep->max_inline = req->max_inline;
	rep->map_len = len;
	rep->sq_off = 0;
	rep->rq_off = sq_len;
	rep->dbrec_off = dbrec_off;
	return 0;
}

/** Whether a QP may move from one state to another (as verbs allows). */
static bool
qp_transition_ok(uint32_t from, uint32_t to)
{
	switch (to) {
	case HCA_QPS_RESET:
	case HCA_QPS_ERR:
		return true;
	case HCA_QPS_INIT:
		return from == HCA_QPS_RESET || from == HCA_QPS_INIT;
	case HCA_QPS_RTR:
		return from == HCA_QPS_INIT;
	case HCA_QPS_RTS:
		return from == HCA_QPS_RTR || from == HCA_QPS_RTS;
	default:
		return false;
	}
}

/**
 * Move a QP to a state with its Q_Key and P_Key index. RESET clears its
 * queues (after the data path let go of them).
 *
 * @param req  the change (its state one of enum hca_qp_state)
 * @return 0 or -EINVAL (unknown QP, bad transition, bad P_Key index)
 */
int
hcasim_qp_modify(struct hcasim *h, struct hcasim_client *c,
		 const struct hcasim_qp_change *req)
{
	struct hcasim_qp *qp = hcasim_qp_lookup(h, req->qpn);
	uint32_t from;

	if (qp == NULL || qp->owner != c)
		return -EINVAL;
	from = __atomic_load_n(&qp->state, __ATOMIC_ACQUIRE);
	if (!qp_transition_ok(from, req->state))
		return -EINVAL;
	if (req->state != HCA_QPS_RESET && req->state != HCA_QPS_ERR) {
		if (req->pkey_index >= __atomic_load_n(&qp->port->pkey_count,
						       __ATOMIC_RELAXED))
			return -EINVAL;
		__atomic_store_n(&qp->qkey, req->qkey, __ATOMIC_RELAXED);
		__atomic_store_n(&qp->pkey_index, req->pkey_index,
				 __ATOMIC_RELAXED);
	}
	__atomic_store_n(&qp->state, req->state, __ATOMIC_RELEASE);
	if (req->state == HCA_QPS_RTS || req->state == HCA_QPS_ERR ||
	    from == HCA_QPS_RTS || from == HCA_QPS_ERR)
		hcasim_view_rebuild(h);
	if (req->state == HCA_QPS_RESET) {
		hcasim_dp_sync(h);
		qp->sq_tail = 0;
		qp->rq_tail = 0;
		qp->rq_prod_cache = 0;
		qp->dbrec[MLX5_RCV_DBR] = 0;
		qp->dbrec[MLX5_SND_DBR] = 0;
	}
	return 0;
}

/**
 * Inject a fault into a QP, whoever owns it (tests): the error state now
 * (its WQEs are then flushed, as after any error), or a failure of its
 * next send WQE (a local protection error, as a bad lkey gives).
 *
 * @param req  the request, its kind checked by hcasim_req_check()
 * @return 0, -ENOENT (no such QP) or -EINVAL (not in INIT, RTR or RTS)
 */
int
hcasim_qp_fault(struct hcasim *h, const struct hcasim_qp_fault_req *req)
{
	struct hcasim_qp *qp = hcasim_qp_lookup(h, req->qpn);
	uint32_t st;

	if (qp == NULL)
		return -ENOENT;
	st = __atomic_load_n(&qp->state, __ATOMIC_ACQUIRE);
	if (st != HCA_QPS_INIT && st != HCA_QPS_RTR && st != HCA_QPS_RTS)
		return -EINVAL;
	HCA_LOG(NOTICE, "hcasim: injected fault: QP 0x%06x %s", req->qpn,
		req->kind == HCASIM_QP_FAULT_NOW ? "enters the error state" :
		"fails its next send");
	if (req->kind == HCASIM_QP_FAULT_NEXT_SEND) {
		__atomic_store_n(&qp->fail_next_send, 1, __ATOMIC_RELEASE);
		return 0;
	}
	__atomic_store_n(&qp->state, HCA_QPS_ERR, __ATOMIC_RELEASE);
	hcasim_event_post_qp(h, qp, HCASIM_EQE_TYPE_WQ_CATAS_ERROR);
	hcasim_view_rebuild(h);
	return 0;
}

/** Unmap and free a QP nobody can reach any more. */
static void
qp_free(struct hcasim_client *c, struct hcasim_qp *qp)
{
	qp->scq->refs--;
	qp->rcq->refs--;
	ring_mem_account(c, -(ssize_t)qp->map_len);
	c->nqp--;
	if (c->ident != NULL)
		c->ident->nqp--;
	munmap(qp->map, qp->map_len);
	free(qp->rss);
	free(qp);
}

/** Unlink a QP from its client's list. */
static void
qp_unlink(struct hcasim_client *c, struct hcasim_qp *qp)
{
	struct hcasim_qp **pp;

	for (pp = &c->qps; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == qp) {
			*pp = qp->next;
			return;
		}
	}
}

/**
 * Destroy a QP: withdraw it from routing, multicast and polling, wait for
 * the data path, unmap its rings. A QP that was still attached takes its
 * port's probed group with it (as a client that goes away does): its
 * client left the group at the SA first, and the SM-restart probe must
 * not take that membership for one the SM forgot.
 *
 * @return 0 or -EINVAL (unknown)
 */
int
hcasim_qp_destroy(struct hcasim *h, struct hcasim_client *c, uint32_t qpn)
{
	struct hcasim_qp *qp = hcasim_qp_lookup(h, qpn);
	struct hcasim_mcg *old[64];
	uint32_t i, nold, gone;

	if (qp == NULL || qp->owner != c)
		return -EINVAL;
	if (qp->nattach != 0)
		hcasim_event_forget_port(h, qp->port);
	__atomic_store_n(&qp->state, HCASIM_QPS_DEAD, __ATOMIC_RELEASE);
	__atomic_store_n(&h->qp_table[qpn % HCASIM_QP_SLOTS], NULL,
			 __ATOMIC_RELEASE);
	while (qp->nattach != 0) {
		nold = 64;
		gone = hcasim_mcg_remove_qps(h, qp, NULL, old, &nold);
		qp->nattach = gone <= qp->nattach ? qp->nattach - gone : 0;
		c->nattach = gone <= c->nattach ? c->nattach - gone : 0;
		hcasim_dp_sync(h);
		for (i = 0; i < nold; i++)
			free(old[i]);
		if (nold == 0)
			break;
	}
	hcasim_view_rebuild(h); /* syncs */
	qp_unlink(c, qp);
	qp_free(c, qp);
	return 0;
}

/****************************************************************************
 * Client teardown
 ****************************************************************************/

/**
 * Free everything a client created: withdraw all of it, wait once for the
 * data path, then unmap. No DMA to the client's memory happens after.
 *
 * @param c  the client (its socket is closed by the caller)
 */
void
hcasim_client_release(struct hcasim *h, struct hcasim_client *c)
{
	struct hcasim_mcg *old[64];
	struct hcasim_mr *mrs_gone = NULL;
	struct hcasim_qp *qp;
	uint32_t i, nold;

	for (qp = c->qps; qp != NULL; qp = qp->next) {
		__atomic_store_n(&qp->state, HCASIM_QPS_DEAD, __ATOMIC_RELEASE);
		__atomic_store_n(&h->qp_table[qp->qpn % HCASIM_QP_SLOTS], NULL,
				 __ATOMIC_RELEASE);
	}
	do {
		nold = 64;
		hcasim_mcg_remove_qps(h, NULL, c, old, &nold);
		hcasim_dp_sync(h);
		for (i = 0; i < nold; i++)
			free(old[i]);
	} while (nold == 64);
	for (i = 0; i < HCASIM_MR_SLOTS; i++) {
		struct hcasim_mr *mr = h->mr_table[i];

		if (mr != NULL && mr->owner == c) {
			__atomic_store_n(&h->mr_table[i], NULL,
					 __ATOMIC_RELEASE);
			mr->owner = (struct hcasim_client *)mrs_gone;
			mrs_gone = mr;
		}
	}
	hcasim_view_rebuild(h); /* syncs: nothing of c is reachable now */
	while (mrs_gone != NULL) {
		struct hcasim_mr *mr = mrs_gone;

		mrs_gone = (struct hcasim_mr *)mr->owner;
		munmap(mr->map, mr->map_len);
		free(mr);
	}
	while (c->qps != NULL) {
		qp = c->qps;
		c->qps = qp->next;
		qp_free(c, qp);
	}
	for (i = 0; i < HCASIM_CLIENT_MAX_CQ; i++) {
		if (c->cqs[i] != NULL) {
			cq_free(c, c->cqs[i]);
			c->cqs[i] = NULL;
		}
	}
	if (c->ident != NULL)
		c->ident->nmr -= c->nmr;
	c->nmr = 0;
}
