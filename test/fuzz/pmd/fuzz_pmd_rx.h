/* SPDX-License-Identifier: BSD-3-Clause */

#ifndef FUZZ_PMD_RX_H
#define FUZZ_PMD_RX_H

/**
 * @file
 * The receive harness body shared by pmd_rx_raw and pmd_rx_eth.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/**
 * Run one input through the fake port's receive path and check it.
 *
 * @param data  the input (see fuzz_pmd_rx.c)
 * @param size  its length
 * @param eth   mode=eth (ipoib_eth_rx_burst) rather than mode=raw
 */
void fuzz_pmd_rx(const uint8_t *data, size_t size, bool eth);

#endif /* FUZZ_PMD_RX_H */
