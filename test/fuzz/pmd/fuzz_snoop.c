/* SPDX-License-Identifier: BSD-3-Clause */

/**
 * @file
 * Fuzz harness snoop: the IGMP/MLD snooping of mode=eth's transmit path,
 * ipoib_snoop_tx(), on multicast frames of the fake port.
 *
 * Input: byte 0: bit 0 IPv6 (else IPv4), bit 1 set the IPv4 total length
 * / IPv6 payload length to the frame's, bit 2 set the checksums right
 * (IPv4 header, IGMP; ICMPv6 after the option headers); then the IP
 * packet.
 *
 * Checks, against a reader written here from RFC 2236/3376/2710/3810:
 * malformed or not (and mcast_snoop_malformed counts it), the exact list
 * of joins and leaves handed to the ring (MGIDs computed here), and the
 * frame left byte for byte as it was.
 */

#include <string.h>

#include <rte_ring.h>

#include "fuzz.h"
#include "fuzz_pmd.h"

#define SN_MAX_IN 2000
#define SN_MAX_REQ 1024

/** What the oracle expects. */
struct sn_expect {
	bool malformed;
	unsigned int n;
	bool join[SN_MAX_REQ];
	uint8_t group[SN_MAX_REQ][16];
	unsigned int glen;
};

static struct sn_expect ex;
static uint8_t orig[SN_MAX_IN + 14];

/** The fake port, with a ring for the snooped requests. */
static struct fuzz_port *
sn_port(void)
{
	struct fuzz_port *fp = fuzz_pmd_port(true);

	if (fp->eth->mc_snoop == NULL) {
		fp->eth->mc_snoop = rte_ring_create_elem("fuzz_snoop",
			sizeof(struct ipoib_eth_snoop_req), 4096,
			SOCKET_ID_ANY, RING_F_SP_ENQ | RING_F_SC_DEQ);
		FUZZ_CHECK(fp->eth->mc_snoop != NULL);
	}
	return fp;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	sn_port();
	return 0;
}

/** One's complement sum of bytes (big-endian words), not folded. */
static uint32_t
sn_sum(const uint8_t *p, uint32_t len, uint32_t sum)
{
	uint32_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	return sum;
}

/** Fold a sum to 16 bits. */
static uint16_t
sn_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

/** Write the checksum at p[at] over len bytes of p (plus a sum). */
static void
sn_set_cksum(uint8_t *p, uint32_t len, uint32_t at, uint32_t extra)
{
	uint16_t c;

	p[at] = p[at + 1] = 0;
	c = (uint16_t)~sn_fold(sn_sum(p, len, extra));
	p[at] = (uint8_t)(c >> 8);
	p[at + 1] = (uint8_t)c;
}

/** Expect one request for a group if it is multicast. */
static void
sn_want(struct sn_expect *e, int want, const uint8_t *g, unsigned int glen)
{
	bool mc = glen == 4 ? (g[0] >> 4) == 0xe : g[0] == 0xff;

	if (want < 0 || !mc)
		return;
	FUZZ_CHECK(e->n < SN_MAX_REQ);
	e->join[e->n] = want == 1;
	memset(e->group[e->n], 0, 16);
	memcpy(e->group[e->n], g, glen);
	e->n++;
}

/** 1 join, 0 leave, -1 nothing: a v3/v2 record of type t, ns sources. */
static int
sn_record(uint8_t t, uint32_t ns)
{
	if (t == 2 || t == 4)
		return 1;
	if (t == 1 || t == 3)
		return ns ? 1 : 0;
	if (t == 5 && ns)
		return 1;
	return -1;
}

