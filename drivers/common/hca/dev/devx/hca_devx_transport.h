/* SPDX-License-Identifier: BSD-3-Clause */

#ifndef HCA_DEVX_TRANSPORT_H
#define HCA_DEVX_TRANSPORT_H

/**
 * @file
 * The firmware command transport of a ConnectX reached through
 * rdma-core's DevX (struct hca_cmd_transport_ops over an ibv_context
 * opened with mlx5dv_open_device(MLX5DV_CONTEXT_FLAGS_DEVX), or over a
 * VFIO function's context from mlx5dv_get_vfio_device_list()).
 *
 * exec picks the DevX call by opcode: a CREATE_* (and SET_FLOW_TABLE_ENTRY)
 * is mlx5dv_devx_obj_create(), whose handle is kept keyed by the
 * object's kind and number; the matching DESTROY_* (DELETE_FLOW_TABLE_
 * ENTRY) is mlx5dv_devx_obj_destroy() of that handle, with an output
 * mailbox of status OK made here; a command that changes an object (QP
 * state changes, MODIFY_SQ/RQ/RQT, multicast attach and detach,
 * SET_FLOW_TABLE_ROOT) is mlx5dv_devx_obj_modify() of its handle, as the
 * kernel checks that the caller owns it; any other command
 * (queries, ACCESS_REG) is mlx5dv_devx_general_cmd(). umem_reg is
 * mlx5dv_devx_umem_reg() by address.
 *
 * Events: on the kernel route the context's async fd (made non-blocking)
 * and ibv_get_async_event(), each port event turned into a PORT_CHANGE
 * entry of the PRM's layout; on the VFIO route mlx5dv_vfio_get_events_fd()
 * and mlx5dv_vfio_process_events() (firmware page requests, health),
 * the port's state then read by QUERY_HCA_VPORT_CONTEXT and a change of
 * it reported as a PORT_CHANGE entry.
 */

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <infiniband/verbs.h>

#include "hca_cmd.h"

struct hca_devx_obj;
struct hca_devx_umem;

/** The transport's state (hca_cmd_transport.ctx). */
struct hca_devx_transport {
	struct ibv_context *ctx;
	bool vfio;                   /**< the VFIO route */
	uint8_t port_num;            /**< the port events are read for */
	uint8_t vport_state;         /**< VFIO: the last state seen */
	pthread_mutex_t lock;        /**< guards the lists */
	struct hca_devx_obj *objs;   /**< objects made by exec */
	struct hca_devx_umem *umems; /**< registrations */
};

/** The operations (hca_cmd_transport.ops). */
extern const struct hca_cmd_transport_ops hca_devx_transport_ops;

/**
 * Set up a transport over an open DevX context and bind t to it (the
 * kernel route's async fd is made non-blocking).
 *
 * @param vfio      whether ctx is a VFIO function's
 * @param port_num  the port whose events are read (1-based)
 * @return 0 or a negative errno
 */
int hca_devx_transport_init(struct hca_cmd_transport *t,
			    struct hca_devx_transport *dt,
			    struct ibv_context *ctx, bool vfio,
			    uint8_t port_num);

/**
 * Release the transport's bookkeeping. Objects still kept are left to
 * the context's close, which frees them in the device.
 */
void hca_devx_transport_fini(struct hca_devx_transport *dt);

/**
 * The DevX call a command goes through (see the file comment), for
 * tests: 'c' create, 'd' destroy, 'm' modify, 'g' general.
 */
char hca_devx_cmd_route(uint16_t opcode);

#endif /* HCA_DEVX_TRANSPORT_H */
