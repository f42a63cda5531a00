/* SPDX-License-Identifier: BSD-3-Clause */

#ifndef IPOIB_PORT_H
#define IPOIB_PORT_H

/**
 * @file
 * The resources of a port on its device (ipoib_port.c), for the start
 * and for the recovery.
 */

#include "ipoib.h"

int ipoib_port_open(struct ipoib_priv *priv);
int ipoib_port_find_pkey(struct ipoib_priv *priv);
int ipoib_port_peers_create(struct ipoib_priv *priv);
void ipoib_port_peers_free(struct ipoib_priv *priv);
int ipoib_port_resources_open(struct ipoib_priv *priv);
int ipoib_port_queues_fill(struct ipoib_priv *priv);
void ipoib_port_resources_close(struct ipoib_priv *priv);

/**
 * Move a QP from RESET to RTS with the port's Q_Key and P_Key index (a
 * new QP, or one reset after an error).
 *
 * @return 0 or a negative errno
 */
int ipoib_port_qp_ready(struct ipoib_priv *priv, struct hca_qp *qp);

#endif /* IPOIB_PORT_H */
