/* SPDX-License-Identifier: BSD-3-Clause */

#ifndef IPOIB_QP_RESET_H
#define IPOIB_QP_RESET_H

/**
 * @file
 * Bringing a queue pair in the error state back to service
 * (ipoib_qp_reset.c).
 */

#include "ipoib.h"

int ipoib_qp_reset(struct ipoib_priv *priv, uint16_t idx);

#endif /* IPOIB_QP_RESET_H */
