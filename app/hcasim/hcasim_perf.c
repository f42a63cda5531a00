/* SPDX-License-Identifier: BSD-3-Clause */

/**
 * @file
 * hcasim-perf: packets per second of the soft HCA alone. One sender QP on
 * host1 streams UD datagrams to one receiver QP on host2 through the
 * device API; this process keeps both rings full, the daemon's data path
 * thread does the work. Run it as a fabric host:
 *
 *   ipoib-fabric run --dir DIR host1 -- hcasim-perf [-s SIZE] [-t SECONDS]
 *                                                   [-i] (inline) [-j]
 *
 * Prints one line: size, packets, seconds, packets/s, Gbit/s of payload,
 * datagrams sent and received (with -j as one JSON object, for the
 * benchmark harness). Exit status 1 unless every datagram sent arrived.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>

#include "hca_dev.h"
#include "hca_dp.h"

#define P_RING 4096          /**< receive WQEs and CQEs */
#define P_BURST 32           /**< sends per doorbell, one signalled */
#define P_BUF 2048           /**< receive buffer stride */

/** One side of the measurement. */
struct p_side {
	struct hca_dev *dev;
	struct hca_dev_attr attr;
	struct hca_pd *pd;
	uint8_t *mem;
	size_t len;
	struct hca_mr *mr;
	struct hca_cq *scq, *rcq;
	struct hca_qp *qp;
};

/** Seconds on the monotonic clock. */
static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/**
 * Open a host's port with memory, CQs and a QP in RTS.
 *
 * @return 0 or a negative errno
 */
