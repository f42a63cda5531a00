/* SPDX-License-Identifier: BSD-3-Clause */

/**
 * @file
 * The SA client's in-band transport: a UD QP of the client's own, made
 * through the device API (hca_dev.h), with the controlled Q_Key
 * 0x80010000 and the port's default P_Key, sends the 256-byte SA MADs to
 * the SM's LID, QPN 1, and receives the replies (the SA answers to the
 * sender's LID and QPN). For a device that has no ib_umad (a ConnectX
 * given to VFIO); the soft HCA carries QP 1 traffic to opensm the same
 * way. Only whole MADs travel: no RMPP reassembly (hca_sa_core.c refuses
 * a multi-segment reply).
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <infiniband/mlx5dv.h>

#include "hca_dev.h"
#include "hca_dp.h"
#include "hca_log.h"
#include "hca_sa_inband.h"

/** The SA's QP and Q_Key (IBA 15.4). */
#define SA_QPN 1
#define SA_QKEY 0x80010000u
/** Receive buffers posted (the GRH area, then one MAD). */
#define IB_RECV_N 32
/**
 * Send buffers, a ring, and send CQEs: room for every request of a full
 * table sent (or resent) in one burst, so no buffer is reused and no
 * completion lost before the device took the earlier ones.
 */
#define IB_SEND_N (2 * HCA_SA_MAX_PENDING)
/** Bytes per buffer (GRH area + MAD, rounded up). */
#define IB_BUF_LEN 512
/** Poll step while waiting for a reply, in microseconds. */
#define IB_WAIT_STEP_US 500

/** The in-band transport's objects. */
struct sa_inband {
	struct hca_dev *dev;
	struct hca_pd *pd;
	struct hca_mr *mr;
	struct hca_cq *scq;
	struct hca_cq *rcq;
	struct hca_qp *qp;
	int memfd;
	uint8_t *mem;             /**< IB_RECV_N + IB_SEND_N buffers */
	size_t memlen;
	uint32_t next_send;
	uint8_t mad[HCA_MAD_SIZE]; /**< the MAD recv() hands out */
	bool ca_given;            /**< ca[] names the CA (else the first) */
	char ca[HCA_CA_NAME_LEN]; /**< as given to open, to open again */
	int port;
};

/** Receive buffer i. */
static uint8_t *
ib_rbuf(struct sa_inband *ib, uint32_t i)
{
	return ib->mem + (size_t)(i % IB_RECV_N) * IB_BUF_LEN;
}

/** Post receive buffer i and ring. */
static void
ib_post_recv(struct sa_inband *ib, uint32_t i)
{
	hca_rq_post(ib->qp, (uintptr_t)ib_rbuf(ib, i), IB_BUF_LEN,
		    ib->mr->lkey);
	hca_rq_doorbell(ib->qp);
}

/** The index of the port's default P_Key (full or limited 0x7fff). */
static uint16_t
ib_default_pkey_index(const struct hca_port_info *pi)
{
	unsigned int i;

	for (i = 0; i < pi->pkey_count && i < HCA_MAX_PKEYS; i++)
		if ((pi->pkeys[i] & 0x7fff) == 0x7fff)
			return (uint16_t)i;
	return 0;
}

/** Copy the port's LID, SM and GID into the client. */
static void
ib_read_port(struct hca_sa *sa, const struct hca_port_info *pi)
{
	memcpy(sa->ca_name, pi->ca_name, sizeof(sa->ca_name));
	sa->ca_name[sizeof(sa->ca_name) - 1] = '\0';
	sa->port_num = pi->port_num;
	sa->lid = pi->lid;
	sa->sm_lid = pi->sm_lid;
	sa->sm_sl = pi->sm_sl;
	sa->port_gid = pi->gid;
}

/** Destroy what ib_open() made (in reverse). */
static void
ib_free(struct sa_inband *ib)
{
	if (ib->qp != NULL)
		hca_qp_destroy(ib->qp);
	if (ib->scq != NULL)
		hca_cq_destroy(ib->scq);
	if (ib->rcq != NULL)
		hca_cq_destroy(ib->rcq);
	if (ib->mr != NULL)
		hca_mr_dereg(ib->mr);
	if (ib->pd != NULL)
		hca_pd_free(ib->pd);
	if (ib->dev != NULL)
		hca_dev_close(ib->dev);
	if (ib->mem != NULL)
		munmap(ib->mem, ib->memlen);
	if (ib->memfd >= 0)
		close(ib->memfd);
	free(ib);
}

