/* SPDX-License-Identifier: BSD-3-Clause */

/**
 * @file
 * Helpers for the soft HCA tests (see hcasim_tlib.h).
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>

#include "hcasim_tlib.h"

/** Bytes of memory per host: receive buffers, then the send area. */
#define T_MEM (2 * T_NRECV * T_BUF)

/**
 * Make the next device opened be host name's: through the fabric's shared
 * socket (a host's own socket, which `ipoib-fabric run` gives, serves
 * that host only), with HCASIM_HOST naming the host.
 *
 * @param name  the host
 */
void
t_act_as(const char *name)
{
	const char *dir = getenv("IPOIB_FABRIC_DIR");
	char path[4096];

	if (dir != NULL) {
		snprintf(path, sizeof(path), "%s/hcasim.sock", dir);
		setenv("HCASIM_SOCKET", path, 1);
	}
	setenv("HCASIM_HOST", name, 1);
}

/**
 * Open host name's port 1 (HCASIM_HOST selects the host), allocate a
 * PD, register a memfd area and create CQs and one UD QP (not yet ready).
 *
 * @return 0 or -1 (message printed)
 */
int
t_host_open(struct t_host *h, const char *name)
{
	return t_host_open_port(h, name, 1);
}

/** As t_host_open(), on a given port of the host. */
int
t_host_open_port(struct t_host *h, const char *name, int port)
{
	int ret;

	memset(h, 0, sizeof(*h));
	h->name = name;
	h->memfd = -1;
	t_act_as(name);
	ret = hca_dev_open(NULL, port, &h->dev);
	T_CHECK(ret == 0, "hca_dev_open(%s): %s", name, strerror(-ret));
	ret = hca_dev_query(h->dev, &h->attr);
	T_CHECK(ret == 0, "hca_dev_query: %s", strerror(-ret));
	T_CHECK(strcmp(h->attr.backend, "hcasim") == 0, "backend %s",
		h->attr.backend);
	h->pd = hca_pd_alloc(h->dev, &ret);
	T_CHECK(h->pd != NULL, "hca_pd_alloc: %s", strerror(-ret));
	h->memlen = T_MEM;
	h->memfd = memfd_create("t_host", MFD_CLOEXEC);
	T_CHECK(h->memfd >= 0 && ftruncate(h->memfd, (off_t)h->memlen) == 0,
		"memfd");
	h->mem = mmap(NULL, h->memlen, PROT_READ | PROT_WRITE, MAP_SHARED,
		      h->memfd, 0);
	T_CHECK(h->mem != MAP_FAILED, "mmap");
	ret = hca_mr_reg(h->pd, h->mem, h->memlen, h->memfd, 0, &h->mr);
	T_CHECK(ret == 0, "hca_mr_reg: %s", strerror(-ret));
	ret = hca_cq_create(h->dev, 1024, &h->scq);
	T_CHECK(ret == 0, "hca_cq_create: %s", strerror(-ret));
	ret = hca_cq_create(h->dev, 1024, &h->rcq);
	T_CHECK(ret == 0, "hca_cq_create: %s", strerror(-ret));
	return t_qp_create(h, &h->qp, h->rcq, NULL);
}

/**
 * Create a UD QP on a host (send CQ shared, receive CQ given).
 *
 * @return 0 or -1
 */
int
t_qp_create(struct t_host *h, struct hca_qp **qp, struct hca_cq *rcq,
	    struct hca_qp *rss_parent)
{
	struct hca_qp_init_attr a = {
		.send_cq = h->scq, .recv_cq = rcq, .sq_wqe_cnt = 1024,
		.rq_wqe_cnt = T_NRECV, .max_inline = 256,
		.rss_parent = rss_parent,
	};
	int ret = hca_qp_create_ud(h->pd, &a, qp);

	T_CHECK(ret == 0, "hca_qp_create_ud: %s", strerror(-ret));
	return 0;
}

/** Bring a QP to RTS with a Q_Key and P_Key index. */
int
t_qp_ready(struct hca_qp *qp, uint32_t qkey, uint16_t pkey_index)
{
	int ret = hca_qp_modify(qp, HCA_QPS_INIT, qkey, pkey_index);

	if (ret == 0)
		ret = hca_qp_modify(qp, HCA_QPS_RTR, qkey, pkey_index);
	if (ret == 0)
		ret = hca_qp_modify(qp, HCA_QPS_RTS, qkey, pkey_index);
	T_CHECK(ret == 0, "hca_qp_modify: %s", strerror(-ret));
	return 0;
}

/** Close a host (the device frees its objects). */
void
t_host_close(struct t_host *h)
{
	if (h->dev != NULL)
		hca_dev_close(h->dev);
	if (h->mem != NULL && h->mem != MAP_FAILED)
		munmap(h->mem, h->memlen);
	if (h->memfd >= 0)
		close(h->memfd);
	memset(h, 0, sizeof(*h));
	h->memfd = -1;
}

