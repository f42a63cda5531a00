/* SPDX-License-Identifier: BSD-3-Clause */

/**
 * @file
 * SA MADs on the wire: building requests and parsing replies defensively
 * (see hca_sa_mad.h). No I/O here.
 */

#include <errno.h>
#include <string.h>

#include "hca_sa_mad.h"

/* Offsets in the common MAD header, the RMPP header and the SA header. */
#define MAD_OFF_BASE_VERSION 0
#define MAD_OFF_CLASS 1
#define MAD_OFF_CLASS_VERSION 2
#define MAD_OFF_METHOD 3
#define MAD_OFF_STATUS 4
#define MAD_OFF_TID 8
#define MAD_OFF_ATTR 16
#define MAD_OFF_ATTR_MOD 20
#define RMPP_OFF_VERSION 24
#define RMPP_OFF_FLAGS 26
#define RMPP_OFF_PAYLEN 32
#define SA_OFF_SM_KEY 36
#define SA_OFF_ATTR_OFFSET 44
#define SA_OFF_COMP_MASK 48
#define SA_HDR_PAYLOAD 20      /* SA header bytes counted in PayloadLength */

#define RMPP_FLAG_ACTIVE 0x1
#define RMPP_FLAG_FIRST 0x2

/* Directed-route SMP layout. */
#define SMP_OFF_HOP_COUNT 7
#define SMP_OFF_DR_SLID 32
#define SMP_OFF_DR_DLID 34
#define SMP_OFF_DATA 64
#define SMP_DATA_LEN 64
#define SMP_STATUS_MASK 0x7fff /* without the direction bit */
#define PERMISSIVE_LID 0xffff

/* Offsets in PortInfo. */
#define PI_OFF_GID_PREFIX 8
#define PI_OFF_LID 16
#define PI_OFF_SM_LID 18
#define PI_OFF_STATE 32
#define PI_OFF_LMC 34
#define PI_OFF_NEIGHBOR_MTU 36

/* ------------------------------------------------------------------ */
/* Byte order helpers                                                  */
/* ------------------------------------------------------------------ */

/** Read a big-endian 16-bit value. */
static uint16_t
get_be16(const uint8_t *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}

/** Read a big-endian 32-bit value. */
static uint32_t
get_be32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) |
	       ((uint32_t)p[2] << 8) | p[3];
}

/** Read a big-endian 64-bit value. */
static uint64_t
get_be64(const uint8_t *p)
{
	return ((uint64_t)get_be32(p) << 32) | get_be32(p + 4);
}

/** Write a big-endian 16-bit value. */
static void
put_be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/** Write a big-endian 32-bit value. */
static void
put_be32(uint8_t *p, uint32_t v)
{
	put_be16(p, (uint16_t)(v >> 16));
	put_be16(p + 2, (uint16_t)v);
}

/** Write a big-endian 64-bit value. */
static void
put_be64(uint8_t *p, uint64_t v)
{
	put_be32(p, (uint32_t)(v >> 32));
	put_be32(p + 4, (uint32_t)v);
}

/** The low 6 bits of a rate/MTU/lifetime byte. */
static uint8_t
low6(uint8_t v)
{
	return v & 0x3f;
}

/** Pack a selector and a 6-bit value. */
static uint8_t
selector_value(uint8_t sel, uint8_t v)
{
	return (uint8_t)((sel << 6) | (v & 0x3f));
}

/* ------------------------------------------------------------------ */
/* Building requests                                                   */
/* ------------------------------------------------------------------ */

/** Write an SA request MAD (see hca_sa_mad.h). */
int
hca_sa_mad_build(uint8_t *mad, uint64_t tid, uint8_t method, uint16_t attr,
		 uint64_t comp_mask, const uint8_t *rec, size_t rec_len)
{
	if (rec_len > HCA_SA_DATA_LEN || (rec == NULL && rec_len != 0))
		return -EINVAL;
	memset(mad, 0, HCA_MAD_SIZE);
	mad[MAD_OFF_BASE_VERSION] = HCA_MAD_BASE_VERSION;
	mad[MAD_OFF_CLASS] = HCA_MGMT_CLASS_SA;
	mad[MAD_OFF_CLASS_VERSION] = HCA_SA_CLASS_VERSION;
	mad[MAD_OFF_METHOD] = method;
	put_be64(mad + MAD_OFF_TID, tid);
	put_be16(mad + MAD_OFF_ATTR, attr);
	put_be16(mad + SA_OFF_ATTR_OFFSET, (uint16_t)((rec_len + 7) / 8));
	put_be64(mad + SA_OFF_COMP_MASK, comp_mask);
	if (rec_len != 0)
		memcpy(mad + HCA_SA_HDR_LEN, rec, rec_len);
	return 0;
}

