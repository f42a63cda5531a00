/* SPDX-License-Identifier: BSD-3-Clause */

/**
 * @file
 * Fuzz harness: SA reply parsing (drivers/common/hca/sa/hca_sa_mad.c).
 *
 * Each input is a reply to one kind of request (byte 0, see fuzz_sa.h).
 * The harness does what the SA client does with a received MAD (match
 * the TID, parse, check it answers the request, then decode its records
 * the way the path, multicast, table and P_Key consumers do) and checks
 * on the way that:
 *  - every result is 0 or one of the documented negative errnos;
 *  - the located records and every record handed out lie inside the MAD;
 *  - every record counted can be fetched, and none past the count;
 *  - every decoded field equals the bytes it comes from (nothing is read
 *    from outside the record, nothing invented);
 *  - decoders refuse records shorter than their layout, and write no more
 *    than their output (canaries after the P_Key block).
 * AddressSanitizer (libFuzzer build) catches any read past the input.
 */

#include <errno.h>
#include <string.h>

#include "hca_sa_mad.h"

#include "fuzz.h"
#include "fuzz_sa.h"

/** What one request expects of its reply. */
struct sa_expect {
	uint8_t method;   /**< request method */
	uint16_t attr;    /**< request attribute */
	size_t rec_len;   /**< bytes the consumer reads from each record */
};

/** The request behind each input kind (indexed by enum fuzz_sa_kind). */
static const struct sa_expect sa_expects[FUZZ_SA_KINDS] = {
	[FUZZ_SA_PATH] = { HCA_METHOD_GET, HCA_SA_ATTR_PATH_REC,
			   HCA_SA_PATH_REC_LEN },
	[FUZZ_SA_MCM_JOIN] = { HCA_METHOD_SET, HCA_SA_ATTR_MCMEMBER_REC,
			       HCA_SA_MCMEMBER_REC_LEN },
	[FUZZ_SA_MCM_QUERY] = { HCA_METHOD_GET_TABLE,
				HCA_SA_ATTR_MCMEMBER_REC,
				HCA_SA_MCMEMBER_REC_LEN },
	[FUZZ_SA_MCM_LEAVE] = { HCA_METHOD_DELETE, HCA_SA_ATTR_MCMEMBER_REC,
				HCA_SA_MCMEMBER_REC_LEN },
	[FUZZ_SA_NODE_TABLE] = { HCA_METHOD_GET_TABLE, HCA_SA_ATTR_NODE_REC,
				 HCA_SA_NODE_REC_LEN },
	[FUZZ_SA_NODE_GET] = { HCA_METHOD_GET, HCA_SA_ATTR_NODE_REC,
			       HCA_SA_NODE_REC_LEN },
	[FUZZ_SA_PORTINFO_TABLE] = { HCA_METHOD_GET_TABLE,
				     HCA_SA_ATTR_PORTINFO_REC,
				     HCA_SA_PORTINFO_REC_LEN },
	[FUZZ_SA_PKEY_GET] = { HCA_METHOD_GET, HCA_SA_ATTR_PKEY_TABLE_REC,
			       HCA_SA_PKEY_REC_LEN },
	[FUZZ_SA_SWITCH_TABLE] = { HCA_METHOD_GET_TABLE,
				   HCA_SA_ATTR_SWITCHINFO_REC,
				   HCA_SA_SWITCHINFO_REC_LEN },
	[FUZZ_SA_SMP_PORTINFO] = { HCA_METHOD_GET, HCA_ATTR_PORT_INFO, 64 },
};

/* ------------------------------------------------------------------ */
/* Decoders, checked field by field against the record's bytes         */
/* ------------------------------------------------------------------ */

/** Decode a PathRecord and check its fields; the decode result. */
static int
check_path(const uint8_t *rec, size_t len, struct hca_path_rec *p)
{
	int ret = hca_sa_path_decode(rec, len, p);

	if (ret != 0)
		return ret;
	FUZZ_CHECK(memcmp(p->dgid.raw, rec + 8, HCA_GID_LEN) == 0);
	FUZZ_CHECK(memcmp(p->sgid.raw, rec + 24, HCA_GID_LEN) == 0);
	FUZZ_CHECK(p->dlid == fuzz_be16(rec + 40));
	FUZZ_CHECK(p->slid == fuzz_be16(rec + 42));
	FUZZ_CHECK(p->flow_label == ((fuzz_be32(rec + 44) >> 8) & 0xfffff));
	FUZZ_CHECK(p->hop_limit == rec[47] && p->tclass == rec[48]);
	FUZZ_CHECK(p->pkey == fuzz_be16(rec + 50));
	FUZZ_CHECK(p->sl == (rec[53] & 0xf) && p->mtu == (rec[54] & 0x3f));
	FUZZ_CHECK(p->rate == (rec[55] & 0x3f));
	FUZZ_CHECK(p->numb_path <= 0x7f && p->reversible <= 1);
	return 0;
}

