/* SPDX-License-Identifier: BSD-3-Clause */

/**
 * @file
 * The fake net_ipoib port of the PMD harnesses (see fuzz_pmd.h): EAL
 * without hugepages, a pool, the port's private state as probe and start
 * would leave it, a receive queue whose device is memory, and a peer
 * cache holding peers of every kind (resolved, resolving, failed,
 * removed, groups) plus a second live cache whose tags are foreign.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>

#include "fuzz.h"
#include "fuzz_pmd.h"

/** The port's own QPN, LID and GID (interface id ...1001). */
#define FUZZ_OWN_QPN 0x000101
#define FUZZ_OWN_LID 1
/** Q_Key of the broadcast group. */
#define FUZZ_QKEY 0x0b1b

static struct fuzz_port fuzz_port;
static bool fuzz_port_ready;
static struct rte_eth_dev fuzz_dev;
static struct rte_eth_dev_data fuzz_dev_data;
static struct rte_ether_addr fuzz_dev_macs[1];
static struct mlx5_cqe64 fuzz_cqes[FUZZ_PMD_CQES] __rte_aligned(64);
static struct mlx5_wqe_data_seg fuzz_rq[FUZZ_PMD_DESC];
static uint32_t fuzz_rq_dbrec[2];
static uint32_t fuzz_cq_dbrec[2];
static struct rte_mbuf *fuzz_elts[FUZZ_PMD_DESC];
/** One range over every address, as the table the data path reads. */
static struct {
	struct hca_mr_table t;
	struct hca_mr_range r[1];
} fuzz_table;
static struct hca_mr_map fuzz_mrs;
/** A second live cache: its tags are foreign to the port's. */
static struct ipoib_peer_cache *fuzz_foreign;

/** Start EAL once (no hugepages, no devices, quiet). */
static void
fuzz_eal_init(void)
{
	char *argv[] = {
		"fuzz_pmd", "--no-huge", "-m", "64", "--no-pci",
		"--no-shconf", "--no-telemetry", "-l", "0",
		"--log-level", "*:error", NULL,
	};

	if (rte_eal_init((int)RTE_DIM(argv) - 1, argv) < 0) {
		fprintf(stderr, "fuzz_pmd: EAL init failed\n");
		exit(2);
	}
}

/** A GID fe80::2:c903:0:<id>. */
static void
fuzz_gid_local(union hca_gid *gid, uint16_t id)
{
	static const uint8_t base[16] = {
		0xfe, 0x80, 0, 0, 0, 0, 0, 0,
		0x00, 0x02, 0xc9, 0x03, 0x00, 0x00, 0x00, 0x00,
	};

	memcpy(gid->raw, base, sizeof(base));
	gid->raw[14] = (uint8_t)(id >> 8);
	gid->raw[15] = (uint8_t)id;
}

/**
 * Put one peer into the cache and the oracle table.
 *
 * @param i     its index in the table
 * @param kind  what it becomes
 * @param qpn   its QPN (IPOIB_MCAST_QPN for groups)
 * @param gid   its GID or MGID
 * @param lid   its LID or MLID
 */
static void
fuzz_peer_add(struct fuzz_port *fp, unsigned int i, enum fuzz_peer_kind kind,
	      uint32_t qpn, const union hca_gid *gid, uint16_t lid)
{
	struct ipoib_peer_cache *pc = fp->priv->peers;
	struct fuzz_peer *f = &fp->peers[i];
	struct ipoib_path path = { .lid = lid, .sl = 0, .hop_limit = 1 };
	uint8_t flags = kind == FUZZ_PEER_GROUP ?
		IPOIB_PEER_F_MCAST | IPOIB_PEER_F_STATIC : 0;
	uint16_t key;

	ipoib_hwaddr_make(&f->addr, qpn, gid);
	f->lid = lid;
	f->kind = kind;
	FUZZ_CHECK(ipoib_peer_insert(pc, &f->addr, flags, &key) == 1);
	f->tag = ipoib_peer_tag(ipoib_peer_get(pc, key));
	if (kind == FUZZ_PEER_RESOLVED || kind == FUZZ_PEER_GROUP ||
	    kind == FUZZ_PEER_STALE)
		FUZZ_CHECK(ipoib_peer_resolve(pc, key, &path, FUZZ_QKEY) == 0);
	if (kind == FUZZ_PEER_FAILED)
		FUZZ_CHECK(ipoib_peer_fail(pc, key) == 0);
	if (kind == FUZZ_PEER_STALE)
		FUZZ_CHECK(ipoib_peer_remove(pc, key) == 0);
	if (kind == FUZZ_PEER_GROUP && i == 5)
		fp->priv->bcast_key = key;
}

