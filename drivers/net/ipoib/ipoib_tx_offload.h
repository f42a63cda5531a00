/* SPDX-License-Identifier: BSD-3-Clause */

#ifndef IPOIB_TX_OFFLOAD_H
#define IPOIB_TX_OFFLOAD_H

/**
 * @file
 * Checksum and TCP segmentation offloads of the transmit path. A packet whose ol_flags ask for them is posted as a UD
 * send with an Ethernet segment (hca_dp_eth.h), its headers inlined, by
 * ipoib_tx_offload_post(), apart from the plain send.
 */

#include <stdint.h>

#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include "ipoib.h"

/** The ol_flags that send a packet down the offload path. */
#define IPOIB_TX_OFFLOAD_FLAGS (RTE_MBUF_F_TX_IP_CKSUM | \
				RTE_MBUF_F_TX_L4_MASK | \
				RTE_MBUF_F_TX_TCP_SEG)

/** Most segments of an offloaded packet (the WQE's 63 units hold them
 * with the control, datagram and Ethernet segments and 128 header
 * bytes inlined). */
#define IPOIB_TX_OFFLOAD_MAX_SEGS 48

/**
 * The transmit offloads a port offers, from the device's capabilities
 * (struct hca_dev_attr tx_csum, max_lso).
 *
 * @return RTE_ETH_TX_OFFLOAD_* flags
 */
uint64_t ipoib_tx_offload_capa(const struct ipoib_priv *priv);

struct ipoib_peer;

/**
 * Post one packet whose ol_flags have IPOIB_TX_OFFLOAD_FLAGS, its
 * IPoIB header first (the Ethernet view's already replaced; l2_len is
 * not read): checks, then the destination (held when unresolved, as a
 * plain send), then the Ethernet-segment WQE (hca_dp_eth.h) with the
 * IPoIB, IP and L4 headers inlined and the rest gathered from the mbuf.
 *
 * @param p             the packet's destination peer as the plain send
 *                      finds it, NULL when none
 * @param since_signal  the burst's WQEs since the last signalled one
 *                      (updated)
 * @param last_head     set to the WQE's head when posted
 * @return 1 posted (the caller counts the packet and rings the
 *         doorbell), 0 consumed otherwise (held, or dropped and
 *         counted), -1 when the ring has no room (the packet is still
 *         the caller's)
 */
int ipoib_tx_offload_post(struct ipoib_txq *txq, struct rte_mbuf *m,
			  struct ipoib_peer *p, uint32_t *since_signal,
			  uint32_t *last_head);

#endif /* IPOIB_TX_OFFLOAD_H */