/** Decode an MCMemberRecord and check its fields; the decode result. */
static int
check_mcmember(const uint8_t *rec, size_t len, struct hca_mcmember_rec *m)
{
	int ret = hca_sa_mcmember_decode(rec, len, m);

	if (ret != 0)
		return ret;
	FUZZ_CHECK(memcmp(m->mgid.raw, rec, HCA_GID_LEN) == 0);
	FUZZ_CHECK(memcmp(m->port_gid.raw, rec + 16, HCA_GID_LEN) == 0);
	FUZZ_CHECK(m->qkey == fuzz_be32(rec + 32));
	FUZZ_CHECK(m->mlid == fuzz_be16(rec + 36));
	FUZZ_CHECK(m->mtu == (rec[38] & 0x3f) && m->tclass == rec[39]);
	FUZZ_CHECK(m->pkey == fuzz_be16(rec + 40));
	FUZZ_CHECK(m->sl == rec[44] >> 4 && m->hop_limit == rec[47]);
	FUZZ_CHECK(m->scope == rec[48] >> 4);
	FUZZ_CHECK(m->join_state == (rec[48] & 0xf));
	return 0;
}

/** Decode a NodeRecord and check its fields; the decode result. */
static int
check_node(const uint8_t *rec, size_t len)
{
	struct hca_node_rec n;
	size_t i, dlen;
	int ret;

	memset(&n, 0xa5, sizeof(n));
	ret = hca_sa_node_decode(rec, len, &n);
	if (ret != 0)
		return ret;
	FUZZ_CHECK(n.lid == fuzz_be16(rec) && n.node_type == rec[6]);
	FUZZ_CHECK(n.num_ports == rec[7] && n.port_num == rec[40]);
	FUZZ_CHECK(n.node_guid == fuzz_be64(rec + 16));
	FUZZ_CHECK(n.port_guid == fuzz_be64(rec + 24));
	/* The description: NUL-terminated, printable, from bytes 44..107. */
	dlen = strnlen(n.desc, sizeof(n.desc));
	FUZZ_CHECK(dlen < sizeof(n.desc));
	FUZZ_CHECK(dlen == strnlen((const char *)rec + 44, 64));
	for (i = 0; i < dlen; i++) {
		uint8_t c = rec[44 + i];

		FUZZ_CHECK(n.desc[i] >= 0x20 && n.desc[i] < 0x7f);
		FUZZ_CHECK(n.desc[i] == (char)c || n.desc[i] == '?');
	}
	return 0;
}

/** Decode a PortInfoRecord and check its fields; the decode result. */
static int
check_portinfo(const uint8_t *rec, size_t len)
{
	struct hca_portinfo_rec pi;
	int ret = hca_sa_portinfo_decode(rec, len, &pi);

	if (ret != 0)
		return ret;
	FUZZ_CHECK(pi.lid == fuzz_be16(rec) && pi.port_num == rec[2]);
	FUZZ_CHECK(pi.gid_prefix == fuzz_be64(rec + 4 + 8));
	FUZZ_CHECK(pi.base_lid == fuzz_be16(rec + 4 + 16));
	FUZZ_CHECK(pi.sm_lid == fuzz_be16(rec + 4 + 18));
	FUZZ_CHECK(pi.state <= 15 && pi.lmc <= 7 && pi.mtu_active <= 15);
	return 0;
}

/** Decode a P_Key block and check it and its canaries; decode result. */
static int
check_pkeys(const uint8_t *rec, size_t len)
{
	uint16_t pkeys[HCA_SA_PKEYS_PER_BLOCK + 2];
	uint16_t block = 0;
	unsigned int i;
	int ret;

	pkeys[HCA_SA_PKEYS_PER_BLOCK] = 0x5a5a;
	pkeys[HCA_SA_PKEYS_PER_BLOCK + 1] = 0xa5a5;
	ret = hca_sa_pkey_decode(rec, len, &block, pkeys);
	FUZZ_CHECK(pkeys[HCA_SA_PKEYS_PER_BLOCK] == 0x5a5a &&
		   pkeys[HCA_SA_PKEYS_PER_BLOCK + 1] == 0xa5a5);
	if (ret != 0)
		return ret;
	FUZZ_CHECK(block == fuzz_be16(rec + 2));
	for (i = 0; i < HCA_SA_PKEYS_PER_BLOCK; i++)
		FUZZ_CHECK(pkeys[i] == fuzz_be16(rec + 8 + 2 * i));
	return 0;
}