/** Fill the cache: unicast peers of every state and three groups. */
static void
fuzz_peers_fill(struct fuzz_port *fp)
{
	struct ipoib_priv *priv = fp->priv;
	static const uint8_t all_nodes[16] = { 0xff, 0x02, [15] = 1 };
	union hca_gid gid;
	uint16_t key;

	fuzz_gid_local(&gid, 0x1002);
	fuzz_peer_add(fp, 0, FUZZ_PEER_RESOLVED, 0x000102, &gid, 2);
	fuzz_gid_local(&gid, 0x1003);
	fuzz_peer_add(fp, 1, FUZZ_PEER_RESOLVED, 0x000103, &gid, 3);
	fuzz_gid_local(&gid, 0x1004);
	fuzz_peer_add(fp, 2, FUZZ_PEER_RESOLVING, 0x000104, &gid, 4);
	fuzz_gid_local(&gid, 0x1005);
	fuzz_peer_add(fp, 3, FUZZ_PEER_FAILED, 0x000105, &gid, 5);
	fuzz_gid_local(&gid, 0x1006);
	fuzz_peer_add(fp, 4, FUZZ_PEER_STALE, 0x000106, &gid, 6);
	fuzz_peer_add(fp, 5, FUZZ_PEER_GROUP, IPOIB_MCAST_QPN,
		      &priv->bcast_mgid, 0xc000);
	ipoib_mgid_of_ipv4(rte_cpu_to_be_32(0xe0000001), &priv->bcast_mgid,
			   &gid);
	fuzz_peer_add(fp, 6, FUZZ_PEER_GROUP, IPOIB_MCAST_QPN, &gid, 0xc001);
	ipoib_mgid_of_ipv6(all_nodes, &priv->bcast_mgid, &gid);
	fuzz_peer_add(fp, 7, FUZZ_PEER_GROUP, IPOIB_MCAST_QPN, &gid, 0xc002);
	/* a live foreign cache with one peer */
	fuzz_foreign = ipoib_peer_cache_create("fuzz_foreign", 16,
					       IPOIB_RCU_READERS, SOCKET_ID_ANY);
	FUZZ_CHECK(fuzz_foreign != NULL);
	FUZZ_CHECK(ipoib_peer_insert(fuzz_foreign, &fp->peers[0].addr, 0,
				     &key) == 1);
}

