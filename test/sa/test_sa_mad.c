/* SPDX-License-Identifier: BSD-3-Clause */

/**
 * @file
 * Unit test of the SA MAD builder and parser (hca_sa_mad.c), no fabric:
 * truncated, mismatched, error-status, RMPP and garbage replies each give
 * the right error. Every buffer handed to the parser is an exactly sized
 * heap copy, and the test is built with AddressSanitizer, so a read past
 * the end aborts the test.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hca_sa_mad.h"

static int failures;

/** Record a failed expectation. */
#define EXPECT(cond) do { \
	if (!(cond)) { \
		fprintf(stderr, "FAIL %s:%d: %s\n", __FILE__, __LINE__, \
			#cond); \
		failures++; \
	} \
} while (0)

/** An exactly sized heap copy of len bytes (so overreads are caught). */
static uint8_t *
exact_copy(const uint8_t *src, size_t len)
{
	uint8_t *p = malloc(len != 0 ? len : 1);

	if (p == NULL)
		abort();
	if (len != 0)
		memcpy(p, src, len);
	return p;
}

/** Parse len bytes of buf from an exact copy; returns the parser's rc. */
static int
parse_exact(const uint8_t *buf, size_t len, struct hca_sa_reply *r)
{
	uint8_t *p = exact_copy(buf, len);
	int rc = hca_sa_mad_parse(p, len, r);

	/* Touch every record the parser claims, through the checked API. */
	if (rc == 0) {
		unsigned int i;

		for (i = 0; i < r->n_records; i++) {
			const uint8_t *rec = hca_sa_reply_record(r, i, 1);

			if (rec != NULL)
				(void)*(volatile const uint8_t *)rec;
		}
	}
	free(p);
	return rc;
}

/** Build a reply MAD: a request of the given method turned into resp. */
static void
make_reply(uint8_t *mad, uint64_t tid, uint8_t resp_method, uint16_t attr,
	   const uint8_t *rec, size_t rec_len)
{
	hca_sa_mad_build(mad, tid, HCA_METHOD_GET, attr, 0, rec, rec_len);
	mad[3] = resp_method;
}

/** A sample PathRecord on the wire. */
static void
sample_path(uint8_t *rec)
{
	union hca_gid s, d;
	uint64_t mask;

	hca_gid_from_str("fe80::1", &s);
	hca_gid_from_str("fe80::2", &d);
	hca_sa_path_template(rec, &s, &d, 0xffff, &mask);
	rec[40] = 0x00; rec[41] = 0x03;          /* DLID 3 */
	rec[42] = 0x00; rec[43] = 0x01;          /* SLID 1 */
	rec[44] = 0x00; rec[45] = 0x12; rec[46] = 0x34; rec[47] = 0x40;
	rec[48] = 0x07;                          /* TClass */
	rec[53] = 0x05;                          /* SL 5 */
	rec[54] = 0x84; rec[55] = 0x83; rec[56] = 0x92;
}

/** Short, wrong-class, wrong-version and request MADs are refused. */
static void
test_header_checks(void)
{
	uint8_t mad[HCA_MAD_SIZE];
	struct hca_sa_reply r;
	size_t len;

	make_reply(mad, 7, HCA_METHOD_GET_RESP, HCA_SA_ATTR_PATH_REC, NULL, 0);
	for (len = 0; len < HCA_SA_HDR_LEN; len++)
		EXPECT(parse_exact(mad, len, &r) == -EPROTO);
	EXPECT(hca_sa_mad_parse(NULL, 256, &r) == -EPROTO);
	EXPECT(parse_exact(mad, HCA_SA_HDR_LEN, &r) == 0);
	mad[0] = 2;
	EXPECT(parse_exact(mad, sizeof(mad), &r) == -EPROTO);
	mad[0] = 1;
	mad[1] = 0x04;
	EXPECT(parse_exact(mad, sizeof(mad), &r) == -EPROTO);
	mad[1] = 0x03;
	mad[2] = 1;
	EXPECT(parse_exact(mad, sizeof(mad), &r) == -EPROTO);
	mad[2] = 2;
	mad[3] = HCA_METHOD_GET;
	EXPECT(parse_exact(mad, sizeof(mad), &r) == -EPROTO);
}

