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
void ipoib_qp_mark_failed(struct ipoib_priv *priv,
			  const struct hca_event *ev);

#endif /* IPOIB_QP_RESET_H */
