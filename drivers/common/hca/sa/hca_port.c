/* SPDX-License-Identifier: BSD-3-Clause */

/**
 * @file
 * CA port attributes through libibumad, and the small helpers of the SA
 * API (MTU codes, GID text, error text).
 */

#include <arpa/inet.h>
#include <endian.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <infiniband/umad.h>

#include "hca_log.h"
#include "hca_sa.h"
#include "hca_sa_mad.h"

/** Tries and per-try wait of the local PortInfo SMP. */
#define SMP_TRIES 3
#define SMP_TIMEOUT_MS 200

/* ------------------------------------------------------------------ */
/* Active MTU through a local SMP                                      */
/* ------------------------------------------------------------------ */

/**
 * Wait for the GetResp to one SMP on an open umad port.
 *
 * @param portid  umad port
 * @param tid     the request's TID
 * @param mtu     set to the NeighborMTU code
 * @return 0, -ETIMEDOUT, or a negative errno from the parser
 */
static int
smp_wait_portinfo(int portid, uint64_t tid, uint8_t *mtu)
{
	size_t size = umad_size() + HCA_MAD_SIZE;
	uint8_t *umad = calloc(1, size);
	int ret = -ETIMEDOUT;
	int i;

	if (umad == NULL)
		return -ENOMEM;
	/* A few foreign MADs may come first; each wait is bounded. */
	for (i = 0; i < 4; i++) {
		int len = HCA_MAD_SIZE;

		if (umad_recv(portid, umad, &len, SMP_TIMEOUT_MS) < 0)
			break;
		if (umad_status(umad) != 0)
			continue;
		ret = hca_smp_portinfo_parse(umad_get_mad(umad), (size_t)len,
					     tid, mtu);
		if (ret != -EPROTO)
			break;
		ret = -ETIMEDOUT;
	}
	free(umad);
	return ret;
}

/**
 * Ask the local port for its PortInfo with a directed-route SMP (hop
 * count 0) and read the active (neighbour) MTU: libibumad's sysfs view
 * does not carry it.
 *
 * @param ca_name  CA name
 * @param port     port number
 * @param mtu      set to the MTU code on success
 * @return 0 or a negative errno
 */
static int
port_read_active_mtu(const char *ca_name, int port, uint8_t *mtu)
{
	uint64_t tid = ((uint64_t)time(NULL) << 8) ^ (uint64_t)port;
	int portid, agent, try, ret = -ETIMEDOUT;
	uint8_t *umad;

	/* umad_size() depends on the ABI found by umad_open_port(). */
	portid = umad_open_port(ca_name, port);
	if (portid < 0)
		return -ENODEV;
	agent = umad_register(portid, HCA_MGMT_CLASS_SMI_DR,
			      HCA_SMI_CLASS_VERSION, 0, NULL);
	umad = calloc(1, umad_size() + HCA_MAD_SIZE);
	if (agent < 0 || umad == NULL) {
		ret = agent < 0 ? -EACCES : -ENOMEM;
		goto out;
	}
	for (try = 0; try < SMP_TRIES && ret == -ETIMEDOUT; try++) {
		tid++;
		hca_smp_portinfo_build(umad_get_mad(umad), tid, (uint8_t)port);
		umad_set_addr(umad, 0xffff, 0, 0, 0);
		if (umad_send(portid, agent, umad, HCA_MAD_SIZE,
			      SMP_TIMEOUT_MS, 0) < 0) {
			ret = -EIO;
			break;
		}
		ret = smp_wait_portinfo(portid, tid, mtu);
	}
out:
	free(umad);
	if (agent >= 0)
		umad_unregister(portid, agent);
	umad_close_port(portid);
	return ret;
}

/* ------------------------------------------------------------------ */
/* Port query                                                          */
/* ------------------------------------------------------------------ */

