/* SPDX-License-Identifier: BSD-3-Clause */

/**
 * @file
 * Shared parts of the data-plane fault tests (see fd.h): payloads, the
 * PMD's port, hcasim's counters and device-API hosts with many QPs.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rte_cycles.h>

#include "fd.h"

unsigned int failures;
uint16_t fd_port;
struct rte_mempool *fd_pool;
unsigned int fd_nb_mbuf;
struct rte_ipoib_addr fd_own;
uint16_t fd_own_lid;

/** Counter names in `hcasim --status`, in enum fd_ctr order. */
static const char *const fd_ctr_names[FD_NCTR] = {
	"xmit_packets", "rcv_packets", "xmit_discards",
	"rcv_discards_no_qp", "rcv_discards_qkey", "rcv_discards_pkey",
	"rcv_discards_no_buffer", "rcv_discards_wire", "rcv_errors_icrc",
	"rcv_errors_vcrc", "rcv_errors", "cq_overruns",
};

/* ------------------------------------------------------------ payload */

/** FNV-1a over len bytes at p: the payload checksum. */
uint32_t
fd_checksum(const uint8_t *p, uint32_t len)
{
	uint32_t h = 2166136261u, i;

	for (i = 0; i < len; i++)
		h = (h ^ p[i]) * 16777619u;
	return h;
}

/** Store a 32-bit value little endian at p. */
static void
fd_put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

/** Load a little-endian 32-bit value from p. */
static uint32_t
fd_get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
		(uint32_t)p[3] << 24;
}

/**
 * Write a test payload of len bytes (at least 20): magic, sender,
 * sequence, length, a fill derived from both, checksum in the last 4.
 */
void
fd_payload_fill(uint8_t *p, uint32_t len, uint32_t sender, uint32_t seq)
{
	uint32_t i;

	fd_put32(p, FD_MAGIC);
	fd_put32(p + 4, sender);
	fd_put32(p + 8, seq);
	fd_put32(p + 12, len);
	for (i = 16; i < len - 4; i++)
		p[i] = (uint8_t)(seq * 31 + sender + i);
	fd_put32(p + len - 4, fd_checksum(p, len - 4));
}

/**
 * Check a payload of len bytes as received.
 *
 * @param sender, seq  set from the payload when it is intact
 * @return 0 when intact, -1 when anything is wrong
 */
int
fd_payload_check(const uint8_t *p, uint32_t len, uint32_t *sender,
		 uint32_t *seq)
{
	if (len < 20 || fd_get32(p) != FD_MAGIC || fd_get32(p + 12) != len ||
	    fd_get32(p + len - 4) != fd_checksum(p, len - 4))
		return -1;
	*sender = fd_get32(p + 4);
	*seq = fd_get32(p + 8);
	return 0;
}

/* -------------------------------------------------------------- time */

/** A TSC deadline seconds from now. */
uint64_t
fd_deadline(double seconds)
{
	return rte_get_tsc_cycles() + (uint64_t)(seconds * rte_get_tsc_hz());
}

/** Whether a deadline has passed. */
bool
fd_expired(uint64_t deadline)
{
	return rte_get_tsc_cycles() >= deadline;
}

/** Sleep ms milliseconds. */
void
fd_sleep_ms(unsigned int ms)
{
	usleep(ms * 1000u);
}

/**
 * A receive callback of fd_host_poll(): count (in *(uint64_t *)arg) the
 * packets that carry an intact test payload.
 */
void
fd_count_intact(struct fd_host *h, unsigned int slot, const uint8_t *pkt,
		uint32_t len, bool grh, void *arg)
{
	uint32_t sender, seq;

	RTE_SET_USED(h);
	RTE_SET_USED(slot);
	RTE_SET_USED(grh);
	if (len == 4 + FD_PAYLOAD &&
	    fd_payload_check(pkt + 4, FD_PAYLOAD, &sender, &seq) == 0)
		(*(uint64_t *)arg)++;
}

/* --------------------------------------------------------------- PMD */

/** An xstat of the PMD's port by name (absent: a failure, UINT64_MAX). */
uint64_t
fd_xstat(const char *name)
{
	return ipoib_test_xstat(fd_port, name);
}

/**
 * Configure port 0 (one queue pair), start it, read its address and LID.
 *
 * @param nb_mbuf  mbufs in the pool
 * @return 0 or -1
 */