/** The port's identity, as start leaves it (QPN, LID, GIDs, MTU). */
static void
fuzz_priv_fill(struct ipoib_priv *priv, bool eth)
{
	static const uint8_t bcast[16] = {
		0xff, 0x12, 0x40, 0x1b, 0xff, 0xff, 0, 0,
		0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff,
	};

	fuzz_dev_data.port_id = 0;
	fuzz_dev_data.mac_addrs = fuzz_dev_macs;
	fuzz_dev.data = &fuzz_dev_data;
	priv->dev = &fuzz_dev;
	snprintf(priv->name, sizeof(priv->name), "net_ipoib_fuzz");
	priv->args.mode = eth ? IPOIB_MODE_ETH : IPOIB_MODE_RAW;
	priv->attr.port.port_guid = 0x0002c90300001001ULL;
	priv->qpn = FUZZ_OWN_QPN;
	priv->lid = FUZZ_OWN_LID;
	fuzz_gid_local(&priv->gid, 0x1001);
	priv->mtu = 2044;
	priv->qkey = FUZZ_QKEY;
	memcpy(priv->bcast_mgid.raw, bcast, sizeof(bcast));
	priv->mrs = &fuzz_mrs;
	fuzz_table.t.ranges[0].start = 0;
	fuzz_table.t.ranges[0].end = UINTPTR_MAX;
	fuzz_table.t.ranges[0].lkey = FUZZ_PMD_LKEY;
	fuzz_table.t.n = 1;
	fuzz_table.t.max = 1;
	fuzz_mrs.table = &fuzz_table.t;
	fuzz_mrs.max = 1;
	priv->learn = rte_ring_create_elem("fuzz_learn",
		sizeof(struct ipoib_learn), IPOIB_CTRL_RING_SIZE,
		SOCKET_ID_ANY, RING_F_SC_DEQ);
	FUZZ_CHECK(priv->learn != NULL);
}

/** Queue 0 on the memory device: its QP, CQ, and a full ring. */
static void
fuzz_rxq_fill(struct fuzz_port *fp)
{
	struct ipoib_rxq *rxq = &fp->priv->rxq[0];
	unsigned int i;

	for (i = 0; i < FUZZ_PMD_CQES; i++)
		fuzz_cqes[i].op_own = MLX5_CQE_INVALID << 4;
	fp->cq.cqes = fuzz_cqes;
	fp->cq.cqe_cnt = FUZZ_PMD_CQES;
	fp->cq.dbrec = fuzz_cq_dbrec;
	fp->qp.qpn = FUZZ_OWN_QPN;
	fp->qp.wire_qpn = FUZZ_OWN_QPN;
	fp->qp.rq_buf = fuzz_rq;
	fp->qp.rq_wqe_cnt = FUZZ_PMD_DESC;
	fp->qp.dbrec = fuzz_rq_dbrec;
	fp->qp.recv_cq = &fp->cq;
	rxq->priv = fp->priv;
	rxq->idx = 0;
	rxq->port_id = 0;
	rxq->mp = fp->mp;
	rxq->nb_desc = FUZZ_PMD_DESC;
	rxq->qp = &fp->qp;
	rxq->cq = &fp->cq;
	rxq->elts = fuzz_elts;
	fp->priv->nb_rxq = 1;
	fp->rxq = rxq;
	FUZZ_CHECK(ipoib_rxq_fill(rxq) == 0);
}

struct fuzz_port *
fuzz_pmd_port(bool eth)
{
	struct fuzz_port *fp = &fuzz_port;

	if (fuzz_port_ready)
		return fp;
	fuzz_eal_init();
	FUZZ_CHECK(ipoib_rx_dynflag_register() == 0);
	fp->priv = rte_zmalloc("fuzz_priv", sizeof(*fp->priv),
			       RTE_CACHE_LINE_SIZE);
	FUZZ_CHECK(fp->priv != NULL);
	fuzz_priv_fill(fp->priv, eth);
	fp->mp = rte_pktmbuf_pool_create("fuzz_pool", FUZZ_PMD_MBUFS, 0, 0,
					 RTE_PKTMBUF_HEADROOM + FUZZ_PMD_ROOM,
					 SOCKET_ID_ANY);
	FUZZ_CHECK(fp->mp != NULL);
	fp->priv->peers = ipoib_peer_cache_create("fuzz_peers", 16,
						  IPOIB_RCU_READERS,
						  SOCKET_ID_ANY);
	FUZZ_CHECK(fp->priv->peers != NULL);
	ipoib_peer_reader_online(fp->priv->peers, 0);
	fuzz_peers_fill(fp);
	fuzz_rxq_fill(fp);
	if (eth) {
		fp->eth = ipoib_eth_create(fp->priv);
		FUZZ_CHECK(fp->eth != NULL);
	}
	fuzz_port_ready = true;
	return fp;
}