/** Bring the QP to RTS with the SA's Q_Key and the default P_Key. */
static int
ib_qp_ready(struct sa_inband *ib, uint16_t pkey_index)
{
	int ret = hca_qp_modify(ib->qp, HCA_QPS_INIT, SA_QKEY, pkey_index);

	if (ret == 0)
		ret = hca_qp_modify(ib->qp, HCA_QPS_RTR, SA_QKEY, pkey_index);
	if (ret == 0)
		ret = hca_qp_modify(ib->qp, HCA_QPS_RTS, SA_QKEY, pkey_index);
	return ret;
}

/**
 * Open the device port, make a PD, a registered memfd area, two CQs and
 * a UD QP in RTS, and post every receive buffer.
 *
 * @param out  set to the new transport state on success
 */
static int
ib_make(struct hca_sa *sa, const char *ca_name, int port,
	struct sa_inband **out)
{
	struct hca_qp_init_attr qa = { 0 };
	struct hca_dev_attr attr;
	struct sa_inband *ib;
	uint32_t i;
	int ret;

	ib = calloc(1, sizeof(*ib));
	if (ib == NULL)
		return -ENOMEM;
	ib->memfd = -1;
	ib->port = port;
	ib->ca_given = ca_name != NULL;
	if (ca_name != NULL)
		snprintf(ib->ca, sizeof(ib->ca), "%s", ca_name);
	ret = hca_dev_open(ca_name, port, &ib->dev);
	if (ret == 0)
		ret = hca_dev_query(ib->dev, &attr);
	if (ret != 0)
		goto fail;
	ib_read_port(sa, &attr.port);
	ib->pd = hca_pd_alloc(ib->dev, &ret);
	if (ib->pd == NULL)
		goto fail;
	ib->memlen = (size_t)(IB_RECV_N + IB_SEND_N) * IB_BUF_LEN;
	ib->memfd = memfd_create("hca_sa_inband", MFD_CLOEXEC);
	if (ib->memfd < 0 || ftruncate(ib->memfd, (off_t)ib->memlen) != 0) {
		ret = -errno;
		goto fail;
	}
	ib->mem = mmap(NULL, ib->memlen, PROT_READ | PROT_WRITE, MAP_SHARED,
		       ib->memfd, 0);
	if (ib->mem == MAP_FAILED) {
		ib->mem = NULL;
		ret = -errno;
		goto fail;
	}
	ret = hca_mr_reg(ib->pd, ib->mem, ib->memlen, ib->memfd, 0, &ib->mr);
	if (ret == 0)
		ret = hca_cq_create(ib->dev, IB_SEND_N, &ib->scq);
	if (ret == 0)
		ret = hca_cq_create(ib->dev, IB_RECV_N, &ib->rcq);
	if (ret != 0)
		goto fail;
	qa.send_cq = ib->scq;
	qa.recv_cq = ib->rcq;
	qa.sq_wqe_cnt = IB_SEND_N * 2;
	qa.rq_wqe_cnt = IB_RECV_N;
	ret = hca_qp_create_ud(ib->pd, &qa, &ib->qp);
	if (ret == 0)
		ret = ib_qp_ready(ib, ib_default_pkey_index(&attr.port));
	if (ret != 0)
		goto fail;
	for (i = 0; i < IB_RECV_N; i++)
		ib_post_recv(ib, i);
	*out = ib;
	HCA_LOG(DEBUG, "SA in band: QPN %#x on %s/%d", ib->qp->qpn,
		sa->ca_name, sa->port_num);
	return 0;
fail:
	ib_free(ib);
	return ret != 0 ? ret : -ENODEV;
}

/** Open the transport (see ib_make()). */
static int
ib_tp_open(struct hca_sa *sa, const char *ca_name, int port)
{
	struct sa_inband *ib;
	int ret = ib_make(sa, ca_name, port, &ib);

	if (ret == 0)
		sa->tp = ib;
	return ret;
}

/** Close the transport: the device frees its objects. */
static void
ib_tp_close(struct hca_sa *sa)
{
	if (sa->tp != NULL)
		ib_free(sa->tp);
	sa->tp = NULL;
}

/** Reap send completions (their buffers are a ring: nothing to free). */
static void
ib_reap_sends(struct sa_inband *ib)
{
	bool any = false;

	while (hca_cq_peek(ib->scq) != NULL) {
		hca_cq_consume(ib->scq);
		any = true;
	}
	if (any)
		hca_cq_doorbell(ib->scq);
}