/** Decode a SwitchInfoRecord's LinearFDBTop and check it. */
static int
check_switch(const uint8_t *rec, size_t len)
{
	uint16_t top;
	int ret = hca_sa_switchinfo_top(rec, len, &top);

	if (ret != 0)
		return ret;
	FUZZ_CHECK(top == fuzz_be16(rec + 10));
	return 0;
}

/**
 * Decode one record as the given kind's consumer does.
 *
 * @param mgid  set to the MGID of an MCMemberRecord (may be NULL)
 * @param dgid  set to the DGID of a PathRecord (may be NULL)
 * @return the decoder's result
 */
static int
decode_record(enum fuzz_sa_kind kind, const uint8_t *rec, size_t len,
	      union hca_gid *mgid, union hca_gid *dgid)
{
	struct hca_mcmember_rec m;
	struct hca_path_rec p;
	int ret;

	switch (kind) {
	case FUZZ_SA_PATH:
		ret = check_path(rec, len, &p);
		if (ret == 0 && dgid != NULL)
			*dgid = p.dgid;
		return ret;
	case FUZZ_SA_MCM_JOIN:
	case FUZZ_SA_MCM_QUERY:
	case FUZZ_SA_MCM_LEAVE:
		ret = check_mcmember(rec, len, &m);
		if (ret == 0 && mgid != NULL)
			*mgid = m.mgid;
		return ret;
	case FUZZ_SA_NODE_TABLE:
	case FUZZ_SA_NODE_GET:
		return check_node(rec, len);
	case FUZZ_SA_PORTINFO_TABLE:
		return check_portinfo(rec, len);
	case FUZZ_SA_PKEY_GET:
		return check_pkeys(rec, len);
	case FUZZ_SA_SWITCH_TABLE:
		return check_switch(rec, len);
	default:
		return -EPROTO;
	}
}

/**
 * Check that every decoder refuses a record one byte shorter than its
 * layout (it must not read the missing byte: the record given is the
 * real one, so a read past len stays inside the input and only the
 * result tells).
 */
static void
check_short_records(enum fuzz_sa_kind kind, const uint8_t *rec)
{
	size_t need = sa_expects[kind].rec_len;

	FUZZ_CHECK(decode_record(kind, rec, need - 1, NULL, NULL) == -EPROTO);
	FUZZ_CHECK(decode_record(kind, NULL, need, NULL, NULL) == -EPROTO);
}

/* ------------------------------------------------------------------ */
/* The reply as a whole                                                */
/* ------------------------------------------------------------------ */

/** Check the invariants of a parsed reply against its MAD. */
static void
check_parsed(const struct hca_sa_reply *r, const uint8_t *mad, size_t len)
{
	FUZZ_CHECK(len >= HCA_SA_HDR_LEN);
	FUZZ_CHECK(r->records == mad + HCA_SA_HDR_LEN);
	FUZZ_CHECK(fuzz_inside(r->records, r->records_len, mad, len));
	FUZZ_CHECK(r->method == mad[3] && (r->method & 0x80));
	FUZZ_CHECK(r->status == fuzz_be16(mad + 4));
	FUZZ_CHECK(r->tid == fuzz_be64(mad + 8));
	FUZZ_CHECK(r->attr == fuzz_be16(mad + 16));
	FUZZ_CHECK(r->attr_mod == fuzz_be32(mad + 20));
	if (r->n_records == 0)
		return;
	FUZZ_CHECK(r->rec_stride != 0);
	FUZZ_CHECK(r->n_records <= r->records_len / r->rec_stride);
	if (r->method != HCA_METHOD_GET_TABLE_RESP)
		FUZZ_CHECK(r->n_records == 1);
}

/**
 * Fetch records through hca_sa_reply_record() as the consumers do, check
 * each lies inside the MAD, and decode it.
 *
 * @return the index of the first record whose MGID (multicast) or DGID
 *         (path) is the requested one, or -1
 */
