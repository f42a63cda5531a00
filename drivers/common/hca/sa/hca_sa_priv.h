/* SPDX-License-Identifier: BSD-3-Clause */

#ifndef HCA_SA_PRIV_H
#define HCA_SA_PRIV_H

/**
 * @file
 * Inside the SA client: the request table and the asynchronous core
 * (hca_sa_core.c) that the queries (hca_sa_query.c) are built on.
 */

#include <stdbool.h>
#include <stdint.h>

#include "hca_sa.h"
#include "hca_sa_mad.h"

/** Requests one client keeps in flight at most. */
#define HCA_SA_MAX_PENDING 64
/** Growth cap of the receive buffer (reassembled RMPP tables). */
#define HCA_SA_MAX_REPLY (16u << 20)
/** Per-try timeouts grow by doubling up to this factor. */
#define HCA_SA_BACKOFF_CAP 8

/** How a reply is handed to the request's callback. */
enum hca_sa_kind {
	HCA_SA_KIND_RAW,      /**< record = const struct hca_sa_reply * */
	HCA_SA_KIND_PATH,     /**< record = const struct hca_path_rec * */
	HCA_SA_KIND_MCMEMBER, /**< record = const struct hca_mcmember_rec * */
};

/** What to send: one SA request. */
struct hca_sa_request {
	uint8_t method;
	uint16_t attr;
	uint64_t comp_mask;
	const uint8_t *rec;   /**< template record (wire format) */
	size_t rec_len;
	enum hca_sa_kind kind;
	/** GID the decoded record must carry (DGID of a path, MGID of a
	 * group), or NULL: a reply about something else is -EPROTO.
	 */
	const union hca_gid *expect_gid;
	/** Send the client's SM_Key (a trusted query). */
	bool trusted;
};

/** One request in flight. */
struct hca_sa_slot {
	bool busy;
	uint64_t tid;
	uint8_t method;
	uint16_t attr;
	enum hca_sa_kind kind;
	bool check_gid;
	union hca_gid expect_gid;
	hca_sa_cb_t cb;
	void *arg;
	unsigned int tries;       /**< sends so far */
	uint64_t deadline_ms;     /**< end of the current try */
	uint8_t mad[HCA_MAD_SIZE];
};

struct hca_sa;

/**
 * How an SA client reaches the SA: one table per transport, chosen at
 * open (hca_sa_umad.c: libibumad; hca_sa_inband.c: a UD QP of the
 * client's own). The core (requests, matching, timeouts, retries) is the
 * same above both.
 */
struct hca_sa_transport_ops {
	const char *name;          /**< "umad" or "inband" */
	/** Read the port (LID, SM, GID) and open the transport; 0 or -errno. */
	int (*open)(struct hca_sa *sa, const char *ca_name, int port);
	/** Close what open() made. */
	void (*close)(struct hca_sa *sa);
	/** Send one 256-byte MAD to the SM's LID, QPN 1; 0 or -errno. */
	int (*send)(struct hca_sa *sa, const uint8_t *mad, unsigned int wait_ms);
	/**
	 * Take the next received MAD without blocking.
	 *
	 * @return its length (*mad points to it until the next call), 0 when
	 *         none is waiting, or a negative errno (-ENOMEM: too big)
	 */
	int (*recv)(struct hca_sa *sa, const uint8_t **mad);
	/** Wait up to ms (-1: no bound) for a MAD; <0 only on a hard error. */
	int (*wait)(struct hca_sa *sa, int ms);
	/** Re-read the SM's LID and SL (it may have moved). */
	void (*refresh_sm)(struct hca_sa *sa);
};

/** An SA client. */
struct hca_sa {
	const struct hca_sa_transport_ops *ops;
	void *tp;                 /**< transport state (in band) */
	struct hca_sa_stats stats;
	int portid;
	int agent;
	int fd;
	char ca_name[HCA_CA_NAME_LEN];
	int port_num;
	uint16_t lid;
	uint16_t sm_lid;
	uint8_t sm_sl;
	union hca_gid port_gid;
	unsigned int timeout_ms;  /**< budget per try, as configured */
	unsigned int retries;
	uint64_t sm_key;          /**< for trusted queries */
	uint32_t next_tid;
	uint16_t last_status;
	unsigned int pending;
	unsigned int share_id;    /**< number in the process (TID bits
				   *  24..31), 0 = none (hca_sa_share.c) */
	uint8_t *rbuf;            /**< umad receive buffer */
	size_t rbuf_len;          /**< its MAD capacity (bytes) */
	struct hca_sa_slot slots[HCA_SA_MAX_PENDING];
};

/**
 * Send a request; cb runs from hca_sa_poll() when it completes.
 *
 * @return 0, or a negative errno (cb is then never called)
 */
int hca_sa_submit(struct hca_sa *sa, const struct hca_sa_request *req,
		  hca_sa_cb_t cb, void *arg);

/**
 * Poll until *done becomes true (set by a callback), bounded by the
 * client's whole retry budget plus slack.
 *
 * @return 0, or -ETIMEDOUT when the bound passed (a bug: every request
 *         completes by its own deadline)
 */
int hca_sa_wait(struct hca_sa *sa, const bool *done);

/** Milliseconds of a monotonic clock. */
uint64_t hca_sa_now_ms(void);

/* hca_sa_share.c: several clients in one process */
unsigned int hca_sa_share_join(struct hca_sa *sa);
void hca_sa_share_leave(struct hca_sa *sa, unsigned int id);
bool hca_sa_share_crowded(void);
int hca_sa_share_forward(const struct hca_sa *self, uint64_t tid,
			 const uint8_t *mad, size_t len);
uint8_t *hca_sa_share_take(struct hca_sa *sa, unsigned int id, size_t *len);
int hca_sa_share_port_open(struct hca_sa *sa,
			   int (*open_fn)(struct hca_sa *));
void hca_sa_share_port_close(struct hca_sa *sa);

#endif /* HCA_SA_PRIV_H */
