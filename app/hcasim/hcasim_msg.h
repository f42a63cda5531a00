/* SPDX-License-Identifier: BSD-3-Clause */

#ifndef HCASIM_MSG_H
#define HCASIM_MSG_H

/**
 * @file
 * Validation of what a soft HCA client sends on its socket: pure
 * functions (no I/O, no global state) that the control thread runs on
 * every request before it acts on it, and that the fuzz harness
 * test/fuzz/hcasim/fuzz_hcasim_msg.c runs on arbitrary bytes.
 *
 * Two levels:
 *  - hcasim_msg_check(): the framing (magic, length, a type the daemon
 *    serves, body size, no fd; the firmware command messages, UMEM_REG
 *    with its fd, are framed by hcasim_cmd_msg_frame()). A message that
 *    fails it drops the client.
 *  - hcasim_req_check(): the body's fields that can be judged without the
 *    daemon's tables (strings terminated, counts and sizes in range,
 *    indices and LIDs in range, known states). A request that fails it is
 *    answered with the error; what depends on the client's objects (does
 *    this PD, CQ or QP exist and belong to it) is checked by
 *    hcasim_res.c.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hcasim_proto.h"

/** First and last multicast LIDs a QP can be attached to. */
#define HCASIM_MSG_MLID_FIRST 0xc000
#define HCASIM_MSG_MLID_LAST 0xfffe

/**
 * Whether a LID is a multicast LID a QP can be attached to (0xc000 ..
 * 0xfffe; 0xffff is the permissive LID).
 *
 * @param mlid  the LID
 * @return true when it is one
 */
static inline bool
hcasim_mlid_valid(uint16_t mlid)
{
	return mlid >= HCASIM_MSG_MLID_FIRST && mlid <= HCASIM_MSG_MLID_LAST;
}

/**
 * The body size of a message type.
 *
 * @param type   enum hcasim_msg_type
 * @param reply  false: the request's body; true: the reply's
 * @return its size in bytes (0 for an unknown or retired type; CMD, whose body
 *         varies: the most it can be, HCASIM_BODY_MAX)
 */
size_t hcasim_msg_body_size(uint16_t type, bool reply);

/**
 * Check the framing of a request as received from a client.
 *
 * @param msg     the bytes received (one datagram)
 * @param len     their number
 * @param has_fd  whether an fd rode along
 * @param hdr     set to the header when the message is well formed
 *                (untouched otherwise)
 * @return 0 when the message is well formed: it starts with the magic,
 *         its header's length is len, its type is known, its body is
 *         exactly hcasim_msg_body_size(type, false) bytes and it carries
 *         no fd (the firmware command messages: hcasim_cmd_msg_frame());
 *         -EBADMSG otherwise (a retired type number is unknown)
 */
int hcasim_msg_check(const void *msg, size_t len, bool has_fd,
		     struct hcasim_msg_hdr *hdr);

/**
 * Check the fields of a request body that do not depend on the daemon's
 * tables.
 *
 * @param type  the request's type (a well-formed message: see
 *              hcasim_msg_check())
 * @param body  its body, hcasim_msg_body_size(type, false) bytes (may be
 *              unaligned)
 * @return 0, or the status to answer with: -EPROTONOSUPPORT (HELLO of
 *         another version), -ENODEV (PORT_OPEN of an unknown CA name),
 *         -EINVAL (a field out of range), -EBADMSG (type unknown)
 */
int hcasim_req_check(uint16_t type, const void *body);

#endif /* HCASIM_MSG_H */
