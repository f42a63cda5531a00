/* SPDX-License-Identifier: BSD-3-Clause */

#ifndef IPOIB_CTRL_H
#define IPOIB_CTRL_H

/**
 * @file
 * The control thread of a port (ipoib_ctrl.c): its start and stop,
 * and the ethdev link status it keeps.
 */

#include "ipoib.h"

int ipoib_ctrl_start(struct ipoib_priv *priv);
void ipoib_ctrl_stop(struct ipoib_priv *priv);
void ipoib_link_update_from(struct ipoib_priv *priv,
			    const struct hca_dev_attr *attr);

#endif /* IPOIB_CTRL_H */
