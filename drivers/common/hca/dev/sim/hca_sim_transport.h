/* SPDX-License-Identifier: BSD-3-Clause */

#ifndef HCA_SIM_TRANSPORT_H
#define HCA_SIM_TRANSPORT_H

/**
 * @file
 * The firmware command transport of the soft HCA (struct
 * hca_cmd_transport_ops over the hcasim socket): exec is one
 * HCASIM_MSG_CMD exchange (input mailbox out, output mailbox back),
 * umem_reg and umem_dereg are HCASIM_MSG_UMEM_REG and _DEREG. The daemon
 * maps registered memory from an fd, not from an address: whoever
 * registers names the fd behind the address first
 * (hca_sim_transport_umem_reg_fd()).
 */

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "hca_cmd.h"

/**
 * One request/reply exchange on the connection (the backend's): type,
 * request body, reply body of at most rep_max bytes (its length in
 * *got), an fd sent when fd_in >= 0, one received into *fd_out when
 * fd_out is not NULL.
 *
 * @return 0 or a negative errno (the daemon's status, or the transport's)
 */
typedef int (*hca_sim_call_fn)(void *conn, uint16_t type, const void *req,
			       size_t reqlen, void *rep, size_t rep_max,
			       size_t *got, int fd_in, int *fd_out);

/** Whether the connection is lost (its loss already logged). */
typedef bool (*hca_sim_lost_fn)(void *conn);

/** Memory being registered: the fd and offset behind an address. */
struct hca_sim_fdmap {
	uintptr_t addr;      /**< 0: slot free */
	size_t len;
	int fd;
	off_t off;
};

/** Registrations that may run at once on one device. */
#define HCA_SIM_FDMAP_MAX 8

/** The transport's state (hca_cmd_transport.ctx). */
struct hca_sim_transport {
	hca_sim_call_fn call;
	hca_sim_lost_fn lost;
	void *conn;
	pthread_mutex_t lock;        /**< guards fds */
	struct hca_sim_fdmap fds[HCA_SIM_FDMAP_MAX];
};

/** The operations (hca_cmd_transport.ops). */
extern const struct hca_cmd_transport_ops hca_sim_transport_ops;

/**
 * Set up a transport over a connection and bind t to it.
 *
 * @param st    its state (lives as long as t)
 * @param call  the connection's exchange
 * @param lost  whether the connection is lost
 */
void hca_sim_transport_init(struct hca_cmd_transport *t,
			    struct hca_sim_transport *st, hca_sim_call_fn call,
			    hca_sim_lost_fn lost, void *conn);

/**
 * Whether the connection is lost: a command would fail with
 * -ECONNRESET (callers skip it rather than log every one).
 */
bool hca_sim_transport_lost(const struct hca_sim_transport *st);

/** Release what hca_sim_transport_init() set up. */
void hca_sim_transport_fini(struct hca_sim_transport *st);

/**
 * Register memory as a UMEM through t's umem_reg, telling the daemon
 * which fd (and offset in it) holds the bytes at addr.
 *
 * @return 0 and *umem_id, or a negative errno (logged)
 */
int hca_sim_transport_umem_reg_fd(const struct hca_cmd_transport *t,
				  void *addr, size_t len, int fd, off_t off,
				  uint32_t *umem_id);

/** Release a UMEM through t's umem_dereg. @return 0 or a negative errno. */
int hca_sim_transport_umem_dereg(const struct hca_cmd_transport *t,
				 uint32_t umem_id);

#endif /* HCA_SIM_TRANSPORT_H */
