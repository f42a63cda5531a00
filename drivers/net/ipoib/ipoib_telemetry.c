/* SPDX-License-Identifier: BSD-3-Clause */

/**
 * @file
 * Telemetry of net_ipoib: /ipoib/peers,<port_id> lists the peers of a
 * port (key -> "tag QPN GID LID SL state"), at most 254 of them.
 */

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include <rte_telemetry.h>

#include "ipoib.h"
#include "ipoib_ethdev.h"
#include "ipoib_telemetry.h"

/** Context of a peer listing. */
struct ipoib_tel_ctx {
	struct rte_tel_data *d;
	unsigned int n;
};

/** Add one peer to the telemetry dictionary. */
static void
ipoib_tel_add_peer(const struct ipoib_peer *p, void *arg)
{
	struct ipoib_tel_ctx *c = arg;
	char name[16], gid[48], val[RTE_TEL_MAX_STRING_LEN];

	if (c->n >= RTE_TEL_MAX_DICT_ENTRIES - 2)
		return;
	snprintf(name, sizeof(name), "%u", p->key);
	snprintf(val, sizeof(val), "tag=0x%" PRIx64 " qpn=0x%06x gid=%s "
		 "lid=0x%04x sl=%u %s%s", p->tag, p->qpn,
		 hca_gid_to_str(&p->gid, gid, sizeof(gid)),
		 p->path.lid, p->path.sl, ipoib_peer_state_name(p->state),
		 (p->flags & IPOIB_PEER_F_MCAST) ? " multicast" : "");
	rte_tel_data_add_dict_string(c->d, name, val);
	c->n++;
}

/** /ipoib/peers,<port_id>: the peers of a port. */
static int
ipoib_tel_peers(const char *cmd __rte_unused, const char *params,
		struct rte_tel_data *d)
{
	struct ipoib_tel_ctx c = { .d = d, .n = 0 };
	struct ipoib_priv *priv;
	char *end;
	unsigned long port;

	if (params == NULL || *params == '\0')
		return -EINVAL;
	port = strtoul(params, &end, 0);
	if (*end != '\0' || port >= RTE_MAX_ETHPORTS)
		return -EINVAL;
	priv = ipoib_priv_of_port((uint16_t)port);
	if (priv == NULL)
		return -EINVAL;
	rte_tel_data_start_dict(d);
	if (priv->peers == NULL)
		return 0;
	pthread_mutex_lock(&priv->lock);
	if (priv->peers != NULL)
		ipoib_peer_foreach(priv->peers, ipoib_tel_add_peer, &c);
	pthread_mutex_unlock(&priv->lock);
	rte_tel_data_add_dict_u64(d, "count", c.n);
	return 0;
}

/** /ipoib/sa,<port_id>: how a port reaches the SA, and its counters. */
static int
ipoib_tel_sa(const char *cmd __rte_unused, const char *params,
	     struct rte_tel_data *d)
{
	struct ipoib_priv *priv;
	struct hca_sa_stats st;
	unsigned long port;
	char *end;

	if (params == NULL || *params == '\0')
		return -EINVAL;
	port = strtoul(params, &end, 0);
	if (*end != '\0' || port >= RTE_MAX_ETHPORTS)
		return -EINVAL;
	priv = ipoib_priv_of_port((uint16_t)port);
	if (priv == NULL)
		return -EINVAL;
	pthread_mutex_lock(&priv->lock);
	st = priv->sa_stats;
	pthread_mutex_unlock(&priv->lock);
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_string(d, "transport",
		priv->args.sa == HCA_SA_TRANSPORT_INBAND ? "inband" : "umad");
	rte_tel_data_add_dict_u64(d, "sent", st.sent);
	rte_tel_data_add_dict_u64(d, "received", st.received);
	rte_tel_data_add_dict_u64(d, "dropped", st.dropped);
	rte_tel_data_add_dict_u64(d, "timeouts", st.timeouts);
	rte_tel_data_add_dict_u64(d, "rmpp_refused", st.rmpp_refused);
	return 0;
}

/** /ipoib/mem,<port_id>: the port's memory registration counters. */
static int
ipoib_tel_mem(const char *cmd __rte_unused, const char *params,
	      struct rte_tel_data *d)
{
	struct ipoib_priv *priv;
	unsigned long port;
	char *end;

	if (params == NULL || *params == '\0')
		return -EINVAL;
	port = strtoul(params, &end, 0);
	if (*end != '\0' || port >= RTE_MAX_ETHPORTS)
		return -EINVAL;
	priv = ipoib_priv_of_port((uint16_t)port);
	if (priv == NULL)
		return -EINVAL;
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_u64(d, "mr_regions",
		__atomic_load_n(&priv->mst.regions, __ATOMIC_RELAXED));
	rte_tel_data_add_dict_u64(d, "mr_registered_by_event",
		__atomic_load_n(&priv->mst.registered, __ATOMIC_RELAXED));
	rte_tel_data_add_dict_u64(d, "mr_deregistered_by_event",
		__atomic_load_n(&priv->mst.deregistered, __ATOMIC_RELAXED));
	rte_tel_data_add_dict_u64(d, "mr_event_failures",
		__atomic_load_n(&priv->mst.failures, __ATOMIC_RELAXED));
	return 0;
}

/** Register the telemetry commands (once). */
void
ipoib_telemetry_register(void)
{
	static int done;

	if (done++)
		return;
	rte_telemetry_register_cmd("/ipoib/peers", ipoib_tel_peers,
		"Peers of an ipoib port. Parameters: int port_id");
	rte_telemetry_register_cmd("/ipoib/sa", ipoib_tel_sa,
		"How an ipoib port reaches the SA (umad or inband) and its "
		"SA counters. Parameters: int port_id");
	rte_telemetry_register_cmd("/ipoib/mem", ipoib_tel_mem,
		"Memory registration of an ipoib port: regions now, "
		"registered and deregistered by memory events, events not "
		"followed. Parameters: int port_id");
}
