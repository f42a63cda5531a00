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
 * Every command is given its output's exact length (hca_cmd_out_len()):
 * the kernel and the firmware check it. A caller's buffer shorter than
 * that (QUERY_HCA_CAP's 4112 bytes) gets the first bytes of a full one.
 *
 * Events, kernel route: the context's async fd (made non-blocking) and
 * ibv_get_async_event(), each port event turned into a PORT_CHANGE
 * entry of the PRM's layout, IBV_EVENT_DEVICE_FATAL marking the device
 * dead (hca_devx_alive_after()); and a DevX event channel
 * (mlx5dv_devx_create_event_channel(), event data kept, its fd made
 * non-blocking) to which every QP, SQ, RQ and CQ that exec creates is
 * subscribed (mlx5dv_devx_subscribe_devx_event(): WQ catastrophic error
 * 0x05, invalid request local WQ error 0x10 and local WQ access error
 * 0x11 for a QP, 0x05 for an SQ or RQ, CQ error 0x04 for a CQ, the
 * kernel refusing any other), its entries read by
 * mlx5dv_devx_get_event() (their meaning: hca_devx_event.h). Both fds
 * are in one epoll set, whose fd is the event fd: it is readable while
 * either has something.
 *
 * Events, VFIO route: mlx5dv_vfio_get_events_fd() and
 * mlx5dv_vfio_process_events() (firmware page requests, health), the
 * port's state then read by QUERY_HCA_VPORT_CONTEXT and a change of it
 * reported as a PORT_CHANGE entry; a failure of
 * mlx5dv_vfio_process_events() marks the device dead
 * (hca_devx_vfio_alive_after()). rdma-core 44's VFIO provider has no
 * DevX event channel (mlx5dv_devx_create_event_channel() is not among
 * its operations: EOPNOTSUPP) and its event queue serves page requests
 * and command completions only, so QP and CQ errors of a VFIO function
 * are seen by their error completions alone; a fatal health syndrome
 * there ends the process inside rdma-core (abort()), before any signal
 * could reach this layer.
 */

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <infiniband/verbs.h>

#include "hca_cmd.h"

struct hca_devx_obj;
struct hca_devx_umem;
struct mlx5dv_devx_event_channel;

/** The transport's state (hca_cmd_transport.ctx). */
struct hca_devx_transport {
	struct ibv_context *ctx;
	bool vfio;                   /**< the VFIO route */
	bool dead;                   /**< a fatal event was seen (atomic) */
	uint8_t port_num;            /**< the port events are read for */
	uint8_t vport_state;         /**< VFIO: the last state seen */
	uint32_t gid_table_len;      /**< GID table entries, 0: unknown */
	uint32_t pkey_table_len;     /**< P_Key table entries, 0: unknown */
	pthread_mutex_t lock;        /**< guards the lists */
	struct hca_devx_obj *objs;   /**< objects made by exec, newest
				      *   first */
	struct hca_devx_umem *umems; /**< registrations, newest first */
	/** Kernel route: QP, SQ, RQ and CQ errors (NULL: none). */
	struct mlx5dv_devx_event_channel *channel;
	int epfd;                    /**< kernel route: async fd and the
				      *   channel's fd; -1: none */
	uint64_t channel_lost;       /**< entries the kernel dropped
				      *   (EOVERFLOW) */
};

/** The operations (hca_cmd_transport.ops). */
extern const struct hca_cmd_transport_ops hca_devx_transport_ops;

/**
 * Set up a transport over an open DevX context and bind t to it (kernel
 * route: the async fd made non-blocking, the event channel and the
 * epoll set made; a kernel without event channels is logged and leaves
 * the async fd alone).
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
 * Release the objects the transport made in the device, newest first:
 * every object exec made and still keeps (mlx5dv_devx_obj_destroy(),
 * which also ends its event subscriptions), then every UMEM
 * (mlx5dv_devx_umem_dereg()). Failures are logged and the rest released
 * anyway.
 */
void hca_devx_transport_release(struct hca_devx_transport *dt);

/**
 * Close the transport, before the context closes: the event channel,
 * the epoll set, and the bookkeeping (what is still kept, after a
 * failed open, is freed on this side only).
 */
void hca_devx_transport_fini(struct hca_devx_transport *dt);

/**
 * Tell the transport the port's table sizes from QUERY_HCA_CAP, for the
 * output length of a query of a whole GID or P_Key table.
 */
void hca_devx_transport_set_tables(struct hca_devx_transport *dt,
				   uint32_t gid_table_len,
				   uint32_t pkey_table_len);

/** Whether no fatal event has been seen on the transport. */
bool hca_devx_transport_alive(const struct hca_devx_transport *dt);

/**
 * The output length a command is executed with: hca_cmd_out_len() with
 * the port's table sizes, else (an opcode hca_prm.h does not know) the
 * caller's out_len.
 */
size_t hca_devx_out_len(const struct hca_devx_transport *dt, const void *in,
			size_t in_len, size_t out_len);

/**
 * The DevX call a command goes through (see the file comment), for
 * tests: 'c' create, 'd' destroy, 'm' modify, 'g' general.
 */
char hca_devx_cmd_route(uint16_t opcode);

#endif /* HCA_DEVX_TRANSPORT_H */