/**
 * Post the next receive buffer (cleared to 0xee) to a QP and ring.
 *
 * @return the buffer
 */
uint8_t *
t_recv_post(struct t_host *h, struct hca_qp *qp)
{
	uint8_t *b = h->mem + (size_t)(h->next_buf++ % T_NRECV) * T_BUF;

	memset(b, 0xee, T_BUF);
	hca_rq_post(qp, (uintptr_t)b, T_BUF, h->mr->lkey);
	hca_rq_doorbell(qp);
	return b;
}

/** The host's send area (T_NRECV * T_BUF bytes). */
uint8_t *
t_send_area(struct t_host *h)
{
	return h->mem + (size_t)T_NRECV * T_BUF;
}

/**
 * Send len bytes at addr (inline or through the MR) and ring.
 *
 * @return the WQE index
 */
uint16_t
t_send(struct t_host *h, struct hca_qp *qp, const struct mlx5_wqe_av *av,
       const void *addr, uint32_t len, bool inl, bool signaled)
{
	struct hca_sge sge = { (uintptr_t)addr, len, h->mr->lkey };
	uint16_t idx;

	idx = hca_sq_post_ud(qp, av, &sge, 1, inl ? addr : NULL, len,
			     signaled);
	hca_sq_doorbell(qp, idx);
	return idx;
}

/**
 * Wait (sleeping) for the next CQE of a CQ and consume it.
 *
 * @param out  a copy of the CQE
 * @return 0, or -1 when nothing came within timeout_ms
 */
int
t_poll(struct hca_cq *cq, int timeout_ms, struct mlx5_cqe64 *out)
{
	struct timespec ts = { 0, 50000 };
	int waited_us = 0;

	for (;;) {
		struct mlx5_cqe64 *c = hca_cq_peek(cq);

		if (c != NULL) {
			*out = *c;
			hca_cq_consume(cq);
			hca_cq_doorbell(cq);
			return 0;
		}
		if (waited_us >= timeout_ms * 1000)
			return -1;
		nanosleep(&ts, NULL);
		waited_us += 50;
	}
}

/** Index of a P_Key (exact 16 bits) in the host's table, or -1. */
int
t_pkey_index(const struct t_host *h, uint16_t pkey)
{
	unsigned int i;

	for (i = 0; i < h->attr.port.pkey_count; i++)
		if (h->attr.port.pkeys[i] == pkey)
			return (int)i;
	return -1;
}

/**
 * Read `hcasim --status` and find a value after an anchor.
 *
 * @param anchor  text to find first (e.g. "\"host\":\"host1\",")
 * @param name    the key to find after it
 * @return the value, or -1 when it cannot be read
 */
long long
t_status_value(const char *anchor, const char *name)
{
	const char *build = getenv("IPOIB_BUILD");
	const char *sock = getenv("HCASIM_SOCKET");
	char cmd[1024], key[128], *json = NULL, *p;
	size_t cap = 0, len = 0;
	long long v = -1;
	FILE *f;

	if (build == NULL || sock == NULL)
		return -1;
	snprintf(cmd, sizeof(cmd), "%s/app/hcasim/hcasim --status --socket %s",
		 build, sock);
	f = popen(cmd, "r");
	if (f == NULL)
		return -1;
	for (;;) {
		if (len + 4096 + 1 > cap) {
			char *n = realloc(json, cap + 65536);

			if (n == NULL)
				break;
			json = n;
			cap += 65536;
		}
		size_t r = fread(json + len, 1, 4096, f);

		if (r == 0)
			break;
		len += r;
	}
	pclose(f);
	if (json == NULL)
		return -1;
	json[len] = '\0';
	p = strstr(json, anchor);
	if (p != NULL) {
		snprintf(key, sizeof(key), "\"%s\":", name);
		p = strstr(p, key);
		if (p != NULL)
			v = strtoll(p + strlen(key), NULL, 10);
	}
	free(json);
	return v;
}

/**
 * Read one counter of a host's first port from `hcasim --status`.
 *
 * @return the value, or -1 when it cannot be read
 */
long long
t_counter(const char *host, const char *name)
{
	char anchor[128];

	snprintf(anchor, sizeof(anchor), "\"host\":\"%s\",", host);
	return t_status_value(anchor, name);
}

/**
 * Read how many requests a limit or check refused (`hcasim --status`,
 * "refused").
 *
 * @param name  e.g. "client_qp", "identity", "mgid"
 * @return the count, or -1 when it cannot be read
 */
long long
t_refused(const char *name)
{
	return t_status_value("\"refused\":{", name);
}

/** An address vector to a QP of a host (no GRH, SL 0). */
void
t_av(struct mlx5_wqe_av *av, const struct t_host *dst,
     const struct hca_qp *dqp, uint32_t qkey)
{
	hca_av_fill(av, dqp->wire_qpn, qkey, dst->attr.port.lid, 0, 0, NULL,
		    0, 0, 0);
}