/** A good path reply decodes; wrong TID/attr/method and statuses fail. */
static void
test_match_and_status(void)
{
	uint8_t mad[HCA_MAD_SIZE], rec[HCA_SA_PATH_REC_LEN];
	struct hca_path_rec p;
	struct hca_sa_reply r;
	const uint8_t *pr;
	uint8_t *copy;

	sample_path(rec);
	make_reply(mad, 0x1122334455667788ULL, HCA_METHOD_GET_RESP,
		   HCA_SA_ATTR_PATH_REC, rec, sizeof(rec));
	copy = exact_copy(mad, sizeof(mad));
	EXPECT(hca_sa_mad_parse(copy, sizeof(mad), &r) == 0);
	EXPECT(hca_sa_reply_check(&r, 0x1122334455667788ULL, HCA_METHOD_GET,
				  HCA_SA_ATTR_PATH_REC) == 0);
	/* The kernel rewrites the high TID bits: only the low ones count. */
	EXPECT(hca_sa_reply_check(&r, 0x0000000055667788ULL, HCA_METHOD_GET,
				  HCA_SA_ATTR_PATH_REC) == 0);
	EXPECT(hca_sa_reply_check(&r, 0x1122334455667789ULL, HCA_METHOD_GET,
				  HCA_SA_ATTR_PATH_REC) == -EPROTO);
	EXPECT(hca_sa_reply_check(&r, 0x55667788ULL, HCA_METHOD_GET,
				  HCA_SA_ATTR_NODE_REC) == -EPROTO);
	EXPECT(hca_sa_reply_check(&r, 0x55667788ULL, HCA_METHOD_GET_TABLE,
				  HCA_SA_ATTR_PATH_REC) == -EPROTO);
	EXPECT(hca_sa_reply_check(&r, 0x55667788ULL, HCA_METHOD_DELETE,
				  HCA_SA_ATTR_PATH_REC) == -EPROTO);
	pr = hca_sa_reply_record(&r, 0, HCA_SA_PATH_REC_LEN);
	EXPECT(pr != NULL);
	EXPECT(hca_sa_path_decode(pr, HCA_SA_PATH_REC_LEN, &p) == 0);
	EXPECT(p.dlid == 3 && p.slid == 1 && p.sl == 5 && p.tclass == 7);
	EXPECT(p.flow_label == 0x1234 && p.hop_limit == 0x40);
	EXPECT(p.mtu_selector == 2 && p.mtu == 4 && p.rate == 3);
	EXPECT(p.packet_life == 0x12 && p.pkey == 0xffff);
	EXPECT(p.dgid.raw[15] == 2 && p.sgid.raw[15] == 1);
	EXPECT(hca_sa_reply_record(&r, 1, HCA_SA_PATH_REC_LEN) == NULL);
	free(copy);

	EXPECT(hca_sa_status_to_errno(0x0300) == -ENOENT);
	EXPECT(hca_sa_status_to_errno(0x0200) == -EREMOTEIO);
	EXPECT(hca_sa_status_to_errno(0x0600) == -EREMOTEIO);
	EXPECT(hca_sa_status_to_errno(0x0001) == -EAGAIN);
	EXPECT(hca_sa_status_to_errno(0x000c) == -EREMOTEIO);
	mad[4] = 0x03;
	EXPECT(parse_exact(mad, sizeof(mad), &r) == 0);
	EXPECT(hca_sa_reply_check(&r, 0x55667788ULL, HCA_METHOD_GET,
				  HCA_SA_ATTR_PATH_REC) == -ENOENT);
	EXPECT(r.status == 0x0300);
}

