/* SPDX-License-Identifier: BSD-3-Clause */

#ifndef FD_H
#define FD_H

/**
 * @file
 * Data-plane fault tests through the PMD (test/fault/data): one process
 * holds the PMD's port (the vdev, host1) and device-API hosts with many
 * UD QPs (test/hcasim/hcasim_tlib.c). Packets carry a checkable payload:
 * magic, sender QPN, sequence, length, fill, checksum.
 */

#include <stdbool.h>
#include <stdint.h>

#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include "hcasim_tlib.h"
#include "rte_pmd_ipoib.h"

/** EtherType of the test packets. */
#define FD_PROTO 0x88b6
/** First word of every test payload. */
#define FD_MAGIC 0xfd5eed01u
/** Payload bytes after the 4-byte IPoIB header (fits inline). */
#define FD_PAYLOAD 64
/** QPs per device-API host at most. */
#define FD_MAX_QP 32
/** Receive buffers per QP (and their stride). */
#define FD_RX_PER_QP 128
#define FD_RX_BUF 512
/** The IPoIB broadcast group's Q_Key (opensm's default). */
#define FD_QKEY 0x0b1b

/** The hcasim counters the tests read, per port. */
enum fd_ctr {
	FD_XMIT_PACKETS, FD_RCV_PACKETS, FD_XMIT_DISCARDS,
	FD_NO_QP, FD_QKEY_DROP, FD_PKEY_DROP, FD_NO_BUFFER,
	FD_WIRE_DROP, FD_ICRC, FD_VCRC, FD_RCV_ERRORS, FD_CQ_OVERRUNS,
	FD_NCTR
};

/** Counters of one port plus the wire's. */
struct fd_counters {
	long long port[FD_NCTR];
	long long wire_dropped;
	long long wire_corrupted;
};

/** A device-API host with up to FD_MAX_QP UD QPs in slots. */
struct fd_host {
	struct t_host t;
	uint16_t pkey_index;
	unsigned int nqp;                 /**< slots in use: 0..nqp-1 */
	struct hca_qp *qp[FD_MAX_QP];
	uint32_t posted[FD_MAX_QP];       /**< sends since the QP was made */
	uint16_t done_head[FD_MAX_QP];    /**< block index last completed */
	uint64_t sent[FD_MAX_QP];         /**< sends per slot */
	uint64_t rx_errors;               /**< error receive CQEs */
	uint64_t tx_errors;               /**< error send CQEs */
};

/** Called for each packet a device-API host receives. */
typedef void (*fd_rx_cb)(struct fd_host *h, unsigned int slot,
			 const uint8_t *pkt, uint32_t len, bool grh,
			 void *arg);

/* common state (fd_common.c) */
extern unsigned int failures;
extern uint16_t fd_port;
extern struct rte_mempool *fd_pool;
extern unsigned int fd_nb_mbuf;
extern struct rte_ipoib_addr fd_own;
extern uint16_t fd_own_lid;

#include "../../ipoib_test.h"

uint32_t fd_checksum(const uint8_t *p, uint32_t len);
void fd_payload_fill(uint8_t *p, uint32_t len, uint32_t sender,
		     uint32_t seq);
int fd_payload_check(const uint8_t *p, uint32_t len, uint32_t *sender,
		     uint32_t *seq);
uint64_t fd_deadline(double seconds);
bool fd_expired(uint64_t deadline);
uint64_t fd_xstat(const char *name);
void fd_count_intact(struct fd_host *h, unsigned int slot,
		     const uint8_t *pkt, uint32_t len, bool grh, void *arg);
int fd_port_start(unsigned int nb_mbuf);
int fd_counters_read(const char *host, struct fd_counters *c);
long long fd_delta(const struct fd_counters *a, const struct fd_counters *b,
		   enum fd_ctr ctr);
long long fd_rx_drops(const struct fd_counters *a,
		      const struct fd_counters *b);
int fd_host_open(struct fd_host *h, const char *name, uint16_t pkey);
int fd_host_qp_new(struct fd_host *h, unsigned int slot);
void fd_host_qp_del(struct fd_host *h, unsigned int slot);
void fd_host_close(struct fd_host *h);
void fd_host_addr(const struct fd_host *h, unsigned int slot,
		  struct rte_ipoib_addr *a);
int fd_host_send(struct fd_host *h, unsigned int slot,
		 const struct mlx5_wqe_av *av, uint32_t seq);
unsigned int fd_host_poll(struct fd_host *h, fd_rx_cb cb, void *arg);
void fd_av_to_pmd(struct mlx5_wqe_av *av, bool grh);
struct rte_mbuf *fd_pmd_pkt(uint16_t key, uint32_t sender, uint32_t seq);
unsigned int fd_pmd_send(struct rte_mbuf **pkts, unsigned int n);
void fd_sleep_ms(unsigned int ms);

/* phases */
void fd_phase_faults(unsigned int n);
void fd_phase_pkey(void);
void fd_phase_pkey_change(void);
void fd_phase_forge(void);
void fd_phase_shared(void);
void fd_phase_shared_eth(void);
void fd_phase_churn(unsigned int rounds, unsigned int per_host,
		    double soak_seconds);
void fd_phase_oversize(void);
void fd_phase_oversize_eth(void);
void fd_phase_qperror(void);

#endif /* FD_H */
