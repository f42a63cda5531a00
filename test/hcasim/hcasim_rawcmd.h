/* SPDX-License-Identifier: BSD-3-Clause */

#ifndef HCASIM_RAWCMD_H
#define HCASIM_RAWCMD_H

/**
 * @file
 * Firmware commands spoken raw to the soft HCA, for tests that act as a
 * client without the device API: the session (HELLO, PORT_OPEN), one
 * input mailbox sent and its output read (HCASIM_MSG_CMD), UMEMs, and
 * small objects (PD, CQ, UD QP, mkey, multicast attachment) made by the
 * HCA layer's command encoders in an arena of one sealed UMEM.
 *
 * The object helpers return the command's PRM status (HCA_STATUS_OK is
 * 0) and set the syndrome; -1 is a transport or local failure.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hcasim_raw.h"

/*
 * Syndromes the daemon documents (doc/hcasim.md, "Statuses and
 * syndromes") that the tests check.
 */
#define RAWCMD_SYN_PD_FULL 0x48530009u    /**< no free PD */
#define RAWCMD_SYN_PD 0x4853000au         /**< a PD not the client's */
#define RAWCMD_SYN_MKEY_LEN 0x48530010u   /**< mkey range wraps */
#define RAWCMD_SYN_MR_LIMIT 0x48530013u   /**< client-mr / host-mr */
#define RAWCMD_SYN_CQ_SIZE 0x48530015u    /**< log CQ size 0 or too big */
#define RAWCMD_SYN_CQ 0x48530016u         /**< a CQ not the client's */
#define RAWCMD_SYN_CQ_LIMIT 0x48530018u   /**< client-cq */
#define RAWCMD_SYN_QP 0x4853001du         /**< a QP not the client's */
#define RAWCMD_SYN_QP_LIMIT 0x4853001fu   /**< client-qp / host-qp */
#define RAWCMD_SYN_RING_MEM 0x48530020u   /**< client- / host-ring-mem */
#define RAWCMD_SYN_MCG_LIMIT 0x48530025u  /**< client-mcast */

/** One client's objects: its socket and an arena in one sealed UMEM. */
struct rawcmd_arena {
	int s;            /**< the session's socket */
	int fd;           /**< the arena's memfd */
	uint32_t umem;    /**< its UMEM id */
	uint64_t len;     /**< its size */
	uint64_t next;    /**< first free byte (bump allocation) */
};

/** Called with every command executed (see rawcmd_observe()). */
typedef void (*rawcmd_observer_t)(const void *in, size_t in_len,
				  const void *out, size_t out_len);

int rawcmd_session(const char *path, const char *host,
		   struct hcasim_port_attr *port, int *status);
void rawcmd_observe(rawcmd_observer_t fn);
int rawcmd_exec(int s, const void *in, size_t in_len, void *out,
		size_t *out_len);
int rawcmd_run(int s, const void *in, int in_len, uint8_t *out,
	       uint8_t want, const char *what);
int rawcmd_refused(int s, const void *in, int in_len, uint8_t want,
		   uint32_t syndrome, const char *what);
int rawcmd_status(int s, const void *in, int in_len, uint32_t *syndrome,
		  uint32_t *num);
int rawcmd_mem_fd(size_t len, bool seal);
uint32_t rawcmd_umem_reg(int s, int fd, size_t len);
int rawcmd_umem_dereg(int s, uint32_t id);
int rawcmd_arena_init(struct rawcmd_arena *a, int s, size_t len);
void rawcmd_arena_fini(struct rawcmd_arena *a);
int rawcmd_pd(int s, uint32_t *pdn, uint32_t *syndrome);
int rawcmd_cq(struct rawcmd_arena *a, unsigned int log_cqe, uint32_t *cqn,
	      uint32_t *syndrome);
int rawcmd_qp(struct rawcmd_arena *a, uint32_t pdn, uint32_t cqn,
	      uint32_t *qpn, uint32_t *syndrome);
int rawcmd_mkey(struct rawcmd_arena *a, uint32_t pdn, uint64_t start,
		uint64_t len, uint32_t *index, uint32_t *syndrome);
int rawcmd_attach(int s, uint32_t qpn, const uint8_t mgid[16],
		  uint32_t *syndrome);

#endif /* HCASIM_RAWCMD_H */