int
fd_port_start(unsigned int nb_mbuf)
{
	struct rte_eth_conf conf;
	struct hca_port_info pi;

	memset(&conf, 0, sizeof(conf));
	fd_port = 0;
	fd_nb_mbuf = nb_mbuf;
	fd_pool = rte_pktmbuf_pool_create("fd_pool", nb_mbuf, 0, 0,
					  RTE_MBUF_DEFAULT_BUF_SIZE, 0);
	if (fd_pool == NULL ||
	    rte_eth_dev_configure(fd_port, 1, 1, &conf) < 0 ||
	    rte_eth_rx_queue_setup(fd_port, 0, 256, 0, NULL, fd_pool) < 0 ||
	    rte_eth_tx_queue_setup(fd_port, 0, 256, 0, NULL) < 0 ||
	    rte_eth_dev_start(fd_port) < 0)
		return -1;
	if (hca_port_query(NULL, 1, &pi) != 0)
		return -1;
	fd_own_lid = pi.lid;
	return rte_pmd_ipoib_own_addr(fd_port, &fd_own);
}

/**
 * A PMD packet: IPoIB header with a destination key, then a test
 * payload from sender (the PMD's QPN) with a sequence number.
 */
struct rte_mbuf *
fd_pmd_pkt(uint16_t key, uint32_t sender, uint32_t seq)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(fd_pool);
	struct rte_ipoib_hdr *h;

	if (m == NULL)
		return NULL;
	h = (struct rte_ipoib_hdr *)rte_pktmbuf_append(m, sizeof(*h) +
						       FD_PAYLOAD);
	h->proto = rte_cpu_to_be_16(FD_PROTO);
	h->key = rte_cpu_to_be_16(key);
	fd_payload_fill((uint8_t *)(h + 1), FD_PAYLOAD, sender, seq);
	return m;
}

/**
 * Transmit n packets, retrying while the ring is full (at most 2 s).
 *
 * @return how many the PMD took (the rest are freed)
 */
unsigned int
fd_pmd_send(struct rte_mbuf **pkts, unsigned int n)
{
	uint64_t end = fd_deadline(2);
	unsigned int done = 0;

	while (done < n && !fd_expired(end)) {
		uint16_t k = rte_eth_tx_burst(fd_port, 0, pkts + done,
					      (uint16_t)(n - done));

		done += k;
		if (done < n)
			usleep(100);
	}
	if (done < n)
		rte_pktmbuf_free_bulk(pkts + done, n - done);
	return done;
}

/* ------------------------------------------------------------ hcasim */

/** Find "name":NUMBER after p (before end, when end is not NULL). */
static long long
fd_json_number(const char *p, const char *end, const char *name)
{
	char key[96];
	const char *q;

	snprintf(key, sizeof(key), "\"%s\":", name);
	q = strstr(p, key);
	if (q == NULL || (end != NULL && q > end))
		return -1;
	return strtoll(q + strlen(key), NULL, 10);
}

/** Read all of `hcasim --status` into a malloc'ed string (NULL on error). */
static char *
fd_status_json(void)
{
	const char *build = getenv("IPOIB_BUILD");
	const char *sock = getenv("HCASIM_SOCKET");
	char cmd[1024], *json = NULL;
	size_t cap = 0, len = 0, r;
	FILE *f;

	if (build == NULL || sock == NULL)
		return NULL;
	snprintf(cmd, sizeof(cmd),
		 "timeout 20 %s/app/hcasim/hcasim --status --socket %s",
		 build, sock);
	f = popen(cmd, "r");
	if (f == NULL)
		return NULL;
	do {
		if (len + 4097 > cap) {
			char *n = realloc(json, cap + 65536);

			if (n == NULL)
				break;
			json = n;
			cap += 65536;
		}
		r = fread(json + len, 1, 4096, f);
		len += r;
	} while (r > 0);
	pclose(f);
	if (json != NULL)
		json[len] = '\0';
	return json;
}

/**
 * Read a host's port counters and the wire's from `hcasim --status`.
 *
 * @return 0, or -1 when the status cannot be read or parsed
 */
int
fd_counters_read(const char *host, struct fd_counters *c)
{
	char *json = fd_status_json(), key[96];
	const char *p, *end;
	int i, ret = 0;

	memset(c, 0, sizeof(*c));
	if (json == NULL)
		return -1;
	snprintf(key, sizeof(key), "\"host\":\"%s\",", host);
	p = strstr(json, key);
	if (p == NULL) {
		free(json);
		return -1;
	}
	end = strstr(p + 1, "\"host\":");
	for (i = 0; i < FD_NCTR; i++) {
		c->port[i] = fd_json_number(p, end, fd_ctr_names[i]);
		if (c->port[i] < 0)
			ret = -1;
	}
	p = strstr(json, "\"wire\":{");
	if (p != NULL) {
		c->wire_dropped = fd_json_number(p, NULL, "dropped");
		c->wire_corrupted = fd_json_number(p, NULL, "corrupted");
	}
	free(json);
	return ret;
}

