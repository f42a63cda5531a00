/* SPDX-License-Identifier: BSD-3-Clause */

#ifndef IPOIB_WATCH_H
#define IPOIB_WATCH_H

/**
 * @file
 * The subnet manager watch of a port (ipoib_watch.c): port events,
 * the heartbeat safety net, SM outages and returns, rejoins and path
 * refreshes.
 */

#include "ipoib.h"

void ipoib_watch_init(struct ipoib_priv *priv);
void ipoib_watch_round(struct ipoib_priv *priv);
bool ipoib_watch_has_events(const struct ipoib_priv *priv);
void ipoib_watch_port(struct ipoib_priv *priv,
		      const struct hca_dev_attr *attr);
void ipoib_watch_resync(struct ipoib_priv *priv, const char *why);

#endif /* IPOIB_WATCH_H */
