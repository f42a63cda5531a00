/* SPDX-License-Identifier: BSD-3-Clause */

/**
 * @file
 * What the DevX backend makes of a ConnectX's events (see
 * hca_devx_event.h).
 */

#include <errno.h>
#include <string.h>
#include <infiniband/verbs.h>

#include "hca_cmd.h"
#include "hca_dev.h"
#include "hca_devx_event.h"

/****************************************************************************
 * QP and CQ errors (the DevX event channel)
 ****************************************************************************/

/** The error events of one kind of queue (the kernel's lists). */
struct devx_subscription {
	char kind;            /**< hca_devx_event_cookie()'s */
	uint16_t n;
	uint16_t events[HCA_DEVX_EVENT_TYPES_MAX];
};

/** Who is subscribed to what. */
static const struct devx_subscription devx_subscriptions[] = {
	{ 'Q', 3, { HCA_EQE_TYPE_WQ_CATAS_ERROR,
		    HCA_EQE_TYPE_WQ_INVAL_REQ_ERROR,
		    HCA_EQE_TYPE_WQ_ACCESS_ERROR } },
	{ 'S', 1, { HCA_EQE_TYPE_WQ_CATAS_ERROR } },
	{ 'R', 1, { HCA_EQE_TYPE_WQ_CATAS_ERROR } },
	{ 'C', 1, { HCA_EQE_TYPE_CQ_ERROR } },
};

/** The subscription of a kind, NULL for none. */
static const struct devx_subscription *
subscription_of(char kind)
{
	size_t i;

	for (i = 0; i < sizeof(devx_subscriptions) /
		    sizeof(devx_subscriptions[0]); i++)
		if (devx_subscriptions[i].kind == kind)
			return &devx_subscriptions[i];
	return NULL;
}

/* See hca_devx_event.h. */
unsigned int
hca_devx_event_types(char kind, uint16_t *events)
{
	const struct devx_subscription *s = subscription_of(kind);

	if (s == NULL)
		return 0;
	memcpy(events, s->events, s->n * sizeof(events[0]));
	return s->n;
}

/* See hca_devx_event.h. */
uint64_t
hca_devx_event_cookie(char kind, uint32_t num)
{
	return (uint64_t)(uint8_t)kind << 32 | (num & 0xffffff);
}

/** The number (24 bits) of a big-endian dword at byte off of an EQE. */
static uint32_t
eqe_num_at(const uint8_t *eqe, size_t off)
{
	return (uint32_t)eqe[off + 1] << 16 | (uint32_t)eqe[off + 2] << 8 |
	       eqe[off + 3];
}

/* See hca_devx_event.h. */
int
hca_devx_event_translate(const void *buf, size_t len, uint8_t *eqe)
{
	const uint8_t *b = buf;
	const uint8_t *e = b + sizeof(uint64_t);
	const struct devx_subscription *s = NULL;
	uint64_t cookie;
	uint32_t num;
	uint8_t type, wq_type;
	size_t i;
	bool subscribed = false;

	if (len < sizeof(uint64_t) + HCA_CMD_EQE_LEN)
		return -EINVAL;
	memcpy(&cookie, b, sizeof(cookie));
	if (cookie >> 40 == 0)
		s = subscription_of((char)(cookie >> 32));
	if (s == NULL)
		return -EPROTO;
	type = e[HCA_EQE_TYPE_OFF];
	for (i = 0; i < s->n; i++)
		subscribed |= s->events[i] == type;
	if (!subscribed)
		return -EPROTO;
	if (s->kind == 'C') {
		num = eqe_num_at(e, HCA_EQE_DATA_OFF + HCA_EQE_CQ_NUM_BYTE);
	} else {
		num = eqe_num_at(e, HCA_EQE_DATA_OFF + HCA_EQE_WQ_NUM_BYTE);
		wq_type = e[HCA_EQE_DATA_OFF + HCA_EQE_WQ_TYPE_BYTE];
		if (wq_type != (s->kind == 'Q' ? HCA_EQE_WQ_TYPE_QP :
				s->kind == 'S' ? HCA_EQE_WQ_TYPE_SQ :
				HCA_EQE_WQ_TYPE_RQ))
			return -EPROTO;
	}
	if (num != (uint32_t)(cookie & 0xffffff))
		return -EPROTO;
	memcpy(eqe, e, HCA_CMD_EQE_LEN);
	return 1;
}

