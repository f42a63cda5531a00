/* SPDX-License-Identifier: BSD-3-Clause */

/**
 * @file
 * The firmware command transport over the hcasim socket (see
 * hca_sim_transport.h): HCASIM_MSG_CMD carries a mailbox each way,
 * HCASIM_MSG_UMEM_REG an fd with the length and offset of the bytes.
 */

#include <errno.h>
#include <string.h>

#include "hca_log.h"
#include "hca_sim_transport.h"
#include "hcasim_proto.h"

/** exec: one HCASIM_MSG_CMD exchange. @return output bytes or -errno. */
static int
sim_exec(void *ctx, const void *in, size_t in_len, void *out,
	 size_t out_len)
{
	struct hca_sim_transport *st = ctx;
	size_t got = 0;
	int ret;

	if (in_len > HCASIM_BODY_MAX)
		return -EMSGSIZE;
	ret = st->call(st->conn, HCASIM_MSG_CMD, in, in_len, out, out_len,
		       &got, -1, NULL);
	return ret < 0 ? ret : (int)got;
}

/**
 * umem_reg: find the fd behind [addr, addr + len) among the memory being
 * registered, send it with HCASIM_MSG_UMEM_REG.
 *
 * @return 0 and *umem_id, -EINVAL when no fd is known for addr, or the
 *         daemon's status
 */
static int
sim_umem_reg(void *ctx, void *addr, size_t len, uint32_t access,
	     uint32_t *umem_id)
{
	struct hca_sim_transport *st = ctx;
	struct hcasim_umem_reg_req req = { len, 0 };
	struct hcasim_umem_msg rep;
	uintptr_t a = (uintptr_t)addr;
	size_t got = 0;
	int fd = -1, ret, i;

	(void)access; /* the soft HCA lets a UMEM be read and written */
	pthread_mutex_lock(&st->lock);
	for (i = 0; i < HCA_SIM_FDMAP_MAX; i++) {
		const struct hca_sim_fdmap *m = &st->fds[i];

		if (m->addr != 0 && a >= m->addr && a - m->addr <= m->len &&
		    len <= m->len - (a - m->addr)) {
			fd = m->fd;
			req.fd_off = (uint64_t)m->off + (a - m->addr);
			break;
		}
	}
	pthread_mutex_unlock(&st->lock);
	if (fd < 0)
		return -EINVAL; /* the soft HCA maps memory from an fd */
	ret = st->call(st->conn, HCASIM_MSG_UMEM_REG, &req, sizeof(req), &rep,
		       sizeof(rep), &got, fd, NULL);
	if (ret == 0 && got != sizeof(rep))
		ret = -EPROTO;
	if (ret == 0)
		*umem_id = rep.umem_id;
	return ret;
}

/** umem_dereg: HCASIM_MSG_UMEM_DEREG. @return 0 or -errno. */
static int
sim_umem_dereg(void *ctx, uint32_t umem_id)
{
	struct hca_sim_transport *st = ctx;
	struct hcasim_umem_msg req = { umem_id, 0 };
	size_t got = 0;

	return st->call(st->conn, HCASIM_MSG_UMEM_DEREG, &req, sizeof(req),
			NULL, 0, &got, -1, NULL);
}

/** event_fd: port events do not come through this transport. */
static int
sim_event_fd(void *ctx)
{
	(void)ctx;
	return -ENOTSUP;
}

/** event_read: none (see sim_event_fd()). */
static int
sim_event_read(void *ctx, void *eqe, size_t len)
{
	(void)ctx;
	(void)eqe;
	(void)len;
	return -ENOTSUP;
}

const struct hca_cmd_transport_ops hca_sim_transport_ops = {
	.name = "hcasim",
	.exec = sim_exec,
	.umem_reg = sim_umem_reg,
	.umem_dereg = sim_umem_dereg,
	.event_fd = sim_event_fd,
	.event_read = sim_event_read,
};

/* See hca_sim_transport.h. */
void
hca_sim_transport_init(struct hca_cmd_transport *t,
		       struct hca_sim_transport *st, hca_sim_call_fn call,
		       hca_sim_lost_fn lost, void *conn)
{
	memset(st, 0, sizeof(*st));
	st->call = call;
	st->lost = lost;
	st->conn = conn;
	pthread_mutex_init(&st->lock, NULL);
	t->ops = &hca_sim_transport_ops;
	t->ctx = st;
}

/* See hca_sim_transport.h. */
bool
hca_sim_transport_lost(const struct hca_sim_transport *st)
{
	return st->lost != NULL && st->lost(st->conn);
}

/* See hca_sim_transport.h. */
void
hca_sim_transport_fini(struct hca_sim_transport *st)
{
	pthread_mutex_destroy(&st->lock);
}

/* See hca_sim_transport.h. */
int
hca_sim_transport_umem_reg_fd(const struct hca_cmd_transport *t,
			      void *addr, size_t len, int fd, off_t off,
			      uint32_t *umem_id)
{
	struct hca_sim_transport *st = t->ctx;
	int i, ret;

	pthread_mutex_lock(&st->lock);
	for (i = 0; i < HCA_SIM_FDMAP_MAX; i++)
		if (st->fds[i].addr == 0)
			break;
	if (i < HCA_SIM_FDMAP_MAX)
		st->fds[i] = (struct hca_sim_fdmap){ (uintptr_t)addr, len, fd,
						     off };
	pthread_mutex_unlock(&st->lock);
	if (i == HCA_SIM_FDMAP_MAX)
		return -EBUSY;
	ret = t->ops->umem_reg(t->ctx, addr, len, HCA_CMD_ACCESS_LOCAL_WRITE,
			       umem_id);
	pthread_mutex_lock(&st->lock);
	st->fds[i].addr = 0;
	pthread_mutex_unlock(&st->lock);
	if (ret < 0)
		HCA_LOG(ERR, "hcasim: UMEM_REG of %zu bytes failed: %s", len,
			strerror(-ret));
	return ret;
}

/* See hca_sim_transport.h. */
int
hca_sim_transport_umem_dereg(const struct hca_cmd_transport *t,
			     uint32_t umem_id)
{
	int ret = t->ops->umem_dereg(t->ctx, umem_id);

	if (ret < 0 && ret != -ECONNRESET)
		HCA_LOG(ERR, "hcasim: UMEM_DEREG of UMEM %u failed: %s",
			umem_id, strerror(-ret));
	return ret;
}