/** A reply whose record is cut short gives no record. */
static void
test_short_record(void)
{
	uint8_t mad[HCA_MAD_SIZE], rec[HCA_SA_PATH_REC_LEN];
	struct hca_path_rec p;
	struct hca_sa_reply r;
	uint8_t *copy;

	sample_path(rec);
	make_reply(mad, 9, HCA_METHOD_GET_RESP, HCA_SA_ATTR_PATH_REC, rec,
		   sizeof(rec));
	copy = exact_copy(mad, HCA_SA_HDR_LEN + 10);
	EXPECT(hca_sa_mad_parse(copy, HCA_SA_HDR_LEN + 10, &r) == 0);
	EXPECT(hca_sa_reply_record(&r, 0, HCA_SA_PATH_REC_LEN) == NULL);
	EXPECT(hca_sa_path_decode(NULL, 64, &p) == -EPROTO);
	EXPECT(hca_sa_path_decode(copy + HCA_SA_HDR_LEN, 10, &p) == -EPROTO);
	free(copy);
}

/** Set the attribute offset (8-byte units) of an SA MAD. */
static void
set_attr_offset(uint8_t *mad, uint16_t off)
{
	mad[44] = (uint8_t)(off >> 8);
	mad[45] = (uint8_t)off;
}

/** Set the RMPP header of an SA MAD. */
static void
set_rmpp(uint8_t *mad, uint8_t version, uint8_t flags, uint32_t paylen)
{
	mad[24] = version;
	mad[25] = 1;
	mad[26] = flags;
	mad[32] = (uint8_t)(paylen >> 24);
	mad[33] = (uint8_t)(paylen >> 16);
	mad[34] = (uint8_t)(paylen >> 8);
	mad[35] = (uint8_t)paylen;
}

/** GetTable replies: strides, offset 0, RMPP lengths, truncation. */
static void
test_tables(void)
{
	uint8_t mad[HCA_MAD_SIZE];
	struct hca_sa_reply r;

	memset(mad, 0, sizeof(mad));
	make_reply(mad, 1, HCA_METHOD_GET_TABLE_RESP, HCA_SA_ATTR_NODE_REC,
		   NULL, 0);
	/* Offset 0 with data and success: a clear error. */
	set_attr_offset(mad, 0);
	EXPECT(parse_exact(mad, sizeof(mad), &r) == -EPROTO);
	/* Offset 0 with an error status: the status speaks. */
	mad[4] = 0x03;
	EXPECT(parse_exact(mad, sizeof(mad), &r) == 0);
	EXPECT(r.n_records == 0);
	mad[4] = 0;
	/* Offset 0 and no data: an empty table. */
	EXPECT(parse_exact(mad, HCA_SA_HDR_LEN, &r) == 0 && r.n_records == 0);
	/* Unsegmented full MAD, 112-byte records: one whole, maybe more. */
	set_attr_offset(mad, 14);
	EXPECT(parse_exact(mad, sizeof(mad), &r) == 0);
	EXPECT(r.n_records == 1 && r.maybe_truncated);
	EXPECT(hca_sa_reply_record(&r, 1, HCA_SA_NODE_REC_LEN) == NULL);
	/* Shorter than a full MAD: exact, nothing lost. */
	EXPECT(parse_exact(mad, HCA_SA_HDR_LEN + 112, &r) == 0);
	EXPECT(r.n_records == 1 && !r.maybe_truncated);
	/* A stride bigger than the MAD: no record at all. */
	set_attr_offset(mad, 0xffff);
	EXPECT(parse_exact(mad, sizeof(mad), &r) == 0 && r.n_records == 0);
	EXPECT(hca_sa_reply_record(&r, 0, 1) == NULL);
	/* RMPP (reassembled): PayloadLength decides. */
	set_attr_offset(mad, 8);
	set_rmpp(mad, 1, 0x7, 20 + 2 * 64);
	EXPECT(parse_exact(mad, sizeof(mad), &r) == 0);
	EXPECT(r.n_records == 2 && !r.maybe_truncated);
	set_rmpp(mad, 1, 0x3, 20 + 10 * 64);
	EXPECT(parse_exact(mad, sizeof(mad), &r) == 0);
	EXPECT(r.maybe_truncated && r.n_records == 3);
	EXPECT(hca_sa_reply_record(&r, 3, 64) == NULL);
	set_rmpp(mad, 1, 0x7, 5);
	EXPECT(parse_exact(mad, sizeof(mad), &r) == -EPROTO);
}

