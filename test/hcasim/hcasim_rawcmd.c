/* SPDX-License-Identifier: BSD-3-Clause */

/**
 * @file
 * Firmware commands spoken raw to the soft HCA (see hcasim_rawcmd.h).
 */

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/socket.h>

#include "hcasim_rawcmd.h"
#include "hca_cmd.h"

/** Bytes of an arena a doorbell record takes (8 used, 64 apart). */
#define DBR_ROOM 64
/** Alignment of a ring in an arena (a CQE, a WQE basic block). */
#define RING_ALIGN 64

/** The observer of executed commands, or NULL. */
static rawcmd_observer_t observer;

/**
 * HELLO as a host, then PORT_OPEN of its first port.
 *
 * @param path    the socket (NULL: HCASIM_SOCKET)
 * @param host    the host named in HELLO
 * @param port    set to the port opened (may be NULL)
 * @param status  set to 0 or the first refusal, 1 when the daemon closed
 *                the connection (may be NULL)
 * @return the socket, or -1
 */
int
rawcmd_session(const char *path, const char *host,
	       struct hcasim_port_attr *port, int *status)
{
	struct hcasim_hello_req hello = { HCASIM_PROTO_VERSION, 1, "" };
	struct hcasim_port_open_req po = { "", 1 };
	struct hcasim_port_attr a;
	int st = -1000, s;

	s = path != NULL ? raw_connect_to(path) : raw_connect();
	if (s >= 0) {
		snprintf(hello.host, sizeof(hello.host), "%s", host);
		st = raw_call(s, HCASIM_MSG_HELLO, &hello, sizeof(hello), -1,
			      NULL, 0);
		if (st == 0)
			st = raw_call(s, HCASIM_MSG_PORT_OPEN, &po,
				      sizeof(po), -1,
				      port != NULL ? port : &a, sizeof(a));
		if (st != 0) {
			close(s);
			s = -1;
		}
	}
	if (status != NULL)
		*status = st;
	return s;
}

/** Have fn called with every command executed from now (NULL: none). */
void
rawcmd_observe(rawcmd_observer_t fn)
{
	observer = fn;
}

/**
 * Send one input mailbox, receive the output.
 *
 * @param out      room for HCASIM_BODY_MAX bytes
 * @param out_len  set to the output's length
 * @return the header status (0: executed), or -1000 (local error)
 */
int
rawcmd_exec(int s, const void *in, size_t in_len, void *out,
	    size_t *out_len)
{
	uint8_t msg[HCASIM_MSG_MAX];
	struct hcasim_msg_hdr hdr = { HCASIM_PROTO_MAGIC, HCASIM_MSG_CMD,
		(uint16_t)(sizeof(hdr) + in_len), 9, 0 };
	struct pollfd pfd = { s, POLLIN, 0 };
	ssize_t n;

	*out_len = 0;
	if (in_len > HCASIM_BODY_MAX)
		return -1000;
	memcpy(msg, &hdr, sizeof(hdr));
	memcpy(msg + sizeof(hdr), in, in_len);
	if (send(s, msg, sizeof(hdr) + in_len, MSG_NOSIGNAL) !=
	    (ssize_t)(sizeof(hdr) + in_len) || poll(&pfd, 1, 5000) != 1)
		return -1000;
	n = recv(s, msg, sizeof(msg), 0);
	if (n < (ssize_t)sizeof(hdr))
		return -1000;
	memcpy(&hdr, msg, sizeof(hdr));
	*out_len = (size_t)n - sizeof(hdr);
	memcpy(out, msg + sizeof(hdr), *out_len);
	if (hdr.status == 0 && observer != NULL)
		observer(in, in_len, out, *out_len);
	return hdr.status;
}

/**
 * Run a command that must end with a given PRM status.
 *
 * @param in_len  what its encoder returned (negative: an encoder error)
 * @param out     room for HCASIM_BODY_MAX bytes
 * @return the output length, or -1 (message printed)
 */