/** Set the SM_Key of an SA MAD. */
void
hca_sa_mad_set_sm_key(uint8_t *mad, uint64_t sm_key)
{
	put_be64(mad + SA_OFF_SM_KEY, sm_key);
}

/** Write a PathRecord query template (see hca_sa_mad.h). */
void
hca_sa_path_template(uint8_t *rec, const union hca_gid *sgid,
		     const union hca_gid *dgid, uint16_t pkey,
		     uint64_t *comp_mask)
{
	memset(rec, 0, HCA_SA_PATH_REC_LEN);
	memcpy(rec + 8, dgid->raw, HCA_GID_LEN);
	memcpy(rec + 24, sgid->raw, HCA_GID_LEN);
	rec[49] = 0x80 | 1; /* reversible, NumbPath = 1 */
	*comp_mask = HCA_PR_COMP_DGID | HCA_PR_COMP_SGID |
		     HCA_PR_COMP_NUMB_PATH;
	if (pkey != 0) {
		put_be16(rec + 50, pkey);
		*comp_mask |= HCA_PR_COMP_PKEY;
	}
}

/** Write an MCMemberRecord template (see hca_sa_mad.h). */
void
hca_sa_mcmember_template(uint8_t *rec, const union hca_gid *mgid,
			 const union hca_gid *port_gid, uint8_t join_state,
			 const struct hca_mcmember_rec *create,
			 uint64_t *comp_mask)
{
	memset(rec, 0, HCA_SA_MCMEMBER_REC_LEN);
	memcpy(rec, mgid->raw, HCA_GID_LEN);
	*comp_mask = HCA_MCR_COMP_MGID;
	if (port_gid != NULL) {
		memcpy(rec + 16, port_gid->raw, HCA_GID_LEN);
		rec[48] = join_state & 0x0f;
		*comp_mask |= HCA_MCR_COMP_PORT_GID | HCA_MCR_COMP_JOIN_STATE;
	}
	if (create == NULL)
		return;
	put_be32(rec + 32, create->qkey);
	rec[38] = selector_value(HCA_SA_SELECTOR_EQ, create->mtu);
	rec[39] = create->tclass;
	put_be16(rec + 40, create->pkey);
	rec[42] = selector_value(HCA_SA_SELECTOR_EQ, create->rate);
	put_be32(rec + 44, ((uint32_t)(create->sl & 0x0f) << 28) |
		 ((create->flow_label & 0xfffff) << 8) | create->hop_limit);
	*comp_mask |= HCA_MCR_COMP_QKEY | HCA_MCR_COMP_MTU_SEL |
		      HCA_MCR_COMP_MTU | HCA_MCR_COMP_TCLASS |
		      HCA_MCR_COMP_PKEY | HCA_MCR_COMP_RATE_SEL |
		      HCA_MCR_COMP_RATE | HCA_MCR_COMP_SL |
		      HCA_MCR_COMP_FLOW_LABEL;
}

/** Write a NodeRecord template that selects a LID. */
void
hca_sa_node_template_by_lid(uint8_t *rec, uint16_t lid)
{
	memset(rec, 0, HCA_SA_NODE_REC_LEN);
	put_be16(rec, lid);
}

/** Write a NodeRecord template that selects a port GUID. */
void
hca_sa_node_template_by_guid(uint8_t *rec, uint64_t port_guid)
{
	memset(rec, 0, HCA_SA_NODE_REC_LEN);
	put_be64(rec + 24, port_guid);
}

/** Write a PortInfoRecord template for a LID and port number. */
void
hca_sa_portinfo_template(uint8_t *rec, uint16_t lid, uint8_t port)
{
	memset(rec, 0, HCA_SA_PORTINFO_REC_LEN);
	put_be16(rec, lid);
	rec[2] = port;
}

/** Write a PKeyTableRecord template for a LID, port and block. */
void
hca_sa_pkey_template(uint8_t *rec, uint16_t lid, uint8_t port,
		     uint16_t block)
{
	memset(rec, 0, HCA_SA_PKEY_REC_LEN);
	put_be16(rec, lid);
	put_be16(rec + 2, block);
	rec[4] = port;
}

