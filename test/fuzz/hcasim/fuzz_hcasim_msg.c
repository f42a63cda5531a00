/* SPDX-License-Identifier: BSD-3-Clause */

/**
 * @file
 * Fuzz harness: a soft HCA client's socket messages through the daemon's
 * own request checks (app/hcasim/hcasim_msg.c: hcasim_msg_check,
 * hcasim_msg_body_size, hcasim_req_check), as hcasim_ctl.c runs them on
 * every datagram a client sends.
 *
 * Input: byte 0 holds flags (bit 0: an fd rode along), the rest is the
 * datagram. Each input is checked as it is, then repaired (magic, length
 * and a type from byte 1 set, the body cut or zero-padded to the type's
 * size) so that the body checks of every type are reached. Checks, each
 * against a reference written here from hcasim_proto.h and doc/hcasim.md:
 *  - hcasim_msg_check() answers 0 or -EBADMSG, accepts exactly the
 *    well-formed datagrams (an object message never with an fd), fills
 *    the header only when it accepts, and the body size it implies is
 *    the type's;
 *  - hcasim_req_check() answers one of its documented errnos, and accepts
 *    a body exactly when every field is in the range the daemon relies on
 *    (terminated strings, counts, numbers, LIDs, states): no bad request
 *    gets through, no good one is refused;
 *  - an unknown type, and each retired type number (PORT_QUERY, PD_ALLOC,
 *    PD_FREE, MR_REG, MR_DEREG, CQ_CREATE, CQ_DESTROY, QP_CREATE,
 *    QP_MODIFY, QP_DESTROY, MCAST_ATTACH, MCAST_DETACH), is refused by
 *    both;
 *  - the firmware command messages (types 32 .. 34, outside the table):
 *    CMD carries 8 .. HCASIM_BODY_MAX bytes of mailbox and no fd,
 *    UMEM_REG exactly its structure (an fd allowed) with a length of
 *    1 byte .. 1 TiB whose fd range does not wrap, UMEM_DEREG exactly its
 *    structure and no fd. The CMD mailboxes themselves are random bytes
 *    here (the seeds: what the HCA layer's encoders build); the
 *    executor needs the daemon's tables and is exercised by hcasim-cmd.
 */

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "hcasim.h"
#include "hcasim_msg.h"
#include "hca_dev.h"

#include "fuzz.h"

/** Bytes of the header. */
#define HDR_LEN 16

/* The field offsets the references below read at. */
_Static_assert(sizeof(struct hcasim_msg_hdr) == HDR_LEN, "header");
_Static_assert(offsetof(struct hcasim_hello_req, host) == 8, "hello");
_Static_assert(offsetof(struct hcasim_qp_fault_req, kind) == 4,
	       "qp_fault");

/** The object message types the daemon serves, then the command ones. */
static const uint16_t served[] = {
	HCASIM_MSG_HELLO, HCASIM_MSG_PORT_OPEN, HCASIM_MSG_STATUS,
	HCASIM_MSG_QP_FAULT,
	HCASIM_MSG_INTR_OPEN,
	HCASIM_MSG_CMD, HCASIM_MSG_UMEM_REG, HCASIM_MSG_UMEM_DEREG,
};
/** Object message types served (the first entries of served[]). */
#define N_OBJ_TYPES 5

/** Retired type numbers, never reused (hcasim_proto.h). */
static const uint16_t retired[] = { 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14 };

/** Read a host-order (little-endian here) 16-bit value. */
static uint16_t
le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

/** Read a host-order 32-bit value. */
static uint32_t
le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

/** Read a host-order 64-bit value. */
static uint64_t
le64(const uint8_t *p)
{
	return (uint64_t)le32(p + 4) << 32 | le32(p);
}

/** Whether an object message type is one the daemon serves. */
static bool
ref_obj_type(uint16_t type)
{
	unsigned int i;

	for (i = 0; i < N_OBJ_TYPES; i++)
		if (served[i] == type)
			return true;
	return false;
}