/** Decoders: node descriptions, P_Keys, member records, SMP. */
static void
test_decoders(void)
{
	uint8_t rec[HCA_SA_NODE_REC_LEN], smp[HCA_MAD_SIZE];
	uint16_t pkeys[HCA_SA_PKEYS_PER_BLOCK], block;
	struct hca_mcmember_rec m, tmpl;
	struct hca_node_rec n;
	union hca_gid mgid, pgid;
	uint64_t mask;
	uint8_t mtu;

	memset(rec, 'A', sizeof(rec));
	rec[50] = 0x01;
	EXPECT(hca_sa_node_decode(rec, sizeof(rec), &n) == 0);
	EXPECT(strlen(n.desc) == 64 && n.desc[6] == '?');
	EXPECT(hca_sa_node_decode(rec, sizeof(rec) - 1, &n) == -EPROTO);
	EXPECT(hca_sa_pkey_decode(rec, 71, &block, pkeys) == -EPROTO);
	EXPECT(hca_sa_portinfo_decode(NULL, 68, NULL) == -EPROTO);
	EXPECT(hca_sa_mcmember_decode(rec, 51, &m) == -EPROTO);
	EXPECT(hca_sa_switchinfo_top(rec, 23, &block) == -EPROTO);

	hca_gid_from_str("ff12:401b:ffff::1", &mgid);
	hca_gid_from_str("fe80::5", &pgid);
	memset(&tmpl, 0, sizeof(tmpl));
	tmpl.qkey = 0x0b1b;
	tmpl.mtu = 4;
	tmpl.pkey = 0xffff;
	tmpl.rate = 3;
	tmpl.sl = 2;
	tmpl.flow_label = 0xabcde;
	hca_sa_mcmember_template(rec, &mgid, &pgid, 8, &tmpl, &mask);
	EXPECT(mask & HCA_MCR_COMP_QKEY && mask & HCA_MCR_COMP_JOIN_STATE);
	EXPECT(hca_sa_mcmember_decode(rec, HCA_SA_MCMEMBER_REC_LEN, &m) == 0);
	EXPECT(m.qkey == 0x0b1b && m.mtu == 4 && m.mtu_selector == 2 &&
	       m.sl == 2 && m.flow_label == 0xabcde && m.join_state == 8 &&
	       m.port_gid.raw[15] == 5 && m.mgid.raw[15] == 1);
	hca_sa_mcmember_template(rec, &mgid, &pgid, 1, NULL, &mask);
	EXPECT(!(mask & HCA_MCR_COMP_QKEY) && mask & HCA_MCR_COMP_PORT_GID);
	hca_sa_mcmember_template(rec, &mgid, NULL, 0, NULL, &mask);
	EXPECT(mask == HCA_MCR_COMP_MGID);
	hca_sa_path_template(rec, &pgid, &pgid, 0, &mask);
	EXPECT(!(mask & HCA_PR_COMP_PKEY) && mask & HCA_PR_COMP_NUMB_PATH);

	hca_smp_portinfo_build(smp, 42, 1);
	EXPECT(hca_smp_portinfo_parse(smp, sizeof(smp), 42, &mtu) == -EPROTO);
	smp[3] = HCA_METHOD_GET_RESP;
	smp[64 + 36] = 0x41;
	EXPECT(hca_smp_portinfo_parse(smp, sizeof(smp), 42, &mtu) == 0);
	EXPECT(mtu == 4);
	EXPECT(hca_smp_portinfo_parse(smp, sizeof(smp), 43, &mtu) == -EPROTO);
	EXPECT(hca_smp_portinfo_parse(smp, 127, 42, &mtu) == -EPROTO);
	smp[5] = 0x1c;
	EXPECT(hca_smp_portinfo_parse(smp, sizeof(smp), 42, &mtu) ==
	       -EREMOTEIO);
	smp[4] = 0x80; /* the direction bit alone is no error */
	smp[5] = 0;
	EXPECT(hca_smp_portinfo_parse(smp, sizeof(smp), 42, &mtu) == 0);
}

