/* SPDX-License-Identifier: BSD-3-Clause */

#ifndef IPOIB_MEM_H
#define IPOIB_MEM_H

/**
 * @file
 * The memory a port registers with its device (ipoib_mem.c): every
 * memseg at start, then the memory DPDK adds or frees while the port
 * runs, followed through memory events.
 */

#include "ipoib.h"

int ipoib_mem_open(struct ipoib_priv *priv);
void ipoib_mem_close(struct ipoib_priv *priv);
void ipoib_mem_reclaim(struct ipoib_priv *priv);

#endif /* IPOIB_MEM_H */
