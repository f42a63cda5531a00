/* SPDX-License-Identifier: BSD-3-Clause */

#ifndef IPOIB_RX_REFILL_H
#define IPOIB_RX_REFILL_H

/**
 * @file
 * Receive buffers of a queue: posted in bulk, filled at start, drained
 * after stop (ipoib_rx_refill.c).
 */

#include <stdint.h>

struct ipoib_rxq;

uint32_t ipoib_rxq_refill(struct ipoib_rxq *rxq, uint32_t n);
int ipoib_rxq_fill(struct ipoib_rxq *rxq);
void ipoib_rxq_drain(struct ipoib_rxq *rxq);

#endif /* IPOIB_RX_REFILL_H */