/* See hca_devx_event.h. */
uint8_t
hca_devx_eqe_wq_type(const uint8_t *eqe)
{
	return eqe[HCA_EQE_DATA_OFF + HCA_EQE_WQ_TYPE_BYTE];
}

/** The device API's event of a PORT_CHANGE sub type. */
static enum hca_event_type
port_event(uint8_t sub_type)
{
	switch (sub_type) {
	case HCA_EQE_PORT_ACTIVE:
		return HCA_EVENT_PORT_ACTIVE;
	case HCA_EQE_PORT_DOWN:
		return HCA_EVENT_PORT_DOWN;
	case HCA_EQE_PORT_LID_CHANGE:
		return HCA_EVENT_LID_CHANGE;
	case HCA_EQE_PORT_PKEY_CHANGE:
		return HCA_EVENT_PKEY_CHANGE;
	case HCA_EQE_PORT_GUID_CHANGE:
		return HCA_EVENT_GID_CHANGE;
	case HCA_EQE_PORT_CLIENT_REREG:
		return HCA_EVENT_CLIENT_REREGISTER;
	default:
		return HCA_EVENT_OTHER;
	}
}

/* See hca_devx_event.h. */
void
hca_devx_eqe_decode(const uint8_t *eqe, uint8_t port, struct hca_event *ev)
{
	memset(ev, 0, sizeof(*ev));
	ev->eqe_type = eqe[HCA_EQE_TYPE_OFF];
	ev->eqe_sub_type = eqe[HCA_EQE_SUB_TYPE_OFF];
	ev->port_num = port;
	switch (ev->eqe_type) {
	case HCA_EQE_TYPE_PORT_CHANGE:
		ev->port_num = (uint8_t)(eqe[HCA_EQE_DATA_OFF +
					     HCA_EQE_PORT_BYTE] >>
					 HCA_EQE_PORT_SHIFT);
		ev->type = port_event(ev->eqe_sub_type);
		break;
	case HCA_EQE_TYPE_WQ_CATAS_ERROR:
	case HCA_EQE_TYPE_WQ_INVAL_REQ_ERROR:
		ev->type = HCA_EVENT_QP_FATAL;
		ev->obj_num = eqe_num_at(eqe, HCA_EQE_DATA_OFF +
					 HCA_EQE_WQ_NUM_BYTE);
		break;
	case HCA_EQE_TYPE_WQ_ACCESS_ERROR:
		ev->type = HCA_EVENT_QP_ACCESS_ERR;
		ev->obj_num = eqe_num_at(eqe, HCA_EQE_DATA_OFF +
					 HCA_EQE_WQ_NUM_BYTE);
		break;
	case HCA_EQE_TYPE_CQ_ERROR:
		ev->type = HCA_EVENT_CQ_ERR;
		ev->obj_num = eqe_num_at(eqe, HCA_EQE_DATA_OFF +
					 HCA_EQE_CQ_NUM_BYTE);
		break;
	default:
		ev->type = HCA_EVENT_OTHER;
		break;
	}
}

/****************************************************************************
 * Liveness
 ****************************************************************************/

/* See hca_devx_event.h. */
bool
hca_devx_alive_after(bool alive, int event_type)
{
	return alive && event_type != IBV_EVENT_DEVICE_FATAL;
}

/* See hca_devx_event.h. */
bool
hca_devx_vfio_alive_after(bool alive, int ret)
{
	if (ret < 0)
		ret = -ret;
	return alive && (ret == 0 || ret == EAGAIN || ret == EINTR);
}
