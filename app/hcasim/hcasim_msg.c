/* SPDX-License-Identifier: BSD-3-Clause */

/**
 * @file
 * Validation of client requests (see hcasim_msg.h): the framing of a
 * message and the fields of each request body that can be judged alone.
 * Pure code: no I/O, no global state, nothing but the bytes given.
 */

#include <errno.h>
#include <string.h>

#include "hcasim.h"
#include "hcasim_msg.h"
#include "hcasim_cmd.h"
#include "hca_dev.h"

/** A message type the daemon serves and its body sizes. */
struct msg_size {
	bool known;          /**< false: unknown, or a retired number */
	size_t req;
	size_t rep;
};

/** Expected body sizes by type (retired numbers stay unknown). */
static const struct msg_size body_size[HCASIM_MSG_TYPE_MAX] = {
	[HCASIM_MSG_HELLO] = { true, sizeof(struct hcasim_hello_req),
			       sizeof(struct hcasim_hello_rep) },
	[HCASIM_MSG_PORT_OPEN] = { true, sizeof(struct hcasim_port_open_req),
				   sizeof(struct hcasim_port_attr) },
	[HCASIM_MSG_STATUS] = { true, 0, sizeof(struct hcasim_status_rep) },
	[HCASIM_MSG_QP_FAULT] = { true, sizeof(struct hcasim_qp_fault_req),
				  0 },
	[HCASIM_MSG_INTR_OPEN] = { true, 0,
				   sizeof(struct hcasim_intr_open_rep) },
};

/** Whether a type is one of the object messages the daemon serves. */
static bool
type_known(uint16_t type)
{
	return type < HCASIM_MSG_TYPE_MAX && body_size[type].known;
}

/* Every message, reply included, fits the socket's datagram size. */
_Static_assert(sizeof(struct hcasim_msg_hdr) +
	       sizeof(struct hcasim_port_attr) <= HCASIM_MSG_MAX,
	       "the largest reply does not fit HCASIM_MSG_MAX");

/****************************************************************************
 * Framing
 ****************************************************************************/

/* See hcasim_msg.h. */
size_t
hcasim_msg_body_size(uint16_t type, bool reply)
{
	if (hcasim_cmd_msg_type(type))
		return hcasim_cmd_msg_body_size(type, reply);
	if (!type_known(type))
		return 0;
	return reply ? body_size[type].rep : body_size[type].req;
}

/* See hcasim_msg.h. */
int
hcasim_msg_check(const void *msg, size_t len, bool has_fd,
		 struct hcasim_msg_hdr *hdr)
{
	struct hcasim_msg_hdr h;

	if (len < sizeof(h) || len > HCASIM_MSG_MAX)
		return -EBADMSG;
	memcpy(&h, msg, sizeof(h));
	if (h.magic == HCASIM_PROTO_MAGIC && h.len == len &&
	    hcasim_cmd_msg_type(h.type)) {
		if (hcasim_cmd_msg_frame(h.type, len - sizeof(h), has_fd) != 0)
			return -EBADMSG;
		*hdr = h;
		return 0;
	}
	if (h.magic != HCASIM_PROTO_MAGIC || h.len != len ||
	    !type_known(h.type) || len - sizeof(h) != body_size[h.type].req ||
	    has_fd)
		return -EBADMSG;
	*hdr = h;
	return 0;
}

/****************************************************************************
 * Request bodies
 ****************************************************************************/

/** Whether a fixed-size string field holds a NUL. */
static bool
field_terminated(const char *s, size_t size)
{
	return memchr(s, '\0', size) != NULL;
}

/** HELLO: our version, a terminated host name. */
static int
hello_check(const struct hcasim_hello_req *req)
{
	if (req->version != HCASIM_PROTO_VERSION)
		return -EPROTONOSUPPORT;
	if (!field_terminated(req->host, sizeof(req->host)))
		return -EINVAL;
	return 0;
}

/** PORT_OPEN: a terminated CA name, empty or one of the names we answer. */
static int
port_open_check(const struct hcasim_port_open_req *req)
{
	if (!field_terminated(req->ca_name, sizeof(req->ca_name)))
		return -EINVAL;
	if (req->ca_name[0] != '\0' && strcmp(req->ca_name, "ibsim0") != 0 &&
	    strcmp(req->ca_name, "hcasim0") != 0)
		return -ENODEV;
	return 0;
}

/** QP_FAULT: a known kind (the QP is looked up later). */
static int
qp_fault_check(const struct hcasim_qp_fault_req *req)
{
	return req->kind <= HCASIM_QP_FAULT_NEXT_SEND ? 0 : -EINVAL;
}

/**
 * Copy a body of a type into aligned storage and check it. The union
 * gives every request type its natural alignment.
 */
int
hcasim_req_check(uint16_t type, const void *body)
{
	union {
		struct hcasim_hello_req hello;
		struct hcasim_port_open_req port_open;
		struct hcasim_qp_fault_req qp_fault;
	} u;
	size_t size = hcasim_msg_body_size(type, false);

	if (hcasim_cmd_msg_type(type))
		return hcasim_cmd_req_check(type, body);
	if (!type_known(type) || size > sizeof(u))
		return -EBADMSG;
	memcpy(&u, body, size);
	switch (type) {
	case HCASIM_MSG_HELLO:
		return hello_check(&u.hello);
	case HCASIM_MSG_PORT_OPEN:
		return port_open_check(&u.port_open);
	case HCASIM_MSG_QP_FAULT:
		return qp_fault_check(&u.qp_fault);
	default:
		/* STATUS, INTR_OPEN: no body */
		return 0;
	}
}