bool
fuzz_pmd_complete(struct fuzz_port *fp, uint8_t opcode, uint32_t byte_cnt,
		  bool grh, uint32_t src_qpn, uint16_t slid, uint8_t sl,
		  uint32_t rss_hash, const uint8_t *bytes, uint32_t len)
{
	uint32_t wqe = fp->rxq->rq_tail + fp->pending;
	uint32_t ci = fp->cq.cons_index + fp->pending;
	const struct mlx5_wqe_data_seg *seg =
		&fuzz_rq[wqe & (FUZZ_PMD_DESC - 1)];
	struct mlx5_cqe64 *cqe = &fuzz_cqes[ci & (FUZZ_PMD_CQES - 1)];
	uint8_t *buf = (uint8_t *)(uintptr_t)be64toh(seg->addr);
	uint32_t room = be32toh(seg->byte_count);
	uint32_t n = RTE_MIN(RTE_MIN(len, byte_cnt), room);

	if (wqe - fp->rxq->rq_tail >= fuzz_pmd_posted(fp))
		return false;
	FUZZ_CHECK(be32toh(seg->lkey) == FUZZ_PMD_LKEY);
	memcpy(buf, bytes, n);
	if (byte_cnt > n)
		memset(buf + n, 0, RTE_MIN(byte_cnt, room) - n);
	memset(cqe, 0, sizeof(*cqe));
	cqe->byte_cnt = htobe32(byte_cnt);
	cqe->flags_rqpn = htobe32((grh ? 1u << 28 : 0) |
				  (uint32_t)(sl & 0xf) << 24 |
				  (src_qpn & 0xffffff));
	cqe->slid = htobe16(slid);
	cqe->wqe_counter = htobe16((uint16_t)wqe);
	cqe->sop_drop_qpn = htobe32(FUZZ_OWN_QPN);
	hca_cqe_set_rx_hash(cqe, rss_hash, rss_hash != 0 ?
			    HCA_CQE_RSS_IPV4 : 0);
	__atomic_store_n(&cqe->op_own, (uint8_t)(opcode << 4 |
			 ((ci / FUZZ_PMD_CQES) & 1)), __ATOMIC_RELEASE);
	fp->pending++;
	return true;
}

uint32_t
fuzz_pmd_posted(const struct fuzz_port *fp)
{
	return fp->qp.rq_head - fp->rxq->rq_tail;
}

void
fuzz_pmd_check_mbufs(const struct fuzz_port *fp)
{
	FUZZ_CHECK(fuzz_pmd_posted(fp) == FUZZ_PMD_DESC);
	FUZZ_CHECK(rte_mempool_avail_count(fp->mp) ==
		   FUZZ_PMD_MBUFS - FUZZ_PMD_DESC);
}

const struct fuzz_peer *
fuzz_pmd_peer_of_addr(const struct fuzz_port *fp,
		      const struct ipoib_hwaddr *addr)
{
	unsigned int i;

	for (i = 0; i < FUZZ_PMD_NPEERS; i++)
		if (memcmp(&fp->peers[i].addr.qpn, addr->qpn,
			   sizeof(*addr) - 1) == 0)
			return &fp->peers[i];
	return NULL;
}

/** Whether a peer of the table is a live unicast one. */
static bool
fuzz_peer_is_live_unicast(const struct fuzz_peer *p)
{
	return p->kind == FUZZ_PEER_RESOLVED ||
		p->kind == FUZZ_PEER_RESOLVING || p->kind == FUZZ_PEER_FAILED;
}