int
rawcmd_run(int s, const void *in, int in_len, uint8_t *out, uint8_t want,
	   const char *what)
{
	size_t olen = 0;
	int ret;

	if (in_len < 0) {
		fprintf(stderr, "FAIL: %s: encoder: %d\n", what, in_len);
		return -1;
	}
	ret = rawcmd_exec(s, in, (size_t)in_len, out, &olen);
	if (ret != 0 || olen < HCA_OUT_HDR_LEN) {
		fprintf(stderr, "FAIL: %s: transport %d, %zu bytes\n", what,
			ret, olen);
		return -1;
	}
	if (hca_prm_get(out, HCA_OUT_STATUS) != want) {
		fprintf(stderr, "FAIL: %s: status 0x%x (%s), syndrome 0x%x, "
			"wanted 0x%x\n", what,
			(unsigned int)hca_prm_get(out, HCA_OUT_STATUS),
			hca_cmd_status_name(hca_prm_get(out, HCA_OUT_STATUS)),
			(unsigned int)hca_prm_get(out, HCA_OUT_SYNDROME),
			want);
		return -1;
	}
	return (int)olen;
}

/**
 * Run a command that must be refused with a PRM status and syndrome.
 *
 * @return 0, or -1 (message printed)
 */
int
rawcmd_refused(int s, const void *in, int in_len, uint8_t want,
	       uint32_t syndrome, const char *what)
{
	uint8_t out[HCASIM_BODY_MAX];
	uint32_t got;

	if (rawcmd_run(s, in, in_len, out, want, what) < 0)
		return -1;
	got = (uint32_t)hca_prm_get(out, HCA_OUT_SYNDROME);
	if (got != syndrome) {
		fprintf(stderr, "FAIL: %s: syndrome 0x%x, wanted 0x%x\n",
			what, got, syndrome);
		return -1;
	}
	return 0;
}

/**
 * Run a command whatever its outcome.
 *
 * @param syndrome  set to the output's syndrome (may be NULL)
 * @param num       set to the object number of the output (a create
 *                  command's), when it succeeded (may be NULL)
 * @return the PRM status, or -1 (an encoder or transport failure)
 */
int
rawcmd_status(int s, const void *in, int in_len, uint32_t *syndrome,
	      uint32_t *num)
{
	uint8_t out[HCASIM_BODY_MAX];
	size_t olen = 0;
	int st;

	if (in_len < 0 || rawcmd_exec(s, in, (size_t)in_len, out, &olen) != 0 ||
	    olen < HCA_OUT_HDR_LEN)
		return -1;
	st = (int)hca_prm_get(out, HCA_OUT_STATUS);
	if (syndrome != NULL)
		*syndrome = (uint32_t)hca_prm_get(out, HCA_OUT_SYNDROME);
	if (num != NULL && st == HCA_STATUS_OK && olen >= HCA_CMD_SHORT_LEN)
		*num = (uint32_t)hca_prm_get(out, HCA_CMD_OBJ_NUM);
	return st;
}

/** A memfd of len bytes, sealed against shrinking when seal; -1 if not. */
int
rawcmd_mem_fd(size_t len, bool seal)
{
	int fd = memfd_create("t_cmd", MFD_CLOEXEC | MFD_ALLOW_SEALING);

	if (fd < 0 || ftruncate(fd, (off_t)len) != 0 ||
	    (seal && fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK) != 0)) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/**
 * Register the first len bytes of an fd as a UMEM.
 *
 * @return the UMEM id, or 0
 */
uint32_t
rawcmd_umem_reg(int s, int fd, size_t len)
{
	struct hcasim_umem_reg_req req = { len, 0 };
	struct hcasim_umem_msg rep = { 0, 0 };

	if (raw_call(s, HCASIM_MSG_UMEM_REG, &req, sizeof(req), fd, &rep,
		     sizeof(rep)) != 0)
		return 0;
	return rep.umem_id;
}

/** Deregister a UMEM. @return the header status. */
int
rawcmd_umem_dereg(int s, uint32_t id)
{
	struct hcasim_umem_msg m = { id, 0 };

	return raw_call(s, HCASIM_MSG_UMEM_DEREG, &m, sizeof(m), -1, NULL, 0);
}

/**
 * An arena for a session's objects: a sealed memfd of len bytes
 * registered as one UMEM (counted against client-mr and host-mr).
 *
 * @return 0, or -1 (a->fd -1, nothing to finish)
 */
int
rawcmd_arena_init(struct rawcmd_arena *a, int s, size_t len)
{
	memset(a, 0, sizeof(*a));
	a->s = s;
	a->len = len;
	a->fd = rawcmd_mem_fd(len, true);
	if (a->fd < 0)
		return -1;
	a->umem = rawcmd_umem_reg(s, a->fd, len);
	if (a->umem == 0) {
		close(a->fd);
		a->fd = -1;
		return -1;
	}
	return 0;
}