/** Expect the records of a v3/v2 report (msg of len bytes). */
static void
sn_records(struct sn_expect *e, const uint8_t *msg, uint32_t len,
	   unsigned int glen)
{
	uint32_t nrec = fuzz_be16(msg + 6), i, at = 8;
	struct sn_expect tmp;

	tmp.n = 0;
	for (i = 0; i < nrec; i++) {
		uint32_t ns, size;

		if (at + 4 + glen > len) {
			e->malformed = true;
			return;
		}
		ns = fuzz_be16(msg + at + 2);
		size = 4 + glen + ns * glen + 4u * msg[at + 1];
		if (at + size > len) {
			e->malformed = true;
			return;
		}
		sn_want(&tmp, sn_record(msg[at], ns), msg + at + 4, glen);
		at += size;
	}
	for (i = 0; i < tmp.n; i++)
		sn_want(e, tmp.join[i], tmp.group[i], glen);
}

/** The oracle for an IPv4 packet of len bytes (fixing it first). */
static void
sn_expect_v4(uint8_t *ip, uint32_t len, uint8_t flags, struct sn_expect *e)
{
	uint32_t hl, tot;
	uint8_t *igmp;

	if (len < 20 || ip[9] != 2)
		return;
	hl = 4u * (ip[0] & 15);
	if ((flags & 2) && len <= 0xffff) {
		ip[2] = (uint8_t)(len >> 8);
		ip[3] = (uint8_t)len;
	}
	tot = fuzz_be16(ip + 2);
	if ((flags & 4) && hl >= 20 && hl <= len) {
		sn_set_cksum(ip, hl, 10, 0);
		if (tot <= len && tot >= hl + 4)
			sn_set_cksum(ip + hl, tot - hl, 2, 0);
	}
	if ((ip[0] >> 4) != 4 || hl < 20 || tot > len || tot < hl + 8 ||
	    sn_fold(sn_sum(ip, hl, 0)) != 0xffff) {
		e->malformed = true;
		return;
	}
	igmp = ip + hl;
	if (igmp[0] != 0x12 && igmp[0] != 0x16 && igmp[0] != 0x17 &&
	    igmp[0] != 0x22)
		return;
	if (sn_fold(sn_sum(igmp, tot - hl, 0)) != 0xffff) {
		e->malformed = true;
		return;
	}
	if (igmp[0] == 0x22)
		sn_records(e, igmp, tot - hl, 4);
	else
		sn_want(e, igmp[0] == 0x17 ? 0 : 1, igmp + 4, 4);
}

/** The oracle for an IPv6 packet of len bytes (fixing it first). */
static void
sn_expect_v6(uint8_t *ip, uint32_t len, uint8_t flags, struct sn_expect *e)
{
	uint32_t end, at = 40, mlen, sum;
	uint8_t nh, *msg, ph[8];

	if (len < 40 || (ip[6] != 0 && ip[6] != 58))
		return;
	if ((flags & 2) && len - 40 <= 0xffff) {
		ip[4] = (uint8_t)((len - 40) >> 8);
		ip[5] = (uint8_t)(len - 40);
	}
	end = 40u + fuzz_be16(ip + 4);
	nh = ip[6];
	while (nh == 0 || nh == 60) {
		uint32_t lim = end < len ? end : len;

		if (at + 8 > lim || at + 8u * (ip[at + 1] + 1u) > lim) {
			e->malformed = end <= len;
			return;
		}
		nh = ip[at];
		at += 8u * (ip[at + 1] + 1u);
	}
	if (nh != 58 || at >= (end < len ? end : len))
		return;
	msg = ip + at;
	if (msg[0] != 131 && msg[0] != 132 && msg[0] != 143)
		return;
	if (end > len) {
		e->malformed = true;
		return;
	}
	mlen = end - at;
	memset(ph, 0, sizeof(ph));
	ph[0] = (uint8_t)(mlen >> 24);
	ph[1] = (uint8_t)(mlen >> 16);
	ph[2] = (uint8_t)(mlen >> 8);
	ph[3] = (uint8_t)mlen;
	ph[7] = 58;
	sum = sn_sum(ph, 8, sn_sum(ip + 8, 32, 0));
	if ((flags & 4) && mlen >= 4)
		sn_set_cksum(msg, mlen, 2, sum);
	if (mlen < (msg[0] == 143 ? 8u : 24u) ||
	    sn_fold(sn_sum(msg, mlen, sum)) != 0xffff) {
		e->malformed = true;
		return;
	}
	if (msg[0] == 143)
		sn_records(e, msg, mlen, 16);
	else
		sn_want(e, msg[0] == 132 ? 0 : 1, msg + 8, 16);
}

