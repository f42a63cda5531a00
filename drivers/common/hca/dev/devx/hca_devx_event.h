/* SPDX-License-Identifier: BSD-3-Clause */

#ifndef HCA_DEVX_EVENT_H
#define HCA_DEVX_EVENT_H

/**
 * @file
 * What the DevX backend makes of a ConnectX's events, apart from how
 * they are read (hca_devx_transport.c reads them): which error events
 * each kind of queue is subscribed to on the DevX event channel, the
 * translation of what the channel gives (the subscription's cookie, then
 * the device's 64-byte event queue entry) into the entry the event poll
 * decodes, that decoding into the device API's events (as the soft HCA's
 * backend decodes its entries), and the device's liveness as fatal
 * signals move it.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct hca_event;

/** Most error event types one kind of queue is subscribed to. */
#define HCA_DEVX_EVENT_TYPES_MAX 3

/**
 * The error events a queue of a kind is subscribed to, as the kernel
 * allows them per kind: a QP ('Q') WQ catastrophic error 0x05, invalid
 * request local WQ error 0x10 and local WQ access error 0x11; an SQ
 * ('S') or RQ ('R') 0x05; a CQ ('C') CQ error 0x04.
 *
 * @param events  filled with the types (HCA_DEVX_EVENT_TYPES_MAX room)
 * @return how many, 0 for another kind
 */
unsigned int hca_devx_event_types(char kind, uint16_t *events);

/**
 * The cookie an object's event subscription carries: its kind (one of
 * 'Q' QP, 'S' SQ, 'R' RQ, 'C' CQ) and its number.
 */
uint64_t hca_devx_event_cookie(char kind, uint32_t num);

/**
 * Translate what mlx5dv_devx_get_event() read from the event channel
 * (struct mlx5dv_devx_async_event_hdr: the subscription's cookie, then
 * the device's 64-byte event queue entry) into the entry the event poll
 * decodes (HCA_CMD_EQE_LEN bytes, PRM layout, as the soft HCA writes
 * them). The entry must be of a type the object's kind is subscribed to
 * and name the object of the cookie (the QP, SQ or RQ number in data
 * bytes 24..27 and its kind in data byte 20; the CQN in data bytes
 * 0..3).
 *
 * @param buf, len  what was read
 * @param eqe       filled with the entry
 * @return 1, or -EINVAL (too short: no event data) or -EPROTO (an
 *         entry that is not the cookie's object's or of another type)
 */
int hca_devx_event_translate(const void *buf, size_t len, uint8_t *eqe);

/**
 * Decode an entry of the PRM's layout (a port change, a QP, SQ or RQ
 * error, a CQ error) as the device API's event, as the soft HCA's
 * backend does: WQ catastrophic error -> HCA_EVENT_QP_FATAL, invalid
 * request local WQ error -> HCA_EVENT_QP_FATAL too (the QP is in error
 * either way; eqe_type keeps which), local WQ access error ->
 * HCA_EVENT_QP_ACCESS_ERR, CQ error -> HCA_EVENT_CQ_ERR; obj_num the
 * queue's number.
 *
 * @param eqe   the entry (HCA_CMD_EQE_LEN bytes)
 * @param port  the port a QP or CQ error is reported for
 */
void hca_devx_eqe_decode(const uint8_t *eqe, uint8_t port,
			 struct hca_event *ev);

/** The kind of queue a QP error entry names (HCA_EQE_WQ_TYPE_*). */
uint8_t hca_devx_eqe_wq_type(const uint8_t *eqe);

/**
 * The device's liveness after a verbs async event (kernel route): an
 * alive device stays alive except on IBV_EVENT_DEVICE_FATAL; a dead one
 * stays dead (only a new open brings a device back).
 *
 * @param alive       whether it was alive
 * @param event_type  an enum ibv_event_type
 */
bool hca_devx_alive_after(bool alive, int event_type);

/**
 * The device's liveness after mlx5dv_vfio_process_events() returned ret
 * (VFIO route): 0 (and EAGAIN, EINTR: nothing read) keep it; any other
 * errno means the events fd broke and the device is taken for dead; a
 * dead one stays dead.
 */
bool hca_devx_vfio_alive_after(bool alive, int ret);

#endif /* HCA_DEVX_EVENT_H */
