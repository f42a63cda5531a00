/* SPDX-License-Identifier: BSD-3-Clause */

/**
 * @file
 * Seed corpus generator for the fuzz harnesses: writes small, valid (and
 * a few deliberately broken) inputs built from the IBA layouts into
 * OUTDIR/sa_reply, OUTDIR/wire_pkt and OUTDIR/crc. SA replies are built
 * byte by byte from IBA 15.2 (what opensm sends); packets are built with
 * hcasim_wire_build(), the soft HCA's own builder.
 *
 *   fuzz-gen-corpus OUTDIR      (the committed corpus is test/fuzz/corpus)
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "hca_sa_mad.h"
#include "hcasim_wire.h"

#include "fuzz_sa.h"

/** Room for the largest seed. */
#define GEN_MAX 8192

/** The output directory. */
static const char *out_dir;
/** Seeds written. */
static unsigned int n_written;

/** Store a big-endian 16-bit value. */
static void
be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/** Store a big-endian 32-bit value. */
static void
be32(uint8_t *p, uint32_t v)
{
	be16(p, (uint16_t)(v >> 16));
	be16(p + 2, (uint16_t)v);
}

/** Store a big-endian 64-bit value. */
static void
be64(uint8_t *p, uint64_t v)
{
	be32(p, (uint32_t)(v >> 32));
	be32(p + 4, (uint32_t)v);
}

/**
 * Write one seed to OUTDIR/harness/name, prefixed with one byte when
 * prefix >= 0.
 */
static void
seed_write(const char *harness, const char *name, int prefix,
	   const uint8_t *data, size_t len)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", out_dir, harness);
	if (mkdir(path, 0755) != 0 && errno != EEXIST) {
		perror(path);
		exit(1);
	}
	snprintf(path, sizeof(path), "%s/%s/%s", out_dir, harness, name);
	f = fopen(path, "wb");
	if (f == NULL || (prefix >= 0 && fputc(prefix, f) == EOF) ||
	    fwrite(data, 1, len, f) != len || fclose(f) != 0) {
		perror(path);
		exit(1);
	}
	n_written++;
}

/* ------------------------------------------------------------------ */
/* SA replies                                                          */
/* ------------------------------------------------------------------ */

/** A reply under construction. */
struct reply {
	uint8_t b[GEN_MAX];
	size_t len;
};

/**
 * Start an SA reply: MAD header, no RMPP, SA header.
 *
 * @param stride  record size in bytes (a multiple of 8), for
 *                AttributeOffset
 */
static void
reply_start(struct reply *r, uint8_t method, uint16_t attr, uint16_t status,
	    size_t stride)
{
	memset(r, 0, sizeof(*r));
	r->b[0] = HCA_MAD_BASE_VERSION;
	r->b[1] = HCA_MGMT_CLASS_SA;
	r->b[2] = HCA_SA_CLASS_VERSION;
	r->b[3] = method;
	be16(r->b + 4, status);
	be64(r->b + 8, FUZZ_SA_TID);
	be16(r->b + 16, attr);
	be16(r->b + 44, (uint16_t)(stride / 8));
	r->len = HCA_SA_HDR_LEN;
}

/** Append a record, padded to stride bytes. */
static void
reply_add(struct reply *r, const uint8_t *rec, size_t len, size_t stride)
{
	memcpy(r->b + r->len, rec, len);
	r->len += stride;
}

/** Pad an unsegmented reply to a whole MAD, as the SA sends it. */
static void
reply_pad_mad(struct reply *r)
{
	if (r->len < HCA_MAD_SIZE)
		r->len = HCA_MAD_SIZE;
}

/**
 * Mark a reply as an RMPP transfer (opensm sends every GetTable reply so)
 * of its current length: one segment, or a reassembled one.
 */
static void
reply_rmpp(struct reply *r)
{
	r->b[24] = 1;              /* RMPPVersion */
	r->b[25] = 1;              /* RMPPType: DATA */
	r->b[26] = 0x07;           /* Active, First, Last */
	be32(r->b + 28, 1);        /* SegmentNumber */
	be32(r->b + 32, (uint32_t)(r->len - HCA_SA_HDR_LEN + 20));
}