/** Write a directed-route SMP Get(PortInfo) for the local port. */
void
hca_smp_portinfo_build(uint8_t *mad, uint64_t tid, uint8_t port)
{
	memset(mad, 0, HCA_MAD_SIZE);
	mad[MAD_OFF_BASE_VERSION] = HCA_MAD_BASE_VERSION;
	mad[MAD_OFF_CLASS] = HCA_MGMT_CLASS_SMI_DR;
	mad[MAD_OFF_CLASS_VERSION] = HCA_SMI_CLASS_VERSION;
	mad[MAD_OFF_METHOD] = HCA_METHOD_GET;
	mad[SMP_OFF_HOP_COUNT] = 0;
	put_be64(mad + MAD_OFF_TID, tid);
	put_be16(mad + MAD_OFF_ATTR, HCA_ATTR_PORT_INFO);
	put_be32(mad + MAD_OFF_ATTR_MOD, port);
	put_be16(mad + SMP_OFF_DR_SLID, PERMISSIVE_LID);
	put_be16(mad + SMP_OFF_DR_DLID, PERMISSIVE_LID);
}

/* ------------------------------------------------------------------ */
/* Parsing replies                                                     */
/* ------------------------------------------------------------------ */

/**
 * Work out where the records of a reply end. A reassembled RMPP reply
 * (RMPP version 1, first segment) says how long its payload is; anything
 * else holds whatever the buffer holds, and a full-size unsegmented
 * GetTable reply may have lost its tail (ibsim's umad2sim passes only the
 * first 256 bytes of an SA reply).
 */
static int
sa_reply_locate_records(const uint8_t *buf, size_t len,
			struct hca_sa_reply *r)
{
	uint8_t flags = buf[RMPP_OFF_FLAGS] & 0x7;
	size_t have = len - HCA_SA_HDR_LEN;

	r->records = buf + HCA_SA_HDR_LEN;
	r->records_len = have;
	r->maybe_truncated = false;
	if (buf[RMPP_OFF_VERSION] == 1 && (flags & RMPP_FLAG_ACTIVE) &&
	    (flags & RMPP_FLAG_FIRST)) {
		uint32_t paylen = get_be32(buf + RMPP_OFF_PAYLEN);

		if (paylen != 0) {
			if (paylen < SA_HDR_PAYLOAD)
				return -EPROTO;
			if (paylen - SA_HDR_PAYLOAD > have)
				r->maybe_truncated = true;
			else
				r->records_len = paylen - SA_HDR_PAYLOAD;
			return 0;
		}
	}
	if (r->method == HCA_METHOD_GET_TABLE_RESP && len >= HCA_MAD_SIZE)
		r->maybe_truncated = true;
	return 0;
}

/** Parse an SA reply MAD (see hca_sa_mad.h). */
int
hca_sa_mad_parse(const uint8_t *buf, size_t len, struct hca_sa_reply *r)
{
	uint16_t attr_offset;

	memset(r, 0, sizeof(*r));
	if (buf == NULL || len < HCA_SA_HDR_LEN)
		return -EPROTO;
	if (buf[MAD_OFF_BASE_VERSION] != HCA_MAD_BASE_VERSION ||
	    buf[MAD_OFF_CLASS] != HCA_MGMT_CLASS_SA ||
	    buf[MAD_OFF_CLASS_VERSION] != HCA_SA_CLASS_VERSION)
		return -EPROTO;
	r->method = buf[MAD_OFF_METHOD];
	if (!(r->method & 0x80))
		return -EPROTO;
	r->status = get_be16(buf + MAD_OFF_STATUS);
	r->tid = get_be64(buf + MAD_OFF_TID);
	r->attr = get_be16(buf + MAD_OFF_ATTR);
	r->attr_mod = get_be32(buf + MAD_OFF_ATTR_MOD);
	if (sa_reply_locate_records(buf, len, r) != 0)
		return -EPROTO;
	attr_offset = get_be16(buf + SA_OFF_ATTR_OFFSET);
	if (r->method != HCA_METHOD_GET_TABLE_RESP) {
		/* One record: all of the data area. */
		r->rec_stride = r->records_len;
		r->n_records = r->records_len != 0 ? 1 : 0;
		return 0;
	}
	if (attr_offset == 0) {
		/* No stride: only an empty or failed table makes sense. */
		if (r->status == 0 && r->records_len != 0)
			return -EPROTO;
		r->records_len = 0;
		return 0;
	}
	r->rec_stride = (size_t)attr_offset * 8;
	r->n_records = (unsigned int)(r->records_len / r->rec_stride);
	if (r->records_len % r->rec_stride != 0 && !r->maybe_truncated &&
	    len > HCA_MAD_SIZE)
		r->maybe_truncated = true;
	return 0;
}

