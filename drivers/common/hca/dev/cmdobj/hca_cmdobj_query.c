/* SPDX-License-Identifier: BSD-3-Clause */

/**
 * @file
 * The port query of a command-driven backend through firmware commands
 * (see hca_cmdobj_query.h). What no command carries the backend set in
 * the port at open: the port number, the rate, the QP table. The RSS
 * queues come from QUERY_HCA_CAP (hca_cmdobj_rss_queues()).
 */

#include <stdio.h>
#include <string.h>

#include "hca_cmdobj_query.h"
#include "hca_cmdobj_rss.h"

/**
 * Execute one query whose output must hold min_out bytes.
 *
 * @return 0 or a negative errno (logged by hca_cmd_exec()); -ECONNRESET
 *         unsent and unlogged once the connection is lost (logged then)
 */
static int
query(struct hca_cmdobj_port *p, const uint8_t *in, int in_len, uint8_t *out,
      size_t min_out)
{
	if (in_len < 0)
		return in_len;
	return hca_cmdobj_exec(p, in, in_len, out, min_out);
}

/** Fill the port part from the vport context, GID 0, P_Keys, PMTU. */
static int
port_query(struct hca_cmdobj_port *p, struct hca_port_info *pi)
{
	struct hca_cmd_vport_query vq = {
		.port_num = (uint8_t)p->port_num };
	const size_t pkey_out = HCA_VPORT_PKEY_OUT_PKEY_OFF +
		(size_t)HCA_MAX_PKEYS * HCA_VPORT_PKEY_ENTRY_LEN;
	uint8_t in[64], out[OUT_MAX], gid[1][16];
	uint16_t pkeys[HCA_MAX_PKEYS];
	struct hca_cmd_vport_ctx vc;
	struct hca_cmd_port_mtu mtu;
	unsigned int i;
	int ret;

	ret = query(p, in, hca_cmd_query_vport_ctx_in(in, sizeof(in), &vq),
		    out, HCA_QUERY_HCA_VPORT_CONTEXT_OUT_LEN);
	if (ret == 0)
		ret = hca_cmd_query_vport_ctx_out(out,
			HCA_QUERY_HCA_VPORT_CONTEXT_OUT_LEN, &vc);
	if (ret < 0)
		return ret;
	pi->state = (enum hca_port_state)vc.port_state;
	pi->phys_state = vc.port_physical_state;
	pi->lid = vc.lid;
	pi->lmc = vc.lmc;
	pi->sm_lid = vc.sm_lid;
	pi->sm_sl = vc.sm_sl;
	pi->port_guid = vc.port_guid;
	pi->node_guid = vc.node_guid;
	pi->capability_mask = vc.cap_mask1;
	vq.index = 0;
	ret = query(p, in, hca_cmd_query_vport_gid_in(in, sizeof(in), &vq),
		    out, HCA_VPORT_GID_OUT_GID_OFF + 16);
	if (ret == 0)
		ret = hca_cmd_query_vport_gid_out(out,
			HCA_VPORT_GID_OUT_GID_OFF + 16, gid, 1);
	if (ret < 0)
		return ret;
	memcpy(pi->gid.raw, gid[0], 16);
	vq.index = HCA_VPORT_INDEX_ALL;
	ret = query(p, in, hca_cmd_query_vport_pkey_in(in, sizeof(in), &vq),
		    out, pkey_out);
	if (ret == 0)
		ret = hca_cmd_query_vport_pkey_out(out, pkey_out, pkeys,
						   HCA_MAX_PKEYS);
	if (ret < 0)
		return ret;
	/* the used entries: unused ones read as zero */
	pi->pkey_count = 0;
	for (i = 0; i < HCA_MAX_PKEYS; i++)
		if (pkeys[i] != 0)
			pi->pkey_count = i + 1;
	memcpy(pi->pkeys, pkeys, pi->pkey_count * sizeof(pi->pkeys[0]));
	ret = query(p, in, hca_cmd_query_pmtu_in(in, sizeof(in), 0,
						 (uint8_t)p->port_num),
		    out, HCA_ACCESS_REG_DATA_OFF + HCA_REG_PMTU_LEN);
	if (ret == 0)
		ret = hca_cmd_query_pmtu_out(out, HCA_ACCESS_REG_DATA_OFF +
					     HCA_REG_PMTU_LEN, &mtu);
	if (ret < 0)
		return ret;
	pi->active_mtu = (uint8_t)mtu.oper_mtu;
	return 0;
}

/* See hca_cmdobj_query.h. */
int
hca_cmdobj_query(struct hca_dev *dev, struct hca_dev_attr *attr)
{
	struct hca_cmdobj_port *p = (struct hca_cmdobj_port *)dev;
	struct hca_port_info *pi = &attr->port;
	int ret;

	memset(attr, 0, sizeof(*attr));
	ret = port_query(p, pi);
	if (ret < 0)
		return ret;
	snprintf(pi->ca_name, sizeof(pi->ca_name), "%s", p->ca_name);
	pi->port_num = (int)p->port_num;
	pi->rate = p->rate;
	snprintf(attr->backend, sizeof(attr->backend), "%s", p->backend);
	attr->max_qp_wr = 1u << p->cap.log_max_qp_sz;
	attr->max_cqe = 1u << p->cap.log_max_cq_sz;
	attr->max_inline = p->cap.max_inline_ud;
	attr->max_qp = p->max_qp != 0 ? p->max_qp :
		       1u << p->cap.log_max_qp;
	attr->max_rss_queues = hca_cmdobj_rss_queues(p);
	attr->max_lso = hca_cmd_hca_cap_tx_offloads(&p->cap, &attr->tx_csum);
	if (strcmp(p->backend, "hcasim") != 0) {
		/* a ConnectX reads the Ethernet segment only on a QP created
		 * in stateless offload mode, where every send must carry one:
		 * the plain send does not, so DevX ports offer none */
		attr->tx_csum = false;
		attr->max_lso = 0;
	}
	return 0;
}