/** Write a reply as a seed of the sa_reply harness. */
static void
reply_write(const char *name, enum fuzz_sa_kind kind, const struct reply *r)
{
	seed_write("sa_reply", name, kind, r->b, r->len);
}

/** Fill a PathRecord from our port to the requested DGID. */
static void
path_rec(uint8_t *rec, uint16_t dlid)
{
	static const uint8_t dgid[16] = FUZZ_SA_DGID;

	memset(rec, 0, HCA_SA_PATH_REC_LEN);
	memcpy(rec + 8, dgid, 16);
	memcpy(rec + 24, dgid, 8);
	be64(rec + 32, 0x0002c9fffe000101ULL);
	be16(rec + 40, dlid);
	be16(rec + 42, 1);
	rec[49] = 0x80;              /* reversible */
	be16(rec + 50, 0xffff);
	rec[54] = 0x84;              /* MTU exactly 2048 */
	rec[55] = 0x83;              /* rate exactly 10 Gb/s */
	rec[56] = 0x92;              /* packet life */
}

/** Fill an MCMemberRecord of a group. */
static void
mcm_rec(uint8_t *rec, const uint8_t *mgid, uint16_t mlid)
{
	memset(rec, 0, HCA_SA_MCMEMBER_REC_LEN);
	memcpy(rec, mgid, 16);
	be64(rec + 16, 0xfe80000000000000ULL);
	be64(rec + 24, 0x0002c9fffe000101ULL);
	be32(rec + 32, 0x0b1b);
	be16(rec + 36, mlid);
	rec[38] = 0x84;
	be16(rec + 40, 0xffff);
	rec[42] = 0x83;
	rec[43] = 0x92;
	rec[48] = 0x21;              /* scope 2, full member */
}

/** Fill a NodeRecord (NodeInfo at 4, NodeDescription at 44). */
static void
node_rec(uint8_t *rec, uint16_t lid, uint8_t type, const char *desc)
{
	memset(rec, 0, HCA_SA_NODE_REC_LEN);
	be16(rec, lid);
	rec[4] = 1;                  /* BaseVersion */
	rec[5] = 1;                  /* ClassVersion */
	rec[6] = type;
	rec[7] = type == 2 ? 8 : 1;  /* NumPorts */
	be64(rec + 8, 0x0002c9fffe000100ULL + lid);
	be64(rec + 16, 0x0002c9fffe000100ULL + lid);
	be64(rec + 24, 0x0002c9fffe000101ULL + lid);
	be16(rec + 32, 64);          /* PartitionCap */
	rec[40] = 1;                 /* LocalPortNum */
	memcpy(rec + 44, desc, strlen(desc));
}

/** Fill a PortInfoRecord (PortInfo at 4). */
static void
portinfo_rec(uint8_t *rec, uint16_t lid)
{
	memset(rec, 0, HCA_SA_PORTINFO_REC_LEN);
	be16(rec, lid);
	rec[2] = 1;
	be64(rec + 4 + 8, 0xfe80000000000000ULL);
	be16(rec + 4 + 16, lid);
	be16(rec + 4 + 18, 1);
	rec[4 + 32] = 0x54;          /* LinkSpeed, PortState Active */
	rec[4 + 34] = 0;             /* LMC */
	rec[4 + 36] = 0x45;          /* NeighborMTU 4, MasterSMSL 5 */
}

