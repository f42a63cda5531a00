/* SPDX-License-Identifier: BSD-3-Clause */

#ifndef HCASIM_TLIB_H
#define HCASIM_TLIB_H

/**
 * @file
 * Helpers for the soft HCA tests and the throughput tool: open a host's
 * port through the device API, memory from a memfd registered with
 * hca_mr_reg(), a UD QP brought to RTS, post/poll helpers with bounded
 * waits, and the daemon's status counters.
 */

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "hca_dev.h"
#include "hca_dp.h"

/** Receive buffer stride in the memory area (GRH + 4096 + slack). */
#define T_BUF 8192
/** Receive buffers per QP. */
#define T_NRECV 256

/** Fail the test with a message (file:line). */
#define T_FAIL(...) do { \
	fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__); \
	fprintf(stderr, __VA_ARGS__); \
	fprintf(stderr, "\n"); \
	return -1; \
} while (0)

/** Check a condition, failing the test with a message. */
#define T_CHECK(cond, ...) do { \
	if (!(cond)) \
		T_FAIL(__VA_ARGS__); \
} while (0)

/** One port of a host with memory, CQs and a QP. */
struct t_host {
	const char *name;
	struct hca_dev *dev;
	struct hca_dev_attr attr;
	struct hca_pd *pd;
	int memfd;
	uint8_t *mem;
	size_t memlen;
	struct hca_mr *mr;
	struct hca_cq *scq;
	struct hca_cq *rcq;
	struct hca_qp *qp;
	uint32_t next_buf;           /**< receive buffer to post next */
};

void t_act_as(const char *name);
int t_host_open(struct t_host *h, const char *name);
int t_host_open_port(struct t_host *h, const char *name, int port);
int t_qp_create(struct t_host *h, struct hca_qp **qp, struct hca_cq *rcq,
		struct hca_qp *rss_parent);
int t_qp_ready(struct hca_qp *qp, uint32_t qkey, uint16_t pkey_index);
void t_host_close(struct t_host *h);
uint8_t *t_recv_post(struct t_host *h, struct hca_qp *qp);
uint8_t *t_send_area(struct t_host *h);
uint16_t t_send(struct t_host *h, struct hca_qp *qp,
		const struct mlx5_wqe_av *av, const void *addr, uint32_t len,
		bool inl, bool signaled);
int t_poll(struct hca_cq *cq, int timeout_ms, struct mlx5_cqe64 *out);
int t_pkey_index(const struct t_host *h, uint16_t pkey);
long long t_counter(const char *host, const char *name);
long long t_refused(const char *name);
long long t_status_value(const char *anchor, const char *name);
void t_av(struct mlx5_wqe_av *av, const struct t_host *dst,
	  const struct hca_qp *dqp, uint32_t qkey);

#endif /* HCASIM_TLIB_H */