/** Send one MAD to (SM LID, QPN 1, Q_Key 0x80010000). */
static int
ib_tp_send(struct hca_sa *sa, const uint8_t *mad, unsigned int wait_ms)
{
	struct sa_inband *ib = sa->tp;
	struct mlx5_wqe_av av;
	struct hca_sge sge;
	uint8_t *buf;
	uint16_t idx;

	(void)wait_ms;
	ib_reap_sends(ib);
	buf = ib->mem + (size_t)(IB_RECV_N + ib->next_send++ % IB_SEND_N) *
	      IB_BUF_LEN;
	memcpy(buf, mad, HCA_MAD_SIZE);
	hca_av_fill(&av, SA_QPN, SA_QKEY, sa->sm_lid, sa->sm_sl, 0, NULL, 0,
		    0, 0);
	sge.addr = (uintptr_t)buf;
	sge.len = HCA_MAD_SIZE;
	sge.lkey = ib->mr->lkey;
	idx = hca_sq_post_ud(ib->qp, &av, &sge, 1, NULL, 0, true);
	hca_sq_doorbell(ib->qp, idx);
	return 0;
}

/**
 * Take the next received MAD without blocking. Only datagrams from QPN 1
 * of the SM's LID with a whole MAD count; the buffer is posted again at
 * once (the MAD is copied out).
 */
static int
ib_tp_recv(struct hca_sa *sa, const uint8_t **mad)
{
	struct sa_inband *ib = sa->tp;
	struct mlx5_cqe64 *cqe;

	ib_reap_sends(ib);
	while ((cqe = hca_cq_peek(ib->rcq)) != NULL) {
		struct hca_rx_cqe rx;
		bool ok;

		hca_cqe_decode_rx(cqe, &rx);
		ok = hca_cqe_opcode(cqe) == MLX5_CQE_RESP_SEND &&
		     rx.src_qpn == SA_QPN &&
		     rx.byte_cnt == HCA_GRH_LEN + HCA_MAD_SIZE;
		if (ok)
			memcpy(ib->mad, ib_rbuf(ib, rx.wqe_index) + HCA_GRH_LEN,
			       HCA_MAD_SIZE);
		hca_cq_consume(ib->rcq);
		hca_cq_doorbell(ib->rcq);
		if (hca_cqe_opcode(cqe) == MLX5_CQE_RESP_SEND ||
		    hca_cqe_opcode(cqe) == MLX5_CQE_RESP_ERR)
			ib_post_recv(ib, rx.wqe_index);
		if (ok) {
			*mad = ib->mad;
			return HCA_MAD_SIZE;
		}
		sa->stats.dropped++;
	}
	return 0;
}

/** Milliseconds of a monotonic clock. */
static uint64_t
ib_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/** Wait up to ms (-1: 1 s steps) for a receive completion. */
static int
ib_tp_wait(struct hca_sa *sa, int ms)
{
	struct sa_inband *ib = sa->tp;
	struct timespec ts = { 0, IB_WAIT_STEP_US * 1000L };
	uint64_t end = ib_now_ms() + (ms < 0 ? 1000u : (unsigned int)ms);

	while (hca_cq_peek(ib->rcq) == NULL && ib_now_ms() < end)
		nanosleep(&ts, NULL);
	return 0;
}

/**
 * Re-read the SM's LID and SL from the device port. A device that went
 * away (the soft HCA restarted) is opened again with a new QP, so that
 * the requests still pending are resent on it.
 */
static void
ib_tp_refresh_sm(struct hca_sa *sa)
{
	struct sa_inband *ib = sa->tp, *fresh;
	struct hca_dev_attr attr;

	if (hca_dev_alive(ib->dev) <= 0) {
		if (ib_make(sa, ib->ca_given ? ib->ca : NULL, ib->port,
			    &fresh) != 0)
			return; /* not back yet: the next try asks again */
		HCA_LOG(INFO, "SA in band: device back, new QP %#x",
			fresh->qp->qpn);
		ib_free(ib);
		sa->tp = fresh;
		return; /* ib_make() read the port */
	}
	if (hca_dev_query(ib->dev, &attr) != 0)
		return;
	sa->lid = attr.port.lid;
	sa->sm_lid = attr.port.sm_lid;
	sa->sm_sl = attr.port.sm_sl;
}

/** The in-band transport. */
const struct hca_sa_transport_ops hca_sa_inband_ops = {
	.name = "inband",
	.open = ib_tp_open,
	.close = ib_tp_close,
	.send = ib_tp_send,
	.recv = ib_tp_recv,
	.wait = ib_tp_wait,
	.refresh_sm = ib_tp_refresh_sm,
};
