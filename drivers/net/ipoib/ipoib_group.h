/* SPDX-License-Identifier: BSD-3-Clause */

#ifndef IPOIB_GROUP_H
#define IPOIB_GROUP_H

/**
 * @file
 * The multicast groups of a port (ipoib_group.c): the broadcast
 * group, full-member and send-only joins, attach and leave; groups
 * the port belonged to before (the kernel's ib0) are never left.
 */

#include "ipoib.h"

int ipoib_group_join_broadcast(struct ipoib_priv *priv);
int ipoib_group_add_broadcast_peer(struct ipoib_priv *priv);
int ipoib_group_attach_all(struct ipoib_priv *priv);
void ipoib_group_forget_all(struct ipoib_priv *priv);
int ipoib_group_join(struct ipoib_priv *priv, const union hca_gid *mgid,
		     uint16_t *key, unsigned int timeout_ms);
int ipoib_group_join_sendonly(struct ipoib_priv *priv,
			      const union hca_gid *mgid, uint16_t *key,
			      unsigned int timeout_ms, bool *shared);
int ipoib_group_leave_sendonly(struct ipoib_priv *priv,
			       const union hca_gid *mgid, uint16_t key,
			       bool shared);
int ipoib_group_leave(struct ipoib_priv *priv, const union hca_gid *mgid);

#endif /* IPOIB_GROUP_H */