/** How much a counter grew from a to b. */
long long
fd_delta(const struct fd_counters *a, const struct fd_counters *b,
	 enum fd_ctr ctr)
{
	return b->port[ctr] - a->port[ctr];
}

/**
 * Every receive-side loss of a port between a and b: wire drops, caught
 * corruption, other wire refusals, no buffer, no QP, Q_Key, P_Key.
 */
long long
fd_rx_drops(const struct fd_counters *a, const struct fd_counters *b)
{
	static const enum fd_ctr drops[] = {
		FD_WIRE_DROP, FD_ICRC, FD_VCRC, FD_RCV_ERRORS, FD_NO_BUFFER,
		FD_NO_QP, FD_QKEY_DROP, FD_PKEY_DROP,
	};
	long long sum = 0;
	unsigned int i;

	for (i = 0; i < RTE_DIM(drops); i++)
		sum += fd_delta(a, b, drops[i]);
	return sum;
}

/* ------------------------------------------------------ device hosts */

/**
 * Open a device-API host (its first QP slot is not used: slots are
 * created with fd_host_qp_new()) whose QPs use P_Key pkey.
 *
 * @return 0, or -1 (message printed)
 */
int
fd_host_open(struct fd_host *h, const char *name, uint16_t pkey)
{
	const char *me = getenv("SIM_HOST");
	int idx;

	memset(h, 0, sizeof(*h));
	if (t_host_open(&h->t, name) != 0)
		return -1;
	setenv("HCASIM_HOST", me != NULL ? me : "host1", 1);
	idx = t_pkey_index(&h->t, pkey);
	T_CHECK(idx >= 0, "%s: P_Key 0x%04x not in the table", name, pkey);
	h->pkey_index = (uint16_t)idx;
	return 0;
}

/** Post receive buffers to a slot's QP until FD_RX_PER_QP are posted. */
static void
fd_host_refill(struct fd_host *h, unsigned int slot, unsigned int n)
{
	struct hca_qp *qp = h->qp[slot];
	unsigned int i;

	for (i = 0; i < n; i++) {
		uint32_t b = qp->rq_head % FD_RX_PER_QP;
		uint8_t *buf = h->t.mem + ((size_t)slot * FD_RX_PER_QP + b) *
			FD_RX_BUF;

		hca_rq_post(qp, (uintptr_t)buf, FD_RX_BUF, h->t.mr->lkey);
	}
	hca_rq_doorbell(qp);
}

/**
 * Create a QP in a slot (a new QPN each time), bring it to RTS with the
 * host's P_Key and post its receive buffers.
 *
 * @return 0 or -1
 */
int
fd_host_qp_new(struct fd_host *h, unsigned int slot)
{
	if (slot >= FD_MAX_QP ||
	    t_qp_create(&h->t, &h->qp[slot], h->t.rcq, NULL) != 0 ||
	    t_qp_ready(h->qp[slot], FD_QKEY, h->pkey_index) != 0)
		return -1;
	h->done_head[slot] = (uint16_t)h->qp[slot]->sq_head;
	h->posted[slot] = 0;
	if (slot >= h->nqp)
		h->nqp = slot + 1;
	fd_host_refill(h, slot, FD_RX_PER_QP);
	return 0;
}

/** Destroy a slot's QP (drain the CQs first: its CQEs are lost). */
void
fd_host_qp_del(struct fd_host *h, unsigned int slot)
{
	if (h->qp[slot] != NULL)
		hca_qp_destroy(h->qp[slot]);
	h->qp[slot] = NULL;
}

/** Close a host (the device frees everything). */
void
fd_host_close(struct fd_host *h)
{
	t_host_close(&h->t);
	memset(h->qp, 0, sizeof(h->qp));
}

/** The 20-byte IPoIB address of a slot's QP. */
void
fd_host_addr(const struct fd_host *h, unsigned int slot,
	     struct rte_ipoib_addr *a)
{
	uint32_t qpn = h->qp[slot]->wire_qpn;

	memset(a, 0, sizeof(*a));
	a->bytes[1] = (uint8_t)(qpn >> 16);
	a->bytes[2] = (uint8_t)(qpn >> 8);
	a->bytes[3] = (uint8_t)qpn;
	memcpy(&a->bytes[4], h->t.attr.port.gid.raw, 16);
}

