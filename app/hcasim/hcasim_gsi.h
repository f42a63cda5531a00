/* SPDX-License-Identifier: BSD-3-Clause */

#ifndef HCASIM_GSI_H
#define HCASIM_GSI_H

/**
 * @file
 * QP 1 (the GSI) of the SM's port: a client's UD datagram to the SM's
 * LID and QPN 1 is an SA MAD; the daemon hands it to opensm through its
 * own umad (hcasim_sa_relay()) and delivers the reply into the client's
 * QP as a UD receive from (SM LID, QPN 1) with Q_Key 0x80010000.
 * Bounded: a queue of HCASIM_GSI_QUEUE requests and replies, at most
 * HCASIM_GSI_RATE requests per port and second; the rest is counted.
 */

#include <stdbool.h>
#include <stdint.h>

/** The GSI's QPN and the controlled Q_Key its datagrams carry. */
#define HCASIM_GSI_QPN 1
#define HCASIM_GSI_QKEY 0x80010000u
/** The only length carried: one MAD. */
#define HCASIM_GSI_MAD_LEN 256
/** Requests (and replies) waiting at most. */
#define HCASIM_GSI_QUEUE 64
/** Requests relayed per port and second at most. */
#define HCASIM_GSI_RATE 100
/** How long the relay waits for opensm's answer to one request. */
#define HCASIM_GSI_WAIT_MS 500

struct hcasim;
struct hcasim_gsi;

/** What the relay counted (status JSON "gsi"). */
struct hcasim_gsi_stats {
	uint64_t requests;        /**< datagrams to (SM LID, QPN 1) */
	uint64_t relayed;         /**< handed to opensm */
	uint64_t answered;        /**< replies delivered to a QP */
	uint64_t timeouts;        /**< opensm gave no answer in time */
	uint64_t dropped_bad;     /**< not one MAD, or not to the SM's LID */
	uint64_t dropped_forged;  /**< a membership of another port */
	uint64_t dropped_rate;    /**< over the per-port rate */
	uint64_t dropped_full;    /**< request or reply queue full */
	uint64_t undeliverable;   /**< the asking QP was gone */
};

int hcasim_gsi_start(struct hcasim *h);
void hcasim_gsi_stop(struct hcasim *h);
void hcasim_gsi_free(struct hcasim *h);
void hcasim_gsi_submit(struct hcasim *h, uint16_t port, uint32_t qpn,
		       uint16_t pkey, bool to_sm, bool forged,
		       const uint8_t *mad, uint32_t len);
/**
 * Take the next reply to deliver (data path thread).
 *
 * @return true and the reply's fields, or false when none is waiting
 */
bool hcasim_gsi_take_reply(struct hcasim *h, uint16_t *port, uint32_t *qpn,
			   uint16_t *pkey, uint8_t *mad);
void hcasim_gsi_count_undeliverable(struct hcasim *h);
void hcasim_gsi_get_stats(struct hcasim *h, struct hcasim_gsi_stats *st);

#endif /* HCASIM_GSI_H */