/** The MGID of a group (RFC 4391 section 4), built here. */
static void
sn_mgid(const struct fuzz_port *fp, const uint8_t *g, unsigned int glen,
	union hca_gid *mgid)
{
	*mgid = fp->priv->bcast_mgid;
	memset(mgid->raw + 6, 0, 10);
	if (glen == 4) {
		mgid->raw[2] = 0x40;
		mgid->raw[3] = 0x1b;
		mgid->raw[12] = g[0] & 0x0f;
		memcpy(mgid->raw + 13, g + 1, 3);
	} else {
		mgid->raw[2] = 0x60;
		mgid->raw[3] = 0x1b;
		memcpy(mgid->raw + 6, g + 6, 10);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_port *fp = sn_port();
	struct ipoib_eth *eth = fp->eth;
	struct ipoib_eth_txq *q = &eth->txq[0];
	struct ipoib_eth_snoop_req r;
	uint8_t pkt[SN_MAX_IN + 14];
	uint64_t mal0 = q->st.snoop_malformed;
	struct rte_mbuf *m;
	uint32_t len, i;
	bool v6, ok;

	if (size < 1 || size - 1 > SN_MAX_IN)
		return 0;
	v6 = data[0] & 1;
	len = 14 + (uint32_t)(size - 1);
	memset(pkt, 0, 14);
	if (v6) {
		pkt[0] = pkt[1] = 0x33;
		pkt[5] = 0x16;
		pkt[12] = 0x86;
		pkt[13] = 0xdd;
	} else {
		pkt[0] = 0x01;
		pkt[2] = 0x5e;
		pkt[5] = 0x16;
		pkt[12] = 0x08;
	}
	memcpy(pkt + 14, data + 1, size - 1);
	memset(&ex, 0, sizeof(ex));
	ex.glen = v6 ? 16 : 4;
	if (v6)
		sn_expect_v6(pkt + 14, len - 14, data[0], &ex);
	else
		sn_expect_v4(pkt + 14, len - 14, data[0], &ex);
	if (ex.malformed)
		ex.n = 0;
	m = fuzz_pmd_mbuf(fp, RTE_PKTMBUF_HEADROOM, pkt, len);
	FUZZ_CHECK(m != NULL);
	memcpy(orig, pkt, len);
	ok = ipoib_snoop_tx(eth, q, m);
	FUZZ_CHECK(ok == !ex.malformed);
	FUZZ_CHECK(q->st.snoop_malformed == mal0 + (ex.malformed ? 1 : 0));
	FUZZ_CHECK(m->data_len == len && m->pkt_len == len);
	FUZZ_CHECK(memcmp(rte_pktmbuf_mtod(m, uint8_t *), orig, len) == 0);
	for (i = 0; i < ex.n; i++) {
		union hca_gid mgid;

		FUZZ_CHECK(rte_ring_sc_dequeue_elem(eth->mc_snoop, &r,
						    sizeof(r)) == 0);
		sn_mgid(fp, ex.group[i], ex.glen, &mgid);
		FUZZ_CHECK(r.join == ex.join[i]);
		FUZZ_CHECK(memcmp(&r.mgid, &mgid, sizeof(mgid)) == 0);
	}
	FUZZ_CHECK(rte_ring_count(eth->mc_snoop) == 0);
	rte_pktmbuf_free(m);
	FUZZ_CHECK(rte_mempool_avail_count(fp->mp) ==
		   FUZZ_PMD_MBUFS - FUZZ_PMD_DESC);
	return 0;
}