/** Find the slot of a QPN (own number); -1 if none. */
static int
fd_host_slot(const struct fd_host *h, uint32_t qpn)
{
	unsigned int i;

	for (i = 0; i < h->nqp; i++)
		if (h->qp[i] != NULL && h->qp[i]->qpn == qpn)
			return (int)i;
	return -1;
}

/** Consume the host's send completions. */
static void
fd_host_reap(struct fd_host *h)
{
	struct mlx5_cqe64 *c;

	while ((c = hca_cq_peek(h->t.scq)) != NULL) {
		int slot = fd_host_slot(h, be32toh(c->sop_drop_qpn) &
					0xffffff);

		if (slot >= 0)
			h->done_head[slot] = be16toh(c->wqe_counter);
		if (hca_cqe_opcode(c) != MLX5_CQE_REQ) {
			h->tx_errors++;
			if (h->tx_errors <= 3)
				printf("%s: send error CQE, syndrome 0x%x, "
				       "WQE %u\n", h->t.name,
				       ((struct mlx5_err_cqe *)c)->syndrome,
				       be16toh(c->wqe_counter));
		}
		hca_cq_consume(h->t.scq);
	}
	hca_cq_doorbell(h->t.scq);
}

/**
 * Send one test packet (IPoIB header, payload from this QP with seq)
 * inline from a slot's QP; every 16th is signalled, and the sender
 * waits (bounded) while more than half the ring is not completed.
 *
 * @return 0, or -1 when the ring did not drain within 2 s
 */
int
fd_host_send(struct fd_host *h, unsigned int slot,
	     const struct mlx5_wqe_av *av, uint32_t seq)
{
	uint8_t pkt[4 + FD_PAYLOAD];
	struct hca_qp *qp = h->qp[slot];
	uint64_t end = fd_deadline(2);
	bool sig;

	fd_host_reap(h);
	while (((qp->sq_head - h->done_head[slot]) & 0xffff) >
	       qp->sq_wqe_cnt / 2) {
		if (fd_expired(end))
			return -1;
		usleep(100);
		fd_host_reap(h);
	}
	pkt[0] = FD_PROTO >> 8;
	pkt[1] = FD_PROTO & 0xff;
	pkt[2] = 0;
	pkt[3] = 0;
	fd_payload_fill(pkt + 4, FD_PAYLOAD, qp->wire_qpn, seq);
	sig = (++h->posted[slot] % 16) == 0;
	t_send(&h->t, qp, av, pkt, sizeof(pkt), true, sig);
	h->sent[slot]++;
	return 0;
}

/**
 * Consume a host's receive completions: each good one goes to cb (the
 * IPoIB header and payload, without the GRH area), its buffer is
 * posted again; error completions are counted in rx_errors.
 *
 * @return how many completions were consumed
 */
unsigned int
fd_host_poll(struct fd_host *h, fd_rx_cb cb, void *arg)
{
	struct mlx5_cqe64 *c;
	unsigned int n = 0;

	fd_host_reap(h);
	while ((c = hca_cq_peek(h->t.rcq)) != NULL) {
		struct mlx5_cqe64 cqe = *c;
		struct hca_rx_cqe rc;
		int slot;

		hca_cq_consume(h->t.rcq);
		n++;
		slot = fd_host_slot(h, be32toh(cqe.sop_drop_qpn) & 0xffffff);
		if (hca_cqe_opcode(&cqe) != MLX5_CQE_RESP_SEND || slot < 0) {
			h->rx_errors++;
			continue;
		}
		hca_cqe_decode_rx(&cqe, &rc);
		if (rc.byte_cnt >= HCA_GRH_LEN && rc.byte_cnt <= FD_RX_BUF)
			cb(h, (unsigned int)slot, h->t.mem +
			   ((size_t)slot * FD_RX_PER_QP +
			    rc.wqe_index % FD_RX_PER_QP) * FD_RX_BUF +
			   HCA_GRH_LEN, rc.byte_cnt - HCA_GRH_LEN, rc.grh,
			   arg);
		else
			h->rx_errors++;
		fd_host_refill(h, (unsigned int)slot, 1);
	}
	hca_cq_doorbell(h->t.rcq);
	return n;
}

/** An address vector from a device-API host to the PMD's QP. */
void
fd_av_to_pmd(struct mlx5_wqe_av *av, bool grh)
{
	union hca_gid gid;
	uint32_t qpn = (uint32_t)fd_own.bytes[1] << 16 |
		(uint32_t)fd_own.bytes[2] << 8 | fd_own.bytes[3];

	memcpy(gid.raw, &fd_own.bytes[4], 16);
	hca_av_fill(av, qpn, FD_QKEY, fd_own_lid, 0, 0, grh ? &gid : NULL,
		    64, 0, 0);
}