bool
fuzz_pmd_expect_mac(const struct fuzz_port *fp,
		    const struct ipoib_hwaddr *addr, struct rte_ether_addr *mac)
{
	const struct fuzz_peer *p;

	if (ipoib_hwaddr_qpn(addr) == fp->priv->qpn &&
	    memcmp(&addr->gid, &fp->priv->gid, sizeof(addr->gid)) == 0) {
		*mac = fp->eth->own_mac;
		return true;
	}
	p = fuzz_pmd_peer_of_addr(fp, addr);
	if (p == NULL || !fuzz_peer_is_live_unicast(p))
		return false;
	return ipoib_mac_of_tag(p->tag, fuzz_pmd_tag_base(fp), mac);
}

bool
fuzz_pmd_expect_addr(const struct fuzz_port *fp,
		     const struct rte_ether_addr *mac, struct ipoib_hwaddr *addr)
{
	struct rte_ether_addr m;
	unsigned int i;

	if (rte_is_same_ether_addr(mac, &fp->eth->own_mac)) {
		ipoib_hwaddr_make(addr, fp->priv->qpn, &fp->priv->gid);
		return true;
	}
	for (i = 0; i < FUZZ_PMD_NPEERS; i++) {
		const struct fuzz_peer *p = &fp->peers[i];

		if (fuzz_peer_is_live_unicast(p) &&
		    ipoib_mac_of_tag(p->tag, fuzz_pmd_tag_base(fp), &m) &&
		    rte_is_same_ether_addr(&m, mac)) {
			*addr = p->addr;
			return true;
		}
	}
	return false;
}

bool
fuzz_pmd_pick_addr(const struct fuzz_port *fp, uint8_t sel,
		   struct ipoib_hwaddr *addr)
{
	if (sel < FUZZ_PMD_NPEERS) {
		*addr = fp->peers[sel].addr;
		return true;
	}
	if (sel == FUZZ_PMD_NPEERS) {
		ipoib_hwaddr_make(addr, fp->priv->qpn, &fp->priv->gid);
		return true;
	}
	return false;
}

bool
fuzz_pmd_pick_mac(const struct fuzz_port *fp, uint8_t sel,
		  struct rte_ether_addr *mac)
{
	uint64_t tag;

	if (sel < FUZZ_PMD_NPEERS) {
		tag = fp->peers[sel].tag;
		/* a group's tag as a MAC: it must mean nobody */
		return ipoib_mac_of_tag(tag, fuzz_pmd_tag_base(fp), mac);
	}
	switch (sel - FUZZ_PMD_NPEERS) {
	case 0:
		*mac = fp->eth->own_mac;
		return true;
	case 1:
		memset(mac, 0, sizeof(*mac));
		return true;
	case 2:
		memset(mac, 0xff, sizeof(*mac));
		return true;
	case 3: /* the MAC the foreign cache gives its peer */
		tag = ipoib_peer_tag(ipoib_peer_get(fuzz_foreign,
			ipoib_peer_lookup(fuzz_foreign, &fp->peers[0].addr)));
		return ipoib_mac_of_tag(tag, ipoib_peer_tag_base(fuzz_foreign),
					mac);
	default:
		return false;
	}
}

struct rte_mbuf *
fuzz_pmd_mbuf(struct fuzz_port *fp, uint16_t headroom, const uint8_t *data,
	      uint32_t len)
{
	struct rte_mbuf *m;

	if ((uint32_t)headroom + len > RTE_PKTMBUF_HEADROOM + FUZZ_PMD_ROOM)
		return NULL;
	m = rte_pktmbuf_alloc(fp->mp);
	FUZZ_CHECK(m != NULL);
	m->data_off = headroom;
	memcpy(rte_pktmbuf_mtod(m, uint8_t *), data, len);
	m->data_len = (uint16_t)len;
	m->pkt_len = len;
	return m;
}

uint32_t
fuzz_pmd_sum(uint32_t sum, const uint8_t *p, uint32_t n)
{
	uint32_t i;

	for (i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (n & 1)
		sum += (uint32_t)p[n - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return sum;
}