/** The request body size of each type, from the protocol's structures. */
static size_t
ref_body_size(uint16_t type)
{
	switch (type) {
	case HCASIM_MSG_HELLO: return sizeof(struct hcasim_hello_req);
	case HCASIM_MSG_PORT_OPEN: return sizeof(struct hcasim_port_open_req);
	case HCASIM_MSG_QP_FAULT: return sizeof(struct hcasim_qp_fault_req);
	case HCASIM_MSG_UMEM_REG: return sizeof(struct hcasim_umem_reg_req);
	case HCASIM_MSG_UMEM_DEREG: return sizeof(struct hcasim_umem_msg);
	default: return 0; /* STATUS, INTR_OPEN: no body */
	}
}

/** Whether a datagram is well formed, judged from its bytes. */
static bool
ref_msg_ok(const uint8_t *m, size_t len, bool has_fd)
{
	uint16_t type;

	if (len < HDR_LEN || len > HCASIM_MSG_MAX)
		return false;
	type = le16(m + 4);
	if (le32(m) != HCASIM_PROTO_MAGIC || le16(m + 6) != len)
		return false;
	if (type == HCASIM_MSG_CMD)
		return !has_fd && len - HDR_LEN >= 8;
	if (type == HCASIM_MSG_UMEM_REG || type == HCASIM_MSG_UMEM_DEREG)
		return len - HDR_LEN == ref_body_size(type) &&
		       (!has_fd || type == HCASIM_MSG_UMEM_REG);
	return ref_obj_type(type) && len - HDR_LEN == ref_body_size(type) &&
	       !has_fd;
}

/** Whether n bytes hold a NUL. */
static bool
has_nul(const uint8_t *s, size_t n)
{
	return memchr(s, 0, n) != NULL;
}

/** Whether a number is in lo..hi. */
static bool
in(uint64_t v, uint64_t lo, uint64_t hi)
{
	return v >= lo && v <= hi;
}

/** Whether a PORT_OPEN CA name is one the daemon answers to. */
static bool
ref_ca_name_ok(const uint8_t *b)
{
	const char *n = (const char *)b;

	return n[0] == '\0' || strcmp(n, "ibsim0") == 0 ||
	       strcmp(n, "hcasim0") == 0;
}

/**
 * The answer hcasim_req_check() must give for a body: 0 when every field
 * is acceptable, else the documented errno.
 */
static int
ref_req(uint16_t type, const uint8_t *b)
{
	switch (type) {
	case HCASIM_MSG_HELLO:
		if (le32(b) != HCASIM_PROTO_VERSION)
			return -EPROTONOSUPPORT;
		return has_nul(b + 8, HCASIM_HOST_LEN) ? 0 : -EINVAL;
	case HCASIM_MSG_PORT_OPEN:
		if (!has_nul(b, HCASIM_CA_LEN))
			return -EINVAL;
		return ref_ca_name_ok(b) ? 0 : -ENODEV;
	case HCASIM_MSG_QP_FAULT:
		return le32(b + 4) <= 1 ? 0 : -EINVAL;
	case HCASIM_MSG_UMEM_REG:
		return in(le64(b), 1, 1ull << 40) &&
		       le64(b + 8) + le64(b) >= le64(b + 8) ? 0 : -EINVAL;
	default:
		return 0;
	}
}

/**
 * Run one datagram through the framing check and, when it is accepted,
 * its body through the field checks (from an exactly sized, unaligned
 * copy, so that AddressSanitizer sees any read past the body).
 */
static void
check_datagram(const uint8_t *m, size_t len, bool has_fd)
{
	struct hcasim_msg_hdr hdr, before;
	uint8_t *body;
	size_t blen;
	int ret;

	memset(&hdr, 0xa5, sizeof(hdr));
	before = hdr;
	ret = hcasim_msg_check(m, len, has_fd, &hdr);
	FUZZ_CHECK(ret == 0 || ret == -EBADMSG);
	FUZZ_CHECK((ret == 0) == ref_msg_ok(m, len, has_fd));
	if (ret != 0) {
		FUZZ_CHECK(memcmp(&hdr, &before, sizeof(hdr)) == 0);
		return;
	}
	FUZZ_CHECK(memcmp(&hdr, m, sizeof(hdr)) == 0);
	blen = len - sizeof(hdr);
	FUZZ_CHECK(hdr.type == HCASIM_MSG_CMD ?
		   hcasim_msg_body_size(hdr.type, false) >= blen :
		   hcasim_msg_body_size(hdr.type, false) == blen);
	FUZZ_CHECK(hcasim_msg_body_size(hdr.type, true) + sizeof(hdr) <=
		   HCASIM_MSG_MAX);
	body = malloc(blen + 1);
	FUZZ_CHECK(body != NULL);
	memcpy(body + 1, m + sizeof(hdr), blen);
	ret = hcasim_req_check(hdr.type, body + 1);
	FUZZ_CHECK(ret == 0 || ret == -EINVAL || ret == -EPROTONOSUPPORT ||
		   ret == -ENODEV);
	FUZZ_CHECK(ret == ref_req(hdr.type, body + 1));
	free(body);
}