static int
walk_records(enum fuzz_sa_kind kind, const struct hca_sa_reply *r,
	     const uint8_t *mad, size_t len)
{
	static const union hca_gid want_dgid = { .raw = FUZZ_SA_DGID };
	static const union hca_gid want_mgid = { .raw = FUZZ_SA_MGID };
	size_t need = sa_expects[kind].rec_len;
	int found = -1;
	unsigned int i;

	for (i = 0; i < r->n_records + 2; i++) {
		const uint8_t *rec = hca_sa_reply_record(r, i, need);
		union hca_gid gid;
		int ret;

		if (i >= r->n_records) {
			FUZZ_CHECK(rec == NULL);
			continue;
		}
		/* Counted records are whole: NULL only when too short. */
		FUZZ_CHECK((rec == NULL) == (need > r->rec_stride));
		if (rec == NULL)
			continue;
		FUZZ_CHECK(fuzz_inside(rec, need, mad, len));
		FUZZ_CHECK(fuzz_inside(rec, r->rec_stride, r->records,
				       r->records_len));
		memset(&gid, 0, sizeof(gid));
		ret = decode_record(kind, rec, need, &gid, &gid);
		FUZZ_CHECK(ret == 0);
		if (i == 0)
			check_short_records(kind, rec);
		if (found < 0 &&
		    memcmp(gid.raw, kind == FUZZ_SA_PATH ? want_dgid.raw :
			   want_mgid.raw, HCA_GID_LEN) == 0)
			found = (int)i;
	}
	return found;
}

/** Run a directed-route SMP reply through its parser. */
static void
fuzz_smp_portinfo(const uint8_t *mad, size_t len)
{
	uint8_t mtu = 0xee;
	int ret = hca_smp_portinfo_parse(mad, len, FUZZ_SA_TID, &mtu);

	FUZZ_CHECK(ret == 0 || ret == -EPROTO || ret == -EREMOTEIO);
	if (ret == 0) {
		FUZZ_CHECK(len >= 128);
		FUZZ_CHECK(mtu == mad[64 + 36] >> 4);
		FUZZ_CHECK((uint32_t)fuzz_be64(mad + 8) ==
			   (uint32_t)FUZZ_SA_TID);
	} else {
		FUZZ_CHECK(mtu == 0xee);
	}
}

/** Run an SA reply through what the SA client does with it. */
static void
fuzz_sa_reply(enum fuzz_sa_kind kind, const uint8_t *mad, size_t len)
{
	const struct sa_expect *e = &sa_expects[kind];
	struct hca_sa_reply r;
	uint64_t tid = 0;
	int ret;

	ret = hca_mad_peek_tid(mad, len, &tid);
	FUZZ_CHECK(ret == 0 || ret == -EPROTO);
	FUZZ_CHECK((ret == 0) == (len >= 16));
	if (ret == 0)
		FUZZ_CHECK(tid == fuzz_be64(mad + 8));

	/* The parser itself, whatever the TID. */
	ret = hca_sa_mad_parse(mad, len, &r);
	FUZZ_CHECK(ret == 0 || ret == -EPROTO);
	if (ret != 0)
		return;
	check_parsed(&r, mad, len);

	ret = hca_sa_reply_check(&r, FUZZ_SA_TID, e->method, e->attr);
	FUZZ_CHECK(ret == 0 || ret == -EPROTO || ret == -ENOENT ||
		   ret == -EAGAIN || ret == -EREMOTEIO);
	if (ret == 0) {
		FUZZ_CHECK((uint32_t)r.tid == (uint32_t)FUZZ_SA_TID);
		FUZZ_CHECK(r.attr == e->attr && r.status == 0);
		FUZZ_CHECK(r.method == hca_sa_response_method(e->method));
	}
	/* The records, as the consumers walk them (also for error replies:
	 * a consumer that ignored the status must still stay inside).
	 */
	walk_records(kind, &r, mad, len);
}

/** libFuzzer entry point: byte 0 is the request kind, then the MAD. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	enum fuzz_sa_kind kind;

	if (size < 1)
		return 0;
	kind = (enum fuzz_sa_kind)(data[0] % FUZZ_SA_KINDS);
	if (kind == FUZZ_SA_SMP_PORTINFO)
		fuzz_smp_portinfo(data + 1, size - 1);
	else
		fuzz_sa_reply(kind, data + 1, size - 1);
	return 0;
}
