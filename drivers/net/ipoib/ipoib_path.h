/* SPDX-License-Identifier: BSD-3-Clause */

#ifndef IPOIB_PATH_H
#define IPOIB_PATH_H

/**
 * @file
 * Path resolution of a port (ipoib_path.c): learning sources, path
 * queries, held packets, and resolution on behalf of the API.
 */

#include "ipoib.h"

int ipoib_path_start(struct ipoib_priv *priv);
void ipoib_path_stop(struct ipoib_priv *priv);
void ipoib_path_learn(struct ipoib_priv *priv);
void ipoib_path_take_pending(struct ipoib_priv *priv);
void ipoib_path_retry(struct ipoib_priv *priv);
void ipoib_path_retry_now(struct ipoib_priv *priv);
int ipoib_path_resolve(struct ipoib_priv *priv,
		       const struct ipoib_hwaddr *addr, uint16_t *key);
int ipoib_path_resolve_tag(struct ipoib_priv *priv,
			   const struct ipoib_hwaddr *addr, uint64_t *tag);

#endif /* IPOIB_PATH_H */