/** Decode every record of a parsed reply as every record type. */
static void
decode_all(const struct hca_sa_reply *r)
{
	static const size_t lens[] = {
		HCA_SA_PATH_REC_LEN, HCA_SA_MCMEMBER_REC_LEN,
		HCA_SA_NODE_REC_LEN, HCA_SA_PORTINFO_REC_LEN,
		HCA_SA_PKEY_REC_LEN, HCA_SA_SWITCHINFO_REC_LEN,
	};
	uint16_t pkeys[HCA_SA_PKEYS_PER_BLOCK], w;
	struct hca_mcmember_rec m;
	struct hca_portinfo_rec pi;
	struct hca_path_rec p;
	struct hca_node_rec n;
	unsigned int i, k;

	for (i = 0; i < r->n_records; i++)
		for (k = 0; k < sizeof(lens) / sizeof(lens[0]); k++) {
			const uint8_t *rec = hca_sa_reply_record(r, i,
								 lens[k]);

			if (rec == NULL)
				continue;
			hca_sa_path_decode(rec, lens[k], &p);
			hca_sa_mcmember_decode(rec, lens[k], &m);
			hca_sa_node_decode(rec, lens[k], &n);
			hca_sa_portinfo_decode(rec, lens[k], &pi);
			hca_sa_pkey_decode(rec, lens[k], &w, pkeys);
			hca_sa_switchinfo_top(rec, lens[k], &w);
		}
}

/** Garbage: random bytes and lengths, half with a plausible header. */
static void
test_garbage(void)
{
	unsigned int seed = 12345, i;

	for (i = 0; i < 20000; i++) {
		size_t len = (size_t)(rand_r(&seed) % 700), j;
		uint8_t *buf = malloc(len != 0 ? len : 1);
		struct hca_sa_reply r;
		uint64_t tid;
		uint8_t mtu;

		for (j = 0; j < len; j++)
			buf[j] = (uint8_t)rand_r(&seed);
		if ((i & 1) && len >= 4) {
			buf[0] = 1;
			buf[1] = 3;
			buf[2] = 2;
			buf[3] |= 0x80;
		}
		if ((i & 3) == 1 && len >= 46) {
			buf[44] = 0;
			buf[45] = (uint8_t)(rand_r(&seed) % 20);
		}
		if (hca_sa_mad_parse(buf, len, &r) == 0) {
			EXPECT(r.records_len <= len - HCA_SA_HDR_LEN);
			EXPECT(r.rec_stride == 0 ||
			       r.n_records * r.rec_stride <= r.records_len);
			decode_all(&r);
			hca_sa_reply_check(&r, 1, HCA_METHOD_GET_TABLE,
					   HCA_SA_ATTR_NODE_REC);
		}
		hca_mad_peek_tid(buf, len, &tid);
		hca_smp_portinfo_parse(buf, len, 1, &mtu);
		free(buf);
	}
}

/** Run every test; exit 1 on a failure. */
int
main(void)
{
	test_header_checks();
	test_match_and_status();
	test_short_record();
	test_tables();
	test_decoders();
	test_garbage();
	printf("%s (%d failure(s))\n", failures ? "FAIL" : "PASS", failures);
	return failures ? 1 : 0;
}
