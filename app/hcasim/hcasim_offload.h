/* SPDX-License-Identifier: BSD-3-Clause */

#ifndef HCASIM_OFFLOAD_H
#define HCASIM_OFFLOAD_H

/**
 * @file
 * IPoIB stateless offloads of UD sends (hca_dp_eth.h): the Ethernet
 * segment of a WQE, the checksums it asks for, and LSO, the split of a
 * large TCP send into MSS-sized segments, each a datagram of its own.
 * Pure functions over bytes: the data path (hcasim_dp.c) linearizes the
 * send (inlined headers, then the gathered bytes) and sends what
 * hcasim_offload_segment() builds.
 */

#include <stdbool.h>
#include <stdint.h>

#include "hcasim_wqe.h"
#include "hca_dp_eth.h"

/** Most bytes of one offloaded send: headers and payload (128 KiB). */
#define HCASIM_LSO_LOG_MAX 17
#define HCASIM_LSO_MAX (1u << HCASIM_LSO_LOG_MAX)

/** The Ethernet segment of a send, and the packet's layout. */
struct hcasim_eth {
	uint8_t cs_flags;      /**< MLX5_ETH_WQE_L3_CSUM / L4_CSUM */
	uint16_t mss;          /**< LSO: payload bytes per segment */
	bool lso;              /**< the opcode was LSO */
	uint32_t ihs;          /**< inlined header bytes */
	/* set by hcasim_offload_prepare() */
	bool v6;
	uint8_t l4_proto;      /**< 6 TCP, 17 UDP, other: none */
	uint32_t l3_off;       /**< after the 4-byte IPoIB header */
	uint32_t l4_off;
	uint32_t hdr_len;      /**< LSO: IPoIB + IP + TCP headers */
	uint32_t nseg;         /**< datagrams the send becomes */
};

/**
 * Parse the Ethernet segment and the data segments of a send WQE whose
 * control segment hcasim_wqe_ctrl_parse() accepted with out->eth set,
 * and linearize the packet (the inlined headers, then the gathered
 * bytes) into lin.
 *
 * @param wqe      a private copy of the WQE's blocks
 * @param lin      where the packet goes
 * @param lin_max  its size
 * @param out      the send (address vector filled here; len set to the
 *                 packet's length)
 * @param eth      filled with the segment
 * @return 0 or a syndrome (hcasim_wqe_parse())
 */
int hcasim_offload_parse(const uint8_t *wqe, hcasim_xlate_t xlate,
			 void *ctx, uint8_t *lin, uint32_t lin_max,
			 struct hcasim_send *out, struct hcasim_eth *eth);

/**
 * Check the packet's headers against what the segment asks for and find
 * how many datagrams it becomes, each at most mtu bytes.
 *
 * @param pkt  the linearized packet (IPoIB header first)
 * @param len  its length
 * @return 0 or MLX5_CQE_SYNDROME_LOCAL_QP_OP_ERR (malformed headers,
 *         offload not applicable), MLX5_CQE_SYNDROME_LOCAL_LENGTH_ERR
 *         (a datagram over the MTU)
 */
int hcasim_offload_prepare(const uint8_t *pkt, uint32_t len, uint32_t mtu,
			   struct hcasim_eth *eth);

/**
 * Build datagram i (0 .. eth->nseg - 1) of a prepared send into dst:
 * for LSO the headers with total length, IP id, TCP sequence number and
 * flags fixed up and the segment's payload; the checksums asked for.
 *
 * @param dst  room for the MTU
 * @return its length
 */
uint32_t hcasim_offload_segment(const uint8_t *pkt, uint32_t len,
				const struct hcasim_eth *eth, uint32_t i,
				uint8_t *dst);

#endif /* HCASIM_OFFLOAD_H */