/** Read the TID of a MAD that may be malformed otherwise. */
int
hca_mad_peek_tid(const uint8_t *buf, size_t len, uint64_t *tid)
{
	if (buf == NULL || len < MAD_OFF_TID + 8)
		return -EPROTO;
	*tid = get_be64(buf + MAD_OFF_TID);
	return 0;
}

/** The response method that answers a request method, 0 if none. */
uint8_t
hca_sa_response_method(uint8_t method)
{
	switch (method) {
	case HCA_METHOD_GET:
	case HCA_METHOD_SET:
		return HCA_METHOD_GET_RESP;
	case HCA_METHOD_GET_TABLE:
		return HCA_METHOD_GET_TABLE_RESP;
	case HCA_METHOD_DELETE:
		return HCA_METHOD_DELETE_RESP;
	default:
		return 0;
	}
}

/** Map a MAD status to a negative errno (0 for success). */
int
hca_sa_status_to_errno(uint16_t status)
{
	if (status == 0)
		return 0;
	if ((status >> 8) == HCA_SA_STATUS_NO_RECORDS)
		return -ENOENT;
	if (status == HCA_MAD_STATUS_BUSY)
		return -EAGAIN;
	return -EREMOTEIO;
}

/** Check that a parsed reply answers a request, and its status. */
int
hca_sa_reply_check(const struct hca_sa_reply *r, uint64_t tid,
		   uint8_t method, uint16_t attr)
{
	if ((uint32_t)r->tid != (uint32_t)tid)
		return -EPROTO;
	if (r->attr != attr || r->method != hca_sa_response_method(method))
		return -EPROTO;
	return hca_sa_status_to_errno(r->status);
}

/** A record of a reply, bounds-checked (see hca_sa_mad.h). */
const uint8_t *
hca_sa_reply_record(const struct hca_sa_reply *r, unsigned int idx,
		    size_t need)
{
	size_t off;

	if (idx >= r->n_records || need > r->rec_stride)
		return NULL;
	off = (size_t)idx * r->rec_stride;
	if (off + need > r->records_len)
		return NULL;
	return r->records + off;
}

/** Decode a PathRecord (see hca_sa_mad.h). */
int
hca_sa_path_decode(const uint8_t *rec, size_t len, struct hca_path_rec *p)
{
	uint32_t w;

	if (rec == NULL || len < HCA_SA_PATH_REC_LEN)
		return -EPROTO;
	memset(p, 0, sizeof(*p));
	memcpy(p->dgid.raw, rec + 8, HCA_GID_LEN);
	memcpy(p->sgid.raw, rec + 24, HCA_GID_LEN);
	p->dlid = get_be16(rec + 40);
	p->slid = get_be16(rec + 42);
	w = get_be32(rec + 44);
	p->raw_traffic = (uint8_t)(w >> 31);
	p->flow_label = (w >> 8) & 0xfffff;
	p->hop_limit = (uint8_t)w;
	p->tclass = rec[48];
	p->reversible = rec[49] >> 7;
	p->numb_path = rec[49] & 0x7f;
	p->pkey = get_be16(rec + 50);
	p->sl = rec[53] & 0x0f;
	p->mtu_selector = rec[54] >> 6;
	p->mtu = low6(rec[54]);
	p->rate_selector = rec[55] >> 6;
	p->rate = low6(rec[55]);
	p->packet_life_selector = rec[56] >> 6;
	p->packet_life = low6(rec[56]);
	p->preference = rec[57];
	return 0;
}

/** Decode an MCMemberRecord (see hca_sa_mad.h). */
int
hca_sa_mcmember_decode(const uint8_t *rec, size_t len,
		       struct hca_mcmember_rec *m)
{
	uint32_t w;

	if (rec == NULL || len < HCA_SA_MCMEMBER_REC_LEN)
		return -EPROTO;
	memset(m, 0, sizeof(*m));
	memcpy(m->mgid.raw, rec, HCA_GID_LEN);
	memcpy(m->port_gid.raw, rec + 16, HCA_GID_LEN);
	m->qkey = get_be32(rec + 32);
	m->mlid = get_be16(rec + 36);
	m->mtu_selector = rec[38] >> 6;
	m->mtu = low6(rec[38]);
	m->tclass = rec[39];
	m->pkey = get_be16(rec + 40);
	m->rate_selector = rec[42] >> 6;
	m->rate = low6(rec[42]);
	m->packet_life_selector = rec[43] >> 6;
	m->packet_life = low6(rec[43]);
	w = get_be32(rec + 44);
	m->sl = (uint8_t)(w >> 28);
	m->flow_label = (w >> 8) & 0xfffff;
	m->hop_limit = (uint8_t)w;
	m->scope = rec[48] >> 4;
	m->join_state = rec[48] & 0x0f;
	m->proxy_join = rec[49] >> 7;
	return 0;
}