/** Write the path replies. */
static void
gen_path(void)
{
	static const uint8_t other[16] = { 0xfe, 0x80, [15] = 0x77 };
	uint8_t rec[HCA_SA_PATH_REC_LEN];
	struct reply r;

	path_rec(rec, 2);
	reply_start(&r, HCA_METHOD_GET_RESP, HCA_SA_ATTR_PATH_REC, 0, 64);
	reply_add(&r, rec, sizeof(rec), 64);
	reply_pad_mad(&r);
	reply_write("path-ok", FUZZ_SA_PATH, &r);
	reply_start(&r, HCA_METHOD_GET_RESP, HCA_SA_ATTR_PATH_REC, 0x0300, 0);
	reply_pad_mad(&r);
	reply_write("path-no-records", FUZZ_SA_PATH, &r);
	reply_start(&r, HCA_METHOD_GET_RESP, HCA_SA_ATTR_PATH_REC, 0x0001, 0);
	reply_pad_mad(&r);
	reply_write("path-busy", FUZZ_SA_PATH, &r);
	memcpy(rec + 8, other, 16);
	reply_start(&r, HCA_METHOD_GET_RESP, HCA_SA_ATTR_PATH_REC, 0, 64);
	reply_add(&r, rec, sizeof(rec), 64);
	reply_pad_mad(&r);
	reply_write("path-other-gid", FUZZ_SA_PATH, &r);
	r.len = 100;
	reply_write("path-truncated", FUZZ_SA_PATH, &r);
}

/** Write the multicast replies. */
static void
gen_mcmember(void)
{
	static const uint8_t mgid[16] = FUZZ_SA_MGID;
	static const uint8_t mgid4[16] = { 0xff, 0x12, 0x40, 0x1b, 0xff, 0xff,
		[12] = 0xe0, 0, 0, 1 };
	uint8_t rec[HCA_SA_MCMEMBER_REC_LEN];
	struct reply r;

	mcm_rec(rec, mgid, 0xc000);
	reply_start(&r, HCA_METHOD_GET_RESP, HCA_SA_ATTR_MCMEMBER_REC, 0, 56);
	reply_add(&r, rec, sizeof(rec), 56);
	reply_pad_mad(&r);
	reply_write("mcm-join-ok", FUZZ_SA_MCM_JOIN, &r);
	reply_start(&r, HCA_METHOD_GET_RESP, HCA_SA_ATTR_MCMEMBER_REC,
		    0x0600, 0);
	reply_pad_mad(&r);
	reply_write("mcm-join-refused", FUZZ_SA_MCM_JOIN, &r);
	r.b[3] = HCA_METHOD_DELETE_RESP;
	be16(r.b + 4, 0);
	reply_add(&r, rec, sizeof(rec), 56);
	reply_pad_mad(&r);
	reply_write("mcm-leave-ok", FUZZ_SA_MCM_LEAVE, &r);
	reply_start(&r, HCA_METHOD_GET_TABLE_RESP, HCA_SA_ATTR_MCMEMBER_REC, 0,
		    56);
	mcm_rec(rec, mgid4, 0xc001);
	reply_add(&r, rec, sizeof(rec), 56);
	mcm_rec(rec, mgid, 0xc000);
	reply_add(&r, rec, sizeof(rec), 56);
	reply_rmpp(&r);
	reply_pad_mad(&r);
	reply_write("mcm-query-table", FUZZ_SA_MCM_QUERY, &r);
}

/** Write the NodeRecord replies (one MAD, and reassembled RMPP). */
static void
gen_nodes(void)
{
	uint8_t rec[HCA_SA_NODE_REC_LEN];
	struct reply r;
	unsigned int i;

	node_rec(rec, 2, 1, "host1 HCA-1");
	reply_start(&r, HCA_METHOD_GET_RESP, HCA_SA_ATTR_NODE_REC, 0, 112);
	reply_add(&r, rec, sizeof(rec), 112);
	reply_pad_mad(&r);
	reply_write("node-get-ok", FUZZ_SA_NODE_GET, &r);
	reply_start(&r, HCA_METHOD_GET_TABLE_RESP, HCA_SA_ATTR_NODE_REC, 0,
		    112);
	node_rec(rec, 1, 2, "sw1");
	reply_add(&r, rec, sizeof(rec), 112);
	reply_pad_mad(&r);
	reply_write("node-table-one", FUZZ_SA_NODE_TABLE, &r);
	reply_start(&r, HCA_METHOD_GET_TABLE_RESP, HCA_SA_ATTR_NODE_REC, 0,
		    112);
	for (i = 0; i < 5; i++) {
		node_rec(rec, (uint16_t)(i + 1), i == 0 ? 2 : 1,
			 i == 0 ? "sw1" : "host\tbad\x7f desc");
		reply_add(&r, rec, sizeof(rec), 112);
	}
	reply_rmpp(&r);
	reply_write("node-table-rmpp", FUZZ_SA_NODE_TABLE, &r);
}