static int
side_open(struct p_side *s, const char *host)
{
	struct hca_qp_init_attr qa;
	int fd, ret;

	setenv("HCASIM_HOST", host, 1);
	ret = hca_dev_open(NULL, 1, &s->dev);
	if (ret < 0 || (ret = hca_dev_query(s->dev, &s->attr)) < 0)
		return ret;
	s->pd = hca_pd_alloc(s->dev, &ret);
	if (s->pd == NULL)
		return ret;
	s->len = (size_t)P_RING * P_BUF + (1 << 20);
	fd = memfd_create("hcasim-perf", MFD_CLOEXEC);
	if (fd < 0 || ftruncate(fd, (off_t)s->len) < 0)
		return -errno;
	s->mem = mmap(NULL, s->len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (s->mem == MAP_FAILED)
		return -errno;
	ret = hca_mr_reg(s->pd, s->mem, s->len, fd, 0, &s->mr);
	close(fd);
	if (ret < 0 || (ret = hca_cq_create(s->dev, P_RING, &s->scq)) < 0 ||
	    (ret = hca_cq_create(s->dev, P_RING, &s->rcq)) < 0)
		return ret;
	memset(&qa, 0, sizeof(qa));
	qa.send_cq = s->scq;
	qa.recv_cq = s->rcq;
	qa.sq_wqe_cnt = P_RING;
	qa.rq_wqe_cnt = P_RING;
	qa.max_inline = 256;
	ret = hca_qp_create_ud(s->pd, &qa, &s->qp);
	if (ret == 0)
		ret = hca_qp_modify(s->qp, HCA_QPS_INIT, 0x1234, 0);
	if (ret == 0)
		ret = hca_qp_modify(s->qp, HCA_QPS_RTR, 0x1234, 0);
	if (ret == 0)
		ret = hca_qp_modify(s->qp, HCA_QPS_RTS, 0x1234, 0);
	return ret;
}

/** Post receive buffer number i (modulo the ring). */
static void
rx_post(struct p_side *r, uint32_t i)
{
	hca_rq_post(r->qp, (uintptr_t)(r->mem + (size_t)(i % P_RING) * P_BUF),
		    P_BUF, r->mr->lkey);
}

/**
 * Take the receive completions there are (at most 256) and post their
 * buffers again.
 *
 * @return completions taken
 */
static uint32_t
rx_reap(struct p_side *rx, uint32_t *posted)
{
	uint32_t n = 0;

	while (n < 256 && hca_cq_peek(rx->rcq) != NULL) {
		hca_cq_consume(rx->rcq);
		rx_post(rx, (*posted)++);
		n++;
	}
	if (n != 0) {
		hca_cq_doorbell(rx->rcq);
		hca_rq_doorbell(rx->qp);
	}
	return n;
}

/**
 * Stream datagrams for a duration, keeping the rings full (never more
 * datagrams on the way than receive buffers), then wait for the sends
 * still in flight and their datagrams (bounded): each one sent must
 * arrive.
 *
 * @param tx, rx   the two sides
 * @param size     bytes per datagram
 * @param inl      send inline
 * @param secs     duration of the measurement
 * @param elapsed  out: its measured length
 * @param sent     out: datagrams whose sends completed, drain included
 * @param total    out: datagrams received, drain included
 * @return packets received during the measurement
 */
static uint64_t
stream(struct p_side *tx, struct p_side *rx, uint32_t size, bool inl,
       double secs, double *elapsed, uint64_t *sent, uint64_t *total)
{
	uint8_t *src = tx->mem + (size_t)P_RING * P_BUF;
	struct hca_sge sge = { (uintptr_t)src, size, tx->mr->lkey };
	uint32_t inflight = 0, posted = 0, max_inflight, i;
	uint64_t got = 0, issued = 0;
	struct mlx5_wqe_av av;
	double t0, end;

	max_inflight = tx->qp->sq_wqe_cnt /
		hca_ud_wqe_blocks(1, inl ? size : 0) - P_BURST;
	hca_av_fill(&av, rx->qp->qpn, 0x1234, rx->attr.port.lid, 0, 0, NULL, 0,
		    0, 0);
	for (posted = 0; posted < P_RING; posted++)
		rx_post(rx, posted);
	hca_rq_doorbell(rx->qp);
	t0 = now();
	end = t0 + secs;
	while (now() < end) {
		struct mlx5_cqe64 *c;

		/* no more datagrams on the way than receive buffers: UD
		 * drops what finds none, and every one is counted */
		while (inflight + P_BURST <= max_inflight &&
		       issued - got + P_BURST <= P_RING) {
			uint16_t idx = 0;

			for (i = 0; i < P_BURST; i++)
				idx = hca_sq_post_ud(tx->qp, &av, &sge, 1,
						     inl ? src : NULL, size,
						     i == P_BURST - 1);
			hca_sq_doorbell(tx->qp, idx);
			inflight += P_BURST;
			issued += P_BURST;
		}
		while ((c = hca_cq_peek(tx->scq)) != NULL) {
			hca_cq_consume(tx->scq);
			inflight -= P_BURST;
			*sent += P_BURST;
		}
		hca_cq_doorbell(tx->scq);
		got += rx_reap(rx, &posted);
	}
	*elapsed = now() - t0;
	/* the drain: no more sends; every datagram sent should arrive */
	*total = got;
	end = now() + 5;
	while (now() < end && (inflight != 0 || *total < *sent)) {
		while (hca_cq_peek(tx->scq) != NULL) {
			hca_cq_consume(tx->scq);
			inflight -= P_BURST;
			*sent += P_BURST;
		}
		hca_cq_doorbell(tx->scq);
		*total += rx_reap(rx, &posted);
	}
	return got;
}

/** Entry point. */
int
main(int argc, char **argv)
{
	struct p_side tx, rx;
	uint32_t size = 64;
	double secs = 3, el;
	bool inl = false, json = false;
	uint64_t n, sent = 0, total = 0;
	int o, ret;

	while ((o = getopt(argc, argv, "s:t:ij")) != -1) {
		switch (o) {
		case 's': size = (uint32_t)atoi(optarg); break;
		case 't': secs = atof(optarg); break;
		case 'i': inl = true; break;
		case 'j': json = true; break;
		default:
			fprintf(stderr, "usage: hcasim-perf [-s SIZE] "
				"[-t SECONDS] [-i] [-j]\n");
			return 2;
		}
	}
	if (size == 0 || size > 4096 || (inl && size > 256) || secs <= 0 ||
	    secs > 600) {
		fprintf(stderr, "hcasim-perf: bad size or duration\n");
		return 2;
	}
	/*
	 * In a fabric: its shared socket, as this tool acts as two hosts (a
	 * host's own socket, which `ipoib-fabric run` gives, serves one).
	 */
	if (getenv("IPOIB_FABRIC_DIR")) {
		char path[4096];

		snprintf(path, sizeof(path), "%s/hcasim.sock",
			 getenv("IPOIB_FABRIC_DIR"));
		setenv("HCASIM_SOCKET", path, 1);
	}
	memset(&tx, 0, sizeof(tx));
	memset(&rx, 0, sizeof(rx));
	ret = side_open(&tx, "host1");
	if (ret == 0)
		ret = side_open(&rx, "host2");
	if (ret < 0) {
		fprintf(stderr, "hcasim-perf: setup failed: %s\n",
			strerror(-ret));
		return 1;
	}
	n = stream(&tx, &rx, size, inl, secs, &el, &sent, &total);
	if (json)
		printf("{\"tool\":\"hcasim-perf\",\"size\":%u,\"inline\":%s,"
		       "\"packets\":%llu,\"seconds\":%.3f,\"mpps\":%.3f,"
		       "\"gbps\":%.3f,\"sent\":%llu,\"received\":%llu}\n",
		       size, inl ? "true" : "false",
		       (unsigned long long)n, el, (double)n / el / 1e6,
		       (double)n * size * 8 / el / 1e9,
		       (unsigned long long)sent, (unsigned long long)total);
	else
		printf("size %u%s: %llu packets in %.2f s: %.3f Mpps, "
		       "%.2f Gbit/s; sent %llu, received %llu\n", size,
		       inl ? " inline" : "",
		       (unsigned long long)n, el, (double)n / el / 1e6,
		       (double)n * size * 8 / el / 1e9,
		       (unsigned long long)sent, (unsigned long long)total);
	hca_dev_close(tx.dev);
	hca_dev_close(rx.dev);
	if (sent == 0 || total != sent) {
		fprintf(stderr, "hcasim-perf: received %llu of %llu datagrams "
			"sent\n", (unsigned long long)total,
			(unsigned long long)sent);
		return 1;
	}
	return 0;
}