/** Close an arena's memfd (the daemon lets go of it with the session). */
void
rawcmd_arena_fini(struct rawcmd_arena *a)
{
	if (a->fd >= 0)
		close(a->fd);
	a->fd = -1;
}

/**
 * Take len bytes of an arena, RING_ALIGN aligned.
 *
 * @return their offset in the UMEM, or UINT64_MAX when full
 */
static uint64_t
arena_take(struct rawcmd_arena *a, uint64_t len)
{
	uint64_t off = (a->next + RING_ALIGN - 1) & ~(uint64_t)(RING_ALIGN - 1);

	if (off > a->len || len > a->len - off)
		return UINT64_MAX;
	a->next = off + len;
	return off;
}

/** ALLOC_PD: the PRM status (see hcasim_rawcmd.h). */
int
rawcmd_pd(int s, uint32_t *pdn, uint32_t *syndrome)
{
	uint8_t in[64];

	return rawcmd_status(s, in, hca_cmd_alloc_pd_in(in, sizeof(in), 0),
			     syndrome, pdn);
}

/** CREATE_CQ of 2^log_cqe entries, ring and doorbell in the arena. */
int
rawcmd_cq(struct rawcmd_arena *a, unsigned int log_cqe, uint32_t *cqn,
	  uint32_t *syndrome)
{
	struct hca_cmd_cq cq = { .log_cq_size = (uint8_t)log_cqe,
		.cq_umem_id = a->umem, .dbr_umem_id = a->umem };
	uint64_t ring = log_cqe < 32 ? (uint64_t)64 << log_cqe : 0;
	uint8_t in[512];

	cq.cq_umem_offset = arena_take(a, ring);
	cq.dbr_addr = arena_take(a, DBR_ROOM);
	if (cq.cq_umem_offset == UINT64_MAX || cq.dbr_addr == UINT64_MAX)
		return -1;
	return rawcmd_status(a->s, in, hca_cmd_create_cq_in(in, sizeof(in),
			     &cq), syndrome, cqn);
}

/**
 * CREATE_QP (UD) of 16 send blocks and 16 receive WQEs on a PD, both
 * directions on one CQ, rings and doorbell in the arena.
 */
int
rawcmd_qp(struct rawcmd_arena *a, uint32_t pdn, uint32_t cqn,
	  uint32_t *qpn, uint32_t *syndrome)
{
	struct hca_cmd_qp qp = { .st = HCA_QP_ST_UD,
		.pm_state = HCA_QP_PM_MIGRATED, .pdn = pdn, .cqn_snd = cqn,
		.cqn_rcv = cqn, .log_sq_size = 4, .log_rq_size = 4,
		.wq_umem_id = a->umem, .dbr_umem_id = a->umem };
	uint8_t in[512];

	qp.wq_umem_offset = arena_take(a, 16 * 16 + 16 * 64);
	qp.dbr_addr = arena_take(a, DBR_ROOM);
	if (qp.wq_umem_offset == UINT64_MAX || qp.dbr_addr == UINT64_MAX)
		return -1;
	return rawcmd_status(a->s, in, hca_cmd_create_qp_in(in, sizeof(in),
			     &qp), syndrome, qpn);
}

/**
 * CREATE_MKEY over the arena's first len bytes, at a start address.
 *
 * @param index  set to the mkey index (the key is index << 8)
 */
int
rawcmd_mkey(struct rawcmd_arena *a, uint32_t pdn, uint64_t start,
	    uint64_t len, uint32_t *index, uint32_t *syndrome)
{
	struct hca_cmd_mkey mk = { .pdn = pdn, .start_addr = start,
		.len = len, .umem_id = a->umem, .log_page_size = 12,
		.local_write = true };
	uint8_t in[512];

	return rawcmd_status(a->s, in, hca_cmd_create_mkey_in(in, sizeof(in),
			     &mk), syndrome, index);
}

/** ATTACH_TO_MCG of a QP to a group by its MGID. */
int
rawcmd_attach(int s, uint32_t qpn, const uint8_t mgid[16],
	      uint32_t *syndrome)
{
	uint8_t in[128];

	return rawcmd_status(s, in, hca_cmd_attach_mcg_in(in, sizeof(in), 0,
			     qpn, mgid), syndrome, NULL);
}