/**
 * Build a well-formed datagram from an input: magic, length and a type
 * (a served type byte is kept, others are folded into the served types:
 * the object messages and the three firmware command types) set, the
 * body cut or zero-padded to the type's size (CMD: the input's, at
 * least 8 bytes).
 *
 * @param out  room for HCASIM_MSG_MAX bytes
 * @return its length
 */
static size_t
repair(const uint8_t *m, size_t len, uint8_t type_byte, uint8_t *out)
{
	const unsigned int ntypes = sizeof(served) / sizeof(served[0]);
	struct hcasim_msg_hdr hdr;
	uint16_t type = served[type_byte % ntypes];
	unsigned int i;
	size_t blen;

	for (i = 0; i < ntypes; i++)
		if (served[i] == type_byte)
			type = type_byte;
	blen = ref_body_size(type);

	if (type == HCASIM_MSG_CMD)
		blen = len > HDR_LEN + 8 ? (len - HDR_LEN > HCASIM_BODY_MAX ?
		       HCASIM_BODY_MAX : len - HDR_LEN) : 8;

	memset(out, 0, HDR_LEN + blen);
	if (len > HDR_LEN)
		memcpy(out + HDR_LEN, m + HDR_LEN,
		       len - HDR_LEN < blen ? len - HDR_LEN : blen);
	memcpy(&hdr, out, sizeof(hdr));
	if (len >= HDR_LEN)
		memcpy(&hdr, m, sizeof(hdr));
	hdr.magic = HCASIM_PROTO_MAGIC;
	hdr.type = type;
	hdr.len = (uint16_t)(HDR_LEN + blen);
	memcpy(out, &hdr, sizeof(hdr));
	return HDR_LEN + blen;
}

/* See fuzz.h. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t fixed[HCASIM_MSG_MAX];
	uint8_t body[sizeof(struct hcasim_port_attr)];
	bool has_fd;
	size_t n;
	unsigned int i;
	int t;

	if (size < 1)
		return 0;
	has_fd = data[0] & 1;
	check_datagram(data + 1, size - 1, has_fd);
	n = repair(data + 1, size - 1, size > 5 ? data[5] : 0, fixed);
	check_datagram(fixed, n, has_fd && (data[0] & 2));
	/* unknown types are refused everywhere */
	memset(body, 0, sizeof(body));
	for (t = 0; t <= HCASIM_MSG_TYPE_MAX; t += HCASIM_MSG_TYPE_MAX) {
		FUZZ_CHECK(hcasim_req_check((uint16_t)t, body) == -EBADMSG);
		FUZZ_CHECK(hcasim_msg_body_size((uint16_t)t, false) == 0);
	}
	/* so are the retired numbers, in any framing */
	for (i = 0; i < sizeof(retired) / sizeof(retired[0]); i++) {
		struct hcasim_msg_hdr hdr = { HCASIM_PROTO_MAGIC, retired[i],
			HDR_LEN, 7, 0 };

		FUZZ_CHECK(hcasim_req_check(retired[i], body) == -EBADMSG);
		FUZZ_CHECK(hcasim_msg_body_size(retired[i], false) == 0);
		FUZZ_CHECK(hcasim_msg_body_size(retired[i], true) == 0);
		FUZZ_CHECK(hcasim_msg_check(&hdr, HDR_LEN, false, &hdr) ==
			   -EBADMSG);
	}
	return 0;
}