/** Write the PortInfoRecord, P_Key and SwitchInfoRecord replies. */
static void
gen_ports(void)
{
	uint8_t rec[HCA_SA_PKEY_REC_LEN];
	struct reply r;

	reply_start(&r, HCA_METHOD_GET_TABLE_RESP, HCA_SA_ATTR_PORTINFO_REC,
		    0, 72);
	portinfo_rec(rec, 2);
	reply_add(&r, rec, HCA_SA_PORTINFO_REC_LEN, 72);
	portinfo_rec(rec, 3);
	reply_add(&r, rec, HCA_SA_PORTINFO_REC_LEN, 72);
	reply_rmpp(&r);
	reply_pad_mad(&r);
	reply_write("portinfo-table", FUZZ_SA_PORTINFO_TABLE, &r);

	memset(rec, 0, sizeof(rec));
	be16(rec, 2);
	rec[4] = 1;
	be16(rec + 8, 0xffff);
	be16(rec + 10, 0x8001);
	reply_start(&r, HCA_METHOD_GET_RESP, HCA_SA_ATTR_PKEY_TABLE_REC, 0,
		    72);
	reply_add(&r, rec, HCA_SA_PKEY_REC_LEN, 72);
	reply_pad_mad(&r);
	reply_write("pkey-block0", FUZZ_SA_PKEY_GET, &r);

	reply_start(&r, HCA_METHOD_GET_TABLE_RESP,
		    HCA_SA_ATTR_SWITCHINFO_REC, 0, 24);
	memset(rec, 0, sizeof(rec));
	be16(rec, 1);
	be16(rec + 4, 0xc000);       /* LinearFDBCap */
	be16(rec + 10, 5);           /* LinearFDBTop */
	reply_add(&r, rec, HCA_SA_SWITCHINFO_REC_LEN, 24);
	reply_rmpp(&r);
	reply_pad_mad(&r);
	reply_write("switch-table", FUZZ_SA_SWITCH_TABLE, &r);
}

/** Write the directed-route SMP PortInfo reply. */
static void
gen_smp(void)
{
	uint8_t mad[HCA_MAD_SIZE];

	hca_smp_portinfo_build(mad, FUZZ_SA_TID, 1);
	mad[3] = HCA_METHOD_GET_RESP;
	mad[4] = 0x80;               /* D bit: a response */
	mad[64 + 36] = 0x45;         /* NeighborMTU 4 (2048) */
	seed_write("sa_reply", "smp-portinfo", FUZZ_SA_SMP_PORTINFO, mad,
		   sizeof(mad));
}

/* ------------------------------------------------------------------ */
/* Packets                                                             */
/* ------------------------------------------------------------------ */

/** Header fields of a typical IPoIB unicast packet. */
static void
meta_unicast(struct hcasim_pkt_meta *m)
{
	memset(m, 0, sizeof(*m));
	m->slid = 1;
	m->dlid = 2;
	m->pkey = 0xffff;
	m->dest_qp = 0x48;
	m->psn = 7;
	m->qkey = 0x0b1b;
	m->src_qp = 0x49;
}

/**
 * Build a packet and write it as a seed of wire_pkt (and, with a flags
 * byte, of crc).
 *
 * @param corrupt_at  flip a bit of this byte (-1: none); the VCRC is
 *                    then recomputed when reseal is set (an ICRC error
 *                    that passes the link check)
 */