/** Copy libibumad's view of a port into ours. */
static void
port_info_from_umad(const umad_port_t *up, struct hca_port_info *info)
{
	unsigned int i;

	memset(info, 0, sizeof(*info));
	snprintf(info->ca_name, sizeof(info->ca_name), "%s", up->ca_name);
	info->port_num = up->portnum;
	info->state = (enum hca_port_state)up->state;
	info->phys_state = (int)up->phys_state;
	info->lid = (uint16_t)up->base_lid;
	info->lmc = (uint8_t)up->lmc;
	info->sm_lid = (uint16_t)up->sm_lid;
	info->sm_sl = (uint8_t)up->sm_sl;
	info->gid.global.subnet_prefix = up->gid_prefix;
	info->gid.global.interface_id = up->port_guid;
	info->port_guid = be64toh(up->port_guid);
	info->rate = (uint8_t)up->rate;
	info->capability_mask = be32toh(up->capmask);
	info->pkey_count = up->pkeys_size < HCA_MAX_PKEYS ?
			   up->pkeys_size : HCA_MAX_PKEYS;
	for (i = 0; i < info->pkey_count && up->pkeys != NULL; i++)
		info->pkeys[i] = up->pkeys[i];
}

/** Read a CA port's attributes through libibumad (see hca_sa.h). */
int
hca_port_query(const char *ca_name, int port, struct hca_port_info *info)
{
	umad_port_t up;
	umad_ca_t ca;
	int ret;

	if (info == NULL || port < 0)
		return -EINVAL;
	if (umad_init() < 0)
		return -ENODEV;
	memset(&up, 0, sizeof(up));
	ret = umad_get_port(ca_name, port, &up);
	if (ret < 0) {
		HCA_LOG(ERR, "no CA port %s/%d: %s",
			ca_name != NULL ? ca_name : "(first)", port,
			strerror(-ret));
		return -ENODEV;
	}
	port_info_from_umad(&up, info);
	umad_release_port(&up);
	if (umad_get_ca(info->ca_name, &ca) == 0) {
		info->node_guid = be64toh(ca.node_guid);
		umad_release_ca(&ca);
	}
	ret = port_read_active_mtu(info->ca_name, info->port_num,
				   &info->active_mtu);
	if (ret < 0)
		HCA_LOG(DEBUG, "%s/%d: active MTU unknown: %s", info->ca_name,
			info->port_num, strerror(-ret));
	return 0;
}

/* ------------------------------------------------------------------ */
/* Helpers                                                             */
/* ------------------------------------------------------------------ */

/** IB MTU code (1..5) to bytes (256..4096), 0 if invalid. */
unsigned int
hca_mtu_to_bytes(uint8_t mtu)
{
	if (mtu < 1 || mtu > 5)
		return 0;
	return 128u << mtu;
}

/** Format a GID as eight groups of four hex digits. */
const char *
hca_gid_to_str(const union hca_gid *gid, char *buf, size_t len)
{
	const uint8_t *g = gid->raw;

	snprintf(buf, len,
		 "%02x%02x:%02x%02x:%02x%02x:%02x%02x:"
		 "%02x%02x:%02x%02x:%02x%02x:%02x%02x",
		 g[0], g[1], g[2], g[3], g[4], g[5], g[6], g[7],
		 g[8], g[9], g[10], g[11], g[12], g[13], g[14], g[15]);
	return buf;
}

/** Parse a GID in the usual colon form; 0 or -EINVAL. */
int
hca_gid_from_str(const char *str, union hca_gid *gid)
{
	if (str == NULL || gid == NULL)
		return -EINVAL;
	return inet_pton(AF_INET6, str, gid->raw) == 1 ? 0 : -EINVAL;
}

/** A short text for a negative errno returned by this API. */
const char *
hca_sa_strerror(int err)
{
	switch (err) {
	case 0:
		return "success";
	case -ETIMEDOUT:
		return "no answer from the SA after every retry";
	case -ENOENT:
		return "the SA has no such record";
	case -EPROTO:
		return "malformed or mismatched SA reply";
	case -EREMOTEIO:
		return "the SA answered with an error status";
	case -ENODEV:
		return "no such CA or port";
	case -EINVAL:
		return "invalid argument";
	case -ENOMEM:
		return "out of memory";
	case -ECANCELED:
		return "request cancelled (client closed)";
	case -EBUSY:
		return "too many requests pending";
	case -EMSGSIZE:
		return "multi-segment SA reply (not reassembled in band)";
	case -ECONNREFUSED:
		return "the device (soft HCA) is not running";
	default:
		return "unknown error";
	}
}
