/* SPDX-License-Identifier: BSD-3-Clause */

/**
 * @file
 * The public API of rte_pmd_ipoib.h: addresses <-> peer keys, own and
 * broadcast addresses, multicast joins.
 */

#include <errno.h>
#include <string.h>

#include "ipoib.h"
#include "ipoib_dp.h"
#include "ipoib_ethdev.h"
#include "ipoib_group.h"
#include "ipoib_path.h"
#include "rte_pmd_ipoib.h"

/** The private state of a started ipoib port; NULL if there is none. */
static struct ipoib_priv *
ipoib_started_port(uint16_t port_id, int *err)
{
	struct ipoib_priv *priv = ipoib_priv_of_port(port_id);

	if (priv == NULL) {
		*err = -ENODEV;
		return NULL;
	}
	if (!priv->started || priv->peers == NULL) {
		*err = -EAGAIN;
		return NULL;
	}
	return priv;
}

/**
 * Copy an API address into the driver's form.
 *
 * @param a     filled with the address, its flags byte cleared
 * @param addr  the 20-byte address given by the application
 */
static void
ipoib_hwaddr_from_api(struct ipoib_hwaddr *a,
		      const struct rte_ipoib_addr *addr)
{
	memcpy(a, addr->bytes, sizeof(*a));
	a->flags = 0;
}

/**
 * Write the API form of the address of a queue pair.
 *
 * @param addr  filled with the 20-byte address
 * @param qpn   the queue pair number
 * @param gid   the port GID
 */
static void
ipoib_api_addr_make(struct rte_ipoib_addr *addr, uint32_t qpn,
		    const union hca_gid *gid)
{
	struct ipoib_hwaddr a;

	ipoib_hwaddr_make(&a, qpn, gid);
	memcpy(addr->bytes, &a, sizeof(a));
}

/** Resolve a 20-byte address to a key (see rte_pmd_ipoib.h). */
int
rte_pmd_ipoib_resolve(uint16_t port_id, const struct rte_ipoib_addr *addr,
		      uint16_t *key)
{
	struct ipoib_hwaddr a;
	struct ipoib_priv *priv;
	int err;

	if (addr == NULL || key == NULL)
		return -EINVAL;
	priv = ipoib_started_port(port_id, &err);
	if (priv == NULL)
		return err;
	ipoib_hwaddr_from_api(&a, addr);
	return ipoib_path_resolve(priv, &a, key);
}

/** Resolve a 20-byte address to a tag (see rte_pmd_ipoib.h). */
int
rte_pmd_ipoib_resolve_tag(uint16_t port_id,
			  const struct rte_ipoib_addr *addr, uint64_t *tag)
{
	struct ipoib_hwaddr a;
	struct ipoib_priv *priv;
	int err;

	if (addr == NULL || tag == NULL)
		return -EINVAL;
	priv = ipoib_started_port(port_id, &err);
	if (priv == NULL)
		return err;
	ipoib_hwaddr_from_api(&a, addr);
	return ipoib_path_resolve_tag(priv, &a, tag);
}

/** The peer tag of a packet (see rte_pmd_ipoib.h). */
uint64_t
rte_pmd_ipoib_get_tag(const struct rte_mbuf *m)
{
	return ipoib_mbuf_tag(m);
}

/** Address a packet by tag (see rte_pmd_ipoib.h). */
void
rte_pmd_ipoib_set_dst_tag(struct rte_mbuf *m, uint64_t tag)
{
	rte_pmd_ipoib_set_key(m, rte_pmd_ipoib_tag_key(tag));
	if (ipoib_tag_flag != 0) /* no PMD port probed yet: key only */
		ipoib_mbuf_set_tag(m, tag);
}

/** The address and path behind a key (see rte_pmd_ipoib.h). */
int
rte_pmd_ipoib_peer_info(uint16_t port_id, uint16_t key,
			struct rte_ipoib_addr *addr,
			struct rte_ipoib_path *path)
{
	struct ipoib_priv *priv;
	struct ipoib_peer p;
	int err;

	priv = ipoib_started_port(port_id, &err);
	if (priv == NULL)
		return err;
	err = ipoib_peer_read(priv->peers, key, &p);
	if (err < 0)
		return -ENOENT;
	if (addr != NULL)
		ipoib_api_addr_make(addr, p.qpn, &p.gid);
	if (path != NULL) {
		path->lid = p.path.lid;
		path->sl = p.path.sl;
		path->rate = p.path.rate;
		path->mtu = p.path.mtu;
		path->resolved = p.state == IPOIB_PEER_RESOLVED;
		path->multicast = !!(p.flags & IPOIB_PEER_F_MCAST);
	}
	return 0;
}

/** The port's own address (see rte_pmd_ipoib.h). */
int
rte_pmd_ipoib_own_addr(uint16_t port_id, struct rte_ipoib_addr *addr)
{
	struct ipoib_priv *priv;
	int err;

	if (addr == NULL)
		return -EINVAL;
	priv = ipoib_started_port(port_id, &err);
	if (priv == NULL)
		return err;
	ipoib_api_addr_make(addr, priv->qpn, &priv->gid);
	return 0;
}

/** The broadcast group's key (see rte_pmd_ipoib.h). */
int
rte_pmd_ipoib_broadcast_key(uint16_t port_id, uint16_t *key)
{
	struct ipoib_priv *priv;
	int err;

	if (key == NULL)
		return -EINVAL;
	priv = ipoib_started_port(port_id, &err);
	if (priv == NULL)
		return err;
	*key = priv->bcast_key;
	return 0;
}

/** Join a multicast group (see rte_pmd_ipoib.h). */
int
rte_pmd_ipoib_mcast_join(uint16_t port_id, const uint8_t mgid[16],
			 uint16_t *key, unsigned int timeout_ms)
{
	struct ipoib_priv *priv;
	union hca_gid g;
	int err;

	if (mgid == NULL || key == NULL || mgid[0] != 0xff)
		return -EINVAL;
	priv = ipoib_started_port(port_id, &err);
	if (priv == NULL)
		return err;
	memcpy(g.raw, mgid, sizeof(g.raw));
	return ipoib_group_join(priv, &g, key, timeout_ms);
}

/** Leave a multicast group (see rte_pmd_ipoib.h). */
int
rte_pmd_ipoib_mcast_leave(uint16_t port_id, const uint8_t mgid[16])
{
	struct ipoib_priv *priv;
	union hca_gid g;
	int err;

	if (mgid == NULL)
		return -EINVAL;
	priv = ipoib_started_port(port_id, &err);
	if (priv == NULL)
		return err;
	memcpy(g.raw, mgid, sizeof(g.raw));
	return ipoib_group_leave(priv, &g);
}
