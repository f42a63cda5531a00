/* SPDX-License-Identifier: BSD-3-Clause */

#ifndef IPOIB_RECOVER_H
#define IPOIB_RECOVER_H

/**
 * @file
 * Losing the device and getting it back, and queue pairs in the error
 * state (ipoib_recover.c).
 */

#include "ipoib.h"

bool ipoib_recover_poll(struct ipoib_priv *priv);
void ipoib_recover_init(struct ipoib_priv *priv);
void ipoib_recover_qp_poll(struct ipoib_priv *priv);

#endif /* IPOIB_RECOVER_H */
