/* SPDX-License-Identifier: BSD-3-Clause */

/**
 * @file
 * Checks of the firmware command messages (CMD, UMEM_REG, UMEM_DEREG; see
 * hcasim_proto.h and hcasim_cmd.h): framing and the fields that can be
 * judged alone. Pure code, as hcasim_msg.c, which calls it; fuzzed with
 * it.
 */

#include <errno.h>
#include <string.h>

#include "hcasim_cmd.h"

/* See hcasim_cmd.h. */
bool
hcasim_cmd_msg_type(uint16_t type)
{
	return type == HCASIM_MSG_CMD || type == HCASIM_MSG_UMEM_REG ||
	       type == HCASIM_MSG_UMEM_DEREG;
}

/* See hcasim_cmd.h. */
size_t
hcasim_cmd_msg_body_size(uint16_t type, bool reply)
{
	switch (type) {
	case HCASIM_MSG_CMD:
		return HCASIM_BODY_MAX;
	case HCASIM_MSG_UMEM_REG:
		return reply ? sizeof(struct hcasim_umem_msg) :
		       sizeof(struct hcasim_umem_reg_req);
	case HCASIM_MSG_UMEM_DEREG:
		return reply ? 0 : sizeof(struct hcasim_umem_msg);
	default:
		return 0;
	}
}

/* See hcasim_cmd.h. */
int
hcasim_cmd_msg_frame(uint16_t type, size_t blen, bool has_fd)
{
	switch (type) {
	case HCASIM_MSG_CMD:
		return !has_fd && blen >= HCA_IN_HDR_LEN &&
		       blen <= HCASIM_BODY_MAX ? 0 : -EBADMSG;
	case HCASIM_MSG_UMEM_REG:
		return blen == sizeof(struct hcasim_umem_reg_req) ? 0 :
		       -EBADMSG;
	case HCASIM_MSG_UMEM_DEREG:
		return !has_fd && blen == sizeof(struct hcasim_umem_msg) ? 0 :
		       -EBADMSG;
	default:
		return -EBADMSG;
	}
}

/* See hcasim_cmd.h. */
int
hcasim_cmd_req_check(uint16_t type, const void *body)
{
	struct hcasim_umem_reg_req req;

	if (type != HCASIM_MSG_UMEM_REG)
		return hcasim_cmd_msg_type(type) ? 0 : -EBADMSG;
	memcpy(&req, body, sizeof(req));
	if (req.len == 0 || req.len > (1ull << 40) ||
	    req.fd_off + req.len < req.fd_off)
		return -EINVAL;
	return 0;
}