/** Decode a NodeRecord (see hca_sa_mad.h). */
int
hca_sa_node_decode(const uint8_t *rec, size_t len, struct hca_node_rec *n)
{
	size_t i;

	if (rec == NULL || len < HCA_SA_NODE_REC_LEN)
		return -EPROTO;
	memset(n, 0, sizeof(*n));
	n->lid = get_be16(rec);
	n->node_type = rec[6];
	n->num_ports = rec[7];
	n->node_guid = get_be64(rec + 16);
	n->port_guid = get_be64(rec + 24);
	n->port_num = rec[40];
	for (i = 0; i < sizeof(n->desc) - 1 && rec[44 + i] != '\0'; i++) {
		uint8_t c = rec[44 + i];

		n->desc[i] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
	}
	n->desc[i] = '\0';
	return 0;
}

/** Decode a PortInfoRecord (see hca_sa_mad.h). */
int
hca_sa_portinfo_decode(const uint8_t *rec, size_t len,
		       struct hca_portinfo_rec *pi)
{
	const uint8_t *info;

	if (rec == NULL || len < HCA_SA_PORTINFO_REC_LEN)
		return -EPROTO;
	info = rec + 4;
	memset(pi, 0, sizeof(*pi));
	pi->lid = get_be16(rec);
	pi->port_num = rec[2];
	pi->gid_prefix = get_be64(info + PI_OFF_GID_PREFIX);
	pi->base_lid = get_be16(info + PI_OFF_LID);
	pi->sm_lid = get_be16(info + PI_OFF_SM_LID);
	pi->state = info[PI_OFF_STATE] & 0x0f;
	pi->lmc = info[PI_OFF_LMC] & 0x07;
	pi->mtu_active = info[PI_OFF_NEIGHBOR_MTU] >> 4;
	return 0;
}

/** Decode a PKeyTableRecord block (see hca_sa_mad.h). */
int
hca_sa_pkey_decode(const uint8_t *rec, size_t len, uint16_t *block,
		   uint16_t *pkeys)
{
	unsigned int i;

	if (rec == NULL || len < HCA_SA_PKEY_REC_LEN)
		return -EPROTO;
	*block = get_be16(rec + 2);
	for (i = 0; i < HCA_SA_PKEYS_PER_BLOCK; i++)
		pkeys[i] = get_be16(rec + 8 + 2 * i);
	return 0;
}

/** Decode a SwitchInfoRecord's LinearFDBTop (see hca_sa_mad.h). */
int
hca_sa_switchinfo_top(const uint8_t *rec, size_t len, uint16_t *top)
{
	if (rec == NULL || len < HCA_SA_SWITCHINFO_REC_LEN)
		return -EPROTO;
	*top = get_be16(rec + 4 + 6);
	return 0;
}

/** Parse a directed-route SMP GetResp(PortInfo) (see hca_sa_mad.h). */
int
hca_smp_portinfo_parse(const uint8_t *buf, size_t len, uint64_t tid,
		       uint8_t *mtu)
{
	if (buf == NULL || len < SMP_OFF_DATA + SMP_DATA_LEN)
		return -EPROTO;
	if (buf[MAD_OFF_BASE_VERSION] != HCA_MAD_BASE_VERSION ||
	    buf[MAD_OFF_CLASS] != HCA_MGMT_CLASS_SMI_DR ||
	    buf[MAD_OFF_METHOD] != HCA_METHOD_GET_RESP ||
	    get_be16(buf + MAD_OFF_ATTR) != HCA_ATTR_PORT_INFO ||
	    (uint32_t)get_be64(buf + MAD_OFF_TID) != (uint32_t)tid)
		return -EPROTO;
	if ((get_be16(buf + MAD_OFF_STATUS) & SMP_STATUS_MASK) != 0)
		return -EREMOTEIO;
	*mtu = buf[SMP_OFF_DATA + PI_OFF_NEIGHBOR_MTU] >> 4;
	return 0;
}