static void
packet_write(const char *name, const struct hcasim_pkt_meta *m,
	     size_t plen, int corrupt_at, bool reseal)
{
	static uint8_t payload[HCASIM_WIRE_MAX_PAYLOAD];
	static uint8_t pkt[HCASIM_WIRE_MAX_PKT];
	struct iovec iov = { .iov_base = payload, .iov_len = plen };
	size_t i, n;

	for (i = 0; i < plen; i++)
		payload[i] = (uint8_t)(i * 7 + 1);
	if (plen >= 4) {
		payload[0] = 0x08;   /* IPoIB header: IPv4 */
		payload[1] = 0x00;
		payload[2] = 0;
		payload[3] = 0;
	}
	n = hcasim_wire_build(m, &iov, 1, pkt, sizeof(pkt));
	if (n == 0) {
		fprintf(stderr, "gen: cannot build %s\n", name);
		exit(1);
	}
	if (corrupt_at >= 0)
		pkt[corrupt_at] ^= 0x10;
	if (reseal)
		hcasim_wire_seal(pkt, n);
	seed_write("wire_pkt", name, -1, pkt, n);
	if (n <= 600)
		seed_write("crc", name, m->grh ? 1 : 0, pkt, n);
}

/**
 * Write a packet longer than any IB MTU (payload 6000 bytes; PktLen
 * allows up to 8188), with its lengths and CRCs right: the builder
 * refuses such a payload, so it is made by hand from a built header.
 */
static void
packet_write_oversize(void)
{
	static uint8_t pkt[6200];
	const size_t hlen = HCASIM_LRH_LEN + HCASIM_BTH_LEN + HCASIM_DETH_LEN;
	const size_t plen = 6000, icrc_at = hlen + plen;
	const size_t len = icrc_at + HCASIM_ICRC_LEN + HCASIM_VCRC_LEN;
	struct hcasim_pkt_meta m;
	uint32_t icrc;
	size_t i;

	meta_unicast(&m);
	if (hcasim_wire_build(&m, NULL, 0, pkt, sizeof(pkt)) == 0)
		exit(1);
	for (i = 0; i < plen; i++)
		pkt[hlen + i] = (uint8_t)i;
	be16(pkt + 4, (uint16_t)((icrc_at + HCASIM_ICRC_LEN) / 4));
	icrc = hcasim_icrc(pkt, icrc_at, false);
	for (i = 0; i < 4; i++)
		pkt[icrc_at + i] = (uint8_t)(icrc >> (8 * i));
	hcasim_wire_seal(pkt, len);
	seed_write("wire_pkt", "local-oversize-6000", -1, pkt, len);
}

/** Write the packet seeds. */
static void
gen_packets(void)
{
	struct hcasim_pkt_meta m;

	meta_unicast(&m);
	packet_write("local-empty", &m, 0, -1, false);
	packet_write("local-1", &m, 1, -1, false);
	packet_write("local-2", &m, 2, -1, false);
	packet_write("local-3", &m, 3, -1, false);
	packet_write("local-ipv4-64", &m, 64, -1, false);
	packet_write("local-bad-vcrc", &m, 64, 30, false);
	m.solicited = true;
	m.sl = 3;
	m.vl = 1;
	packet_write("local-se-sl3", &m, 33, -1, false);
	meta_unicast(&m);
	m.grh = true;
	m.dlid = 0xc000;
	m.dest_qp = 0xffffff;
	m.hop_limit = 1;
	m.tclass = 0x12;
	m.flow_label = 0x12345;
	m.sgid.raw[0] = 0xfe;
	m.sgid.raw[1] = 0x80;
	m.sgid.raw[15] = 0x01;
	memcpy(m.dgid.raw, (uint8_t[16])FUZZ_SA_MGID, 16);
	packet_write("global-mcast-100", &m, 100, -1, false);
	packet_write("global-mcast-4096", &m, 4096, -1, false);
	packet_write("global-bad-icrc", &m, 100, 70, true);
	packet_write_oversize();
}

/** Write every seed into argv[1]. */
int
main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s OUTDIR\n", argv[0]);
		return 2;
	}
	out_dir = argv[1];
	if (mkdir(out_dir, 0755) != 0 && errno != EEXIST) {
		perror(out_dir);
		return 1;
	}
	gen_path();
	gen_mcmember();
	gen_nodes();
	gen_ports();
	gen_smp();
	gen_packets();
	printf("gen: %u seeds written to %s\n", n_written, out_dir);
	return 0;
}
